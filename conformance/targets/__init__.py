"""Targets: what the suite runs against, as data plus a context manager that makes it reachable.

``resolve_target(spec)`` understands:

* ``mock`` — the bundled reference mock server, started on a loopback port
  (the default when no key is set);
* ``live`` — the real API with ``GEMINI_API_KEY``; ``--base-url`` overrides
  the host (how the live code path is tested here, against the mock);
* ``http(s)://host:port[/prefix]`` — any server: third-party, gateway, other mock;
* ``replay`` — cassettes recorded earlier, served with the network blocked
  (see :mod:`conformance.cassettes`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

from ..errors import (  # noqa: F401 - defined in conformance.errors, re-exported here
    BudgetExhausted,
    TargetError,
    TargetLimitExceeded,
    TargetSpecError,
    TargetUnreachable,
    TargetUnresponsive,
)
from .client import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_EVENT,
    Answer,
    Spent,
    StreamAnswer,
    TargetClient,
    TargetConfig,
    parse_json_body,
)
from .gate import RunGate
from .reach import check_reachable

LIVE_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_LIVE_MODEL = "gemini-3-flash-preview"
DEFAULT_LIVE_MAX_REQUESTS = 60

#: what the scenarios may need; a target lacking one gets those scenarios skipped with a reason
CAPABILITIES = {
    "scripted": "understands iconf directives ([iconf: ...]) to produce any block/step type on demand",
    "auth": "rejects requests without a valid API key",
    "agents": "runs agents (deep research) in the background",
    "background": "runs interactions in the background (background=true) and supports cancel",
    "store": "keeps interactions server-side (GET, DELETE, previous_interaction_id)",
    "functions": "calls declared function tools and accepts function results",
    "structured": "honours response_format with JSON output",
    "tools": "runs built-in tools (google_search, code_execution, url_context, ...)",
    "multimodal": "accepts image/audio/video/document input inline and by uri",
    "resume": "replays a stream from last_event_id",
    "legacy": "serves the legacy revision (Api-Revision: 2026-05-07); the live API retired it on 2026-06-08",
}

MOCK_CAPABILITIES = frozenset(CAPABILITIES)
LIVE_CAPABILITIES = frozenset(CAPABILITIES) - {"scripted", "legacy"}
#: what any server is asked for: everything it may have. A scenario skips when the user denies a capability
#: (--capability -name) or the server's own answer says it lacks the feature (suite.recipes.target_lacks);
#: only the mock's directives (scripted) and key checks (auth, needs --api-key) are never assumed
URL_CAPABILITIES = frozenset({"store", "background", "functions", "structured", "resume", "legacy", "agents", "tools",
                              "multimodal"})


def apply_capability_overrides(caps: frozenset[str], overrides: list[str] | None) -> frozenset[str]:
    """``--capability agents`` adds, ``--capability -agents`` removes; unknown names are a usage error."""
    out = set(caps)
    for item in overrides or []:
        for name in filter(None, (p.strip() for p in item.split(","))):
            bare = name.lstrip("+-")
            if bare not in CAPABILITIES:
                raise TargetSpecError(f"unknown capability {bare!r}; known: {', '.join(CAPABILITIES)}")
            (out.discard if name.startswith("-") else out.add)(bare)
    return frozenset(out)


def live_key(explicit: str | None) -> str | None:
    return explicit or os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")


@contextlib.contextmanager
def open_target(spec: str, *, api_key: str | None = None, base_url: str | None = None, model: str | None = None,
                api_version: str = "v1beta", max_requests: int | None = None, capabilities: list[str] | None = None,
                mock_faults: list[str] | None = None, mock_revision: str | None = None, mock_legacy: str | None = None,
                timeout_s: float = 30.0, stream_timeout_s: float = 60.0, max_body_bytes: int = DEFAULT_MAX_BODY,
                max_event_bytes: int = DEFAULT_MAX_EVENT) -> Iterator[TargetConfig]:
    """Make the target reachable for the duration of the block and describe it."""
    limits = {"stream_timeout_s": stream_timeout_s, "max_body_bytes": max_body_bytes,
              "max_event_bytes": max_event_bytes}
    if spec == "mock":
        from ..mock.config import MockConfig
        from ..mock.server import MockServer

        key = api_key or f"iconf-mock-{secrets.token_hex(6)}"
        kwargs = {"api_key": key, "faults": frozenset(mock_faults or ()), "background_delay_s": 0.3}
        if mock_revision:
            kwargs["default_revision"] = mock_revision
        if mock_legacy:
            kwargs["legacy"] = mock_legacy
        try:
            config = MockConfig(**kwargs)
        except ValueError as exc:
            raise TargetSpecError(str(exc)) from None
        # a mock that retires legacy (or breaks that answer: the revision.legacy.retired fault) is judged as the
        # live API is: without the legacy capability, so the retired-legacy scenario runs against it
        caps = MOCK_CAPABILITIES - {"legacy"} if config.legacy_retired else MOCK_CAPABILITIES
        with MockServer(config) as server:
            yield TargetConfig(
                name="mock", kind="mock", base_url=server.base_url, api_key=key, api_version=api_version,
                model=model or "gemini-3-flash-preview", max_requests=max_requests, timeout_s=timeout_s,
                capabilities=apply_capability_overrides(caps, capabilities), poll_budget_s=8.0,
                **limits,
            )
        return
    if spec == "live":
        key = live_key(api_key)
        if not key:
            raise TargetSpecError("--target live needs an API key: set GEMINI_API_KEY or pass --api-key")
        yield TargetConfig(
            name="live", kind="live", base_url=(base_url or LIVE_BASE_URL).rstrip("/"), api_key=key,
            api_version=api_version, model=model or DEFAULT_LIVE_MODEL,
            max_requests=DEFAULT_LIVE_MAX_REQUESTS if max_requests is None else max_requests,
            timeout_s=max(timeout_s, 60.0), capabilities=apply_capability_overrides(LIVE_CAPABILITIES, capabilities),
            poll_budget_s=180.0, **{**limits, "stream_timeout_s": max(stream_timeout_s, 120.0)},
        )
        return
    if spec.startswith(("http://", "https://")):
        caps = URL_CAPABILITIES | ({"auth"} if api_key else frozenset())
        yield TargetConfig(
            name=url_name(spec), kind="url", base_url=spec.rstrip("/"), api_key=api_key, api_version=api_version,
            model=model or "gemini-3-flash-preview", max_requests=max_requests, timeout_s=timeout_s,
            capabilities=apply_capability_overrides(caps, capabilities), **limits,
        )
        return
    raise TargetSpecError(f"unknown target {spec!r}: use mock, live, replay or an http(s):// base URL")


def url_name(url: str) -> str:
    host = url.split("://", 1)[1].split("/", 1)[0]
    return "url-" + host.replace(":", "-").replace(".", "-")


__all__ = [
    "Answer", "BudgetExhausted", "CAPABILITIES", "Spent", "StreamAnswer", "TargetClient", "TargetConfig",
    "TargetError", "TargetLimitExceeded", "TargetUnreachable", "TargetUnresponsive", "RunGate", "check_reachable",
    "parse_json_body", "DEFAULT_MAX_BODY", "DEFAULT_MAX_EVENT", "TargetSpecError", "apply_capability_overrides",
    "open_target", "live_key", "LIVE_BASE_URL", "DEFAULT_LIVE_MODEL", "url_name",
]
