"""Settings of one mock server instance.

Everything that changes how the server behaves lives in this one frozen
dataclass, so a test can build a server from a literal and the CLI maps its
options onto fields one to one. Per-request overrides (the ``X-Iconf-Fault``
header, directives in the input) layer on top of it; they never mutate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..profiles import DEFAULT_REVISION, get_profile
from .errors import ERROR_CODE_STYLES
from .limits import DEFAULT_LIMITS, Limits

#: what the mock does with a legacy request: serve it (old servers, the default) or refuse it as the live API does
LEGACY_MODES = ("served", "retired")


@dataclass(frozen=True)
class MockConfig:
    #: when set, every request must carry this key (x-goog-api-key or ?key=)
    api_key: str | None = None
    #: rule IDs the server breaks on every request (see faults.FAULTS)
    faults: frozenset[str] = field(default_factory=frozenset)
    #: added before every response, to exercise client timeouts and polling
    latency_ms: int = 0
    #: revision served when a request sends no Api-Revision header
    default_revision: str = DEFAULT_REVISION
    #: how long a background run stays in_progress (a directive may override it)
    background_delay_s: float = 0.5
    #: optional path prefix served in addition to the bare paths ("/prefix")
    base_path: str = ""
    #: client-robustness cases served on every request (see robustness.CASES; conforming, unlike faults)
    robustness: frozenset[str] = field(default_factory=frozenset)
    #: request, generation and store limits (limits.py; every one is listed in docs/mock.md)
    limits: Limits = DEFAULT_LIMITS
    #: SQLite file shared by every worker and kept across restarts; None = in memory (store.py)
    store_path: str | None = None
    #: error envelope style: "string" (the live API's {"code": "invalid_request", ...}) or "integer" (Google's)
    error_code: str = "string"
    #: "served" (the default: the mock also stands in for old servers) or "retired": a legacy request
    #: (Api-Revision: 2026-05-07) gets the live API's 400 "no longer supported" (API-FACTS §9)
    legacy: str = "served"

    def __post_init__(self) -> None:
        from .faults import validate_fault_ids

        object.__setattr__(self, "faults", frozenset(validate_fault_ids(self.faults)))
        from .robustness import validate_cases

        object.__setattr__(self, "robustness", frozenset(validate_cases(self.robustness)))
        object.__setattr__(self, "default_revision", get_profile(self.default_revision).name)
        base = self.base_path.strip()
        if base and not base.startswith("/"):
            base = "/" + base
        object.__setattr__(self, "base_path", base.rstrip("/"))
        if self.error_code not in ERROR_CODE_STYLES:
            raise ValueError(f"error_code must be one of {', '.join(ERROR_CODE_STYLES)}, got {self.error_code!r}")
        if self.legacy not in LEGACY_MODES:
            raise ValueError(f"legacy must be one of {', '.join(LEGACY_MODES)}, got {self.legacy!r}")
        if self.legacy == "retired" and get_profile(self.default_revision).name == "legacy":
            raise ValueError("default_revision legacy (--revision legacy) cannot go with legacy retired (--legacy retired): "
                             "a retired revision is never the default")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.background_delay_s < 0:
            raise ValueError("background_delay_s must be >= 0")

    @property
    def legacy_retired(self) -> bool:
        """Whether a legacy request is refused: ``legacy="retired"``, or the fault that breaks that answer."""
        return self.legacy == "retired" or "revision.legacy.retired" in self.faults
