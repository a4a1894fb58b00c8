"""One conformance run: what its scenarios share, how the target is opened, and the run record.

The pytest plugin creates one :class:`IconfRun` per session (from the
``--iconf-*`` options), scenarios reach it through fixtures, and at the end
:meth:`IconfRun.record` turns what they observed into the
:class:`~conformance.reports.RunRecord` every report is derived from. No
pytest here: this is the run's state and its lifecycle, kept next to the
judge so the plugin stays options, markers, fixtures and hooks.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .._clock import utcnow
from ..errors import ConformanceError, TargetOpenError, UsageError
from ..profiles import get_profile
from ..reports import RunRecord, ScenarioResult
from ..schema import SchemaSet
from ..strictness import Strictness


def target_name(spec: str) -> str:
    """The short name of a target spec (``mock``, ``live``, ``replay``, ``url-host-port``) for report directories."""
    if spec.startswith(("http://", "https://")):
        from ..targets import url_name

        return url_name(spec)
    return spec


def cassette_dir(options: dict) -> Path:
    """Where this run reads and writes cassettes (``--cassette-dir``, ``$ICONF_CASSETTE_DIR``, ``cassettes/``)."""
    from ..cassettes.recorder import resolve_dir

    return resolve_dir(options.get("cassette_dir"))


def preflight(spec: str, options: dict, revisions: list[str]) -> None:
    """Set-up errors found before any scenario runs, so they are reported once (raises :class:`UsageError`).

    A live target without a key, a replay without cassettes and a target
    name that means nothing are mistakes in how the run was started, not
    verdicts: one line, exit 2.
    """
    if spec == "live":
        from ..targets import live_key

        if not live_key(options.get("api_key")):
            raise UsageError("--target live needs an API key: set GEMINI_API_KEY or pass --api-key "
                             "(no key? `iconf run` without --target runs offline)")
    elif spec == "replay":
        from ..cassettes.replay import cassette_files

        directory = cassette_dir(options)
        if not cassette_files(directory, revisions):
            raise UsageError(f"the replay target has no cassettes for revision {', '.join(revisions)} under "
                             f"{directory}/ (they ship with a checkout of the repository: run from its root, or "
                             "pass --cassette-dir DIR)")
    elif spec != "mock" and not spec.startswith(("http://", "https://")):
        raise UsageError(f"--target {spec!r}: use mock, live, replay or an http(s):// base URL")
    reachable(spec, options)


def reachable(spec: str, options: dict) -> None:
    """Nothing listening at a URL target (or live's host) is a set-up error found in seconds, not 75 time-outs.

    Only a TCP connection is tried (no request is spent). Skipped for hosts
    reached through a *_PROXY proxy, where a direct connection proves nothing.
    """
    from .._http import env_proxy
    from ..targets import LIVE_BASE_URL, TargetUnreachable, check_reachable

    url = spec if spec.startswith(("http://", "https://")) else None
    if spec == "live":
        url = options.get("base_url") or LIVE_BASE_URL
    if url is None or env_proxy(url):
        return
    try:
        check_reachable(url)
    except TargetUnreachable as exc:
        raise UsageError(f"target {url} is not reachable: {exc}") from None


@dataclass
class IconfRun:
    """Everything one conformance run shares across scenarios."""

    options: dict
    target_spec: str
    revisions: list[str]
    selected: frozenset[str] | None
    report_dir: Path | None
    started: str
    strictness: Strictness
    results: list[ScenarioResult] = field(default_factory=list)
    extra_findings: list = field(default_factory=list)
    target: Any = None
    spent: Any = None
    schemas: dict = field(default_factory=dict)
    open_error: str | None = None
    #: under xdist (see .distributed): the controller's side, and the target as a worker described it
    controller: Any = None
    remote_target: dict | None = None
    remote_model: str | None = None
    #: failed tests of the user's own project collected in the same session (they keep pytest's exit 1)
    project_failures: int = 0
    #: the run deadline and circuit breaker every client asks before a request (conformance.targets.gate)
    gate: Any = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def __post_init__(self) -> None:
        if self.gate is None:
            from ..targets import RunGate

            self.gate = RunGate(deadline_s=self.options.get("deadline"))

    def schema_set(self, revision: str) -> SchemaSet:
        if revision not in self.schemas:
            self.schemas[revision] = SchemaSet(get_profile(revision), self.options.get("schema"), self.strictness)
        return self.schemas[revision]

    def open_target(self) -> Any:
        """Open the target once (later calls return it); raises :class:`TargetOpenError` with one clear line."""
        if self.target is not None:
            return self.target
        if self.open_error is not None:
            raise TargetOpenError(self.open_error)
        from ..targets import Spent, open_target

        o = self.options
        try:
            if self.target_spec == "replay":
                from ..cassettes.replay import open_replay_target

                cm = open_replay_target(cassette_dir(o), o)
            else:
                cm = open_target(self.target_spec, api_key=o["api_key"], base_url=o["base_url"],
                                 model=o["model"], api_version=o["api_version"], max_requests=o["max_requests"],
                                 capabilities=o["capability"], mock_faults=o["mock_fault"], mock_legacy=o["mock_legacy"],
                                 timeout_s=o["timeout"], stream_timeout_s=o["stream_timeout"],
                                 max_body_bytes=o["max_body"], max_event_bytes=o["max_event"])
            self.target = self._stack.enter_context(cm)
            self.spent = Spent()
        except (ConformanceError, OSError, ValueError) as exc:
            self.open_error = f"the {target_name(self.target_spec)} target could not be opened: {exc}"
            raise TargetOpenError(self.open_error) from None
        return self.target

    def close(self) -> None:
        self._stack.close()

    def secrets(self) -> list[str]:
        return [s for s in (self.options.get("api_key"), getattr(self.target, "api_key", None)) if s]

    def record(self) -> RunRecord:
        """The run as the reports see it (keys stay in ``options`` so the writers know what to redact)."""
        target = (self.target.redacted() if self.target is not None else self.remote_target
                  or {"name": target_name(self.target_spec), "kind": self.target_spec, "base_url": None})
        spent = vars(self.spent) if self.spent is not None else {"requests": 0}
        options = dict(self.options, api_key=getattr(self.target, "api_key", None) or self.options.get("api_key"))
        return RunRecord(
            run_id=self.report_dir.name if self.report_dir else f"run-{self.started}", started=self.started,
            finished=utcnow(), target=target, revisions=self.revisions,
            model=self.target.model if self.target is not None else self.remote_model or self.options.get("model"),
            suite_version=__version__, options=options, scenarios=self.results, spent=dict(spent),
            extra_findings=self.extra_findings,
            parties=("server", "both"),  # a suite run judges the target server; client rules belong to the proxy
        )
