"""The suite's side of cassettes: one cassette per scenario and revision, and where it lives.

The pytest plugin keeps a :class:`CassetteRecorder` when
``--iconf-record MODE`` is given or the target is ``replay``; its
``transport_for(node, target)`` gives each scenario's ``TargetClient`` a
:class:`~.transport.CassetteTransport` over
``<cassette dir>/<revision>/<scenario>.yaml``.

Record modes are vcrpy's (listed in ``conformance/_record_modes.py``):

* ``none``: replay only; a request not in the cassette fails the scenario (``--target replay``);
* ``once``: record a scenario that has no cassette yet; replay one that has;
* ``new_episodes``: replay what matches, record what does not (added to the cassette);
* ``all``: ask the target for everything and rewrite the cassettes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx
from vcr.cassette import Cassette
from vcr.record_mode import RecordMode

from .. import __version__
from .._clock import utcnow
from .._http import http_transport
from .._record_modes import MODES
from .matching import MATCH_ON
from .scrub import Scrubber, configured_patterns
from .storage import FORMAT, SUFFIX, ScrubbingPersister, serializer
from .transport import CassetteTransport

#: TargetConfig fields a replay must share with the recorded run (polling budgets decide how often it asks)
TIMING_FIELDS = ("poll_budget_s", "stream_timeout_s")
DEFAULT_DIR = "cassettes"
_MAX_STEM = 120


# --- names -----------------------------------------------------------------------------------------


def scenario_name(item: Any) -> str:
    """The scenario's name: the test function with its parameters, except the revision (that is the directory).

    ``test_output_kind[2026-05-20-text]`` -> ``test_output_kind[text]``.
    """
    base = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return base
    revision = callspec.params.get("revision")
    ids = list(getattr(callspec, "_idlist", None) or [])
    if ids:
        if revision is not None and revision in ids:
            ids.remove(revision)
        params = "-".join(ids)
    else:  # a pytest without _idlist: drop the revision from the joined id
        params = callspec.id
        if revision is not None:
            params = re.sub(rf"(^|-){re.escape(str(revision))}(-|$)", "-", params, count=1).strip("-")
    return f"{base}[{params}]" if params else base


def cassette_stem(name: str) -> str:
    """A file name for a scenario name: ``test_output_kind[text]`` -> ``test_output_kind__text``."""
    base, _, params = name.partition("[")
    params = params[:-1] if params.endswith("]") else params
    stem = base + (f"__{params}" if params else "")
    stem = re.sub(r"[^A-Za-z0-9_.=-]+", "_", stem).strip("._") or "scenario"
    if len(stem) > _MAX_STEM:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        stem = f"{stem[:_MAX_STEM - 11]}-{digest}"
    return stem


def item_revision(item: Any) -> str:
    callspec = getattr(item, "callspec", None)
    revision = callspec.params.get("revision") if callspec is not None else None
    return str(revision) if revision is not None else "any-revision"


def cassette_path(cassette_dir: str | Path, revision: str, name: str) -> Path:
    return Path(cassette_dir) / revision / f"{cassette_stem(name)}{SUFFIX}"


def resolve_dir(explicit: str | None = None) -> Path:
    """``--cassette-dir``, else ``$ICONF_CASSETTE_DIR``, else ``cassettes/`` (relative to the working directory)."""
    return Path(explicit or os.environ.get("ICONF_CASSETTE_DIR") or DEFAULT_DIR)


# --- metadata --------------------------------------------------------------------------------------


def command_line(scrubber: Scrubber | None = None) -> str:
    """How this process was started, as a shell line (``iconf run ...``), secrets scrubbed."""
    argv = list(sys.argv) or ["?"]
    prog = Path(argv[0]).name
    if prog in ("__main__.py", "-c") or prog.startswith("python"):
        prog = "python -m " + (sys.modules["__main__"].__spec__.name if getattr(sys.modules.get("__main__"),
                                                                            "__spec__", None) else "?")
    out = []
    skip = False
    for arg in argv[1:]:
        if skip:
            out.append("<redacted>")
            skip = False
            continue
        if arg in ("--api-key", "--iconf-api-key"):
            skip = True
        elif arg.startswith(("--api-key=", "--iconf-api-key=")):
            arg = arg.split("=", 1)[0] + "=<redacted>"
        out.append(arg)
    line = " ".join([prog, *map(shlex.quote, out)])
    return scrubber.text(line) if scrubber is not None else line


def cassette_metadata(*, scenario: str, nodeid: str, revision: str, target: Any, mode: str,
                      mock_faults: list[str] | None = None, command: str = "") -> dict:
    """Where a cassette came from: suite version, when, which target (and its capabilities), revision, command."""
    return {
        "format": FORMAT,
        "recorded_with": f"interactions-conformance {__version__}",
        "recorded_at": utcnow(),
        "command": command,
        "record_mode": mode,
        "scenario": scenario,
        "nodeid": nodeid,
        "revision": revision,
        "target": {
            "kind": target.kind, "name": target.name, "base_url": target.base_url, "model": target.model,
            "agent": target.agent, "api_version": target.api_version,
            "capabilities": sorted(target.capabilities), "mock_faults": sorted(mock_faults or []),
            **{k: getattr(target, k) for k in TIMING_FIELDS if isinstance(getattr(target, k, None), (int, float))},
        },
        "python": sys.version.split()[0],
        "httpx": httpx.__version__,
        "stream_bodies": "body.chunks as received; body.offsets_ms = arrival after the response headers",
    }


# --- the network ------------------------------------------------------------------------------------


def real_transport(base_url: str) -> httpx.BaseTransport:
    """The transport recording talks to the target through (honours *_PROXY/NO_PROXY for non-local hosts)."""
    return http_transport(base_url)


# --- the recorder ----------------------------------------------------------------------------------


class CassetteRecorder:
    """Hands each scenario a transport over its cassette; see the module docstring for the modes."""

    def __init__(self, cassette_dir: str | Path, mode: str = "none", *, replay: bool = False,
                 mock_faults: list[str] | None = None, timing: bool | None = None,
                 command: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown record mode {mode!r}; use one of {', '.join(MODES)}")
        self.dir = Path(cassette_dir)
        self.mode = "none" if replay else mode
        self.replay = replay
        self.mock_faults = list(mock_faults or [])
        self.timing = bool(os.environ.get("ICONF_REPLAY_TIMING")) if timing is None else timing
        self.command = command
        self.patterns = configured_patterns(self.dir)
        pin_hypothesis_constants()

    @classmethod
    def from_config(cls, config: Any, target_spec: str, mode: str | None) -> CassetteRecorder:
        explicit = config.getoption("iconf_cassette_dir", None)
        cassette_dir = resolve_dir(None if explicit in (None, DEFAULT_DIR) else explicit)
        return cls(cassette_dir, mode or "none", replay=target_spec == "replay",
                   mock_faults=config.getoption("iconf_mock_fault", None) or [])

    def transport_for(self, node: Any, target: Any) -> CassetteTransport:
        """The transport for scenario ``node`` (a pytest item) against the opened ``target`` (a TargetConfig)."""
        name = scenario_name(node)
        revision = item_revision(node)
        path = cassette_path(self.dir, revision, name)
        scrubber = Scrubber(target_key=target.api_key if target.kind != "replay" else None,
                            patterns=self.patterns)
        cassette = Cassette.load(
            path=str(path), serializer=serializer, persister=ScrubbingPersister(scrubber),
            record_mode=RecordMode(self.mode), match_on=MATCH_ON, drop_unused_requests=self.mode == "all",
        )
        command = self.command if self.command is not None else command_line(scrubber)
        nodeid = getattr(node, "nodeid", name)

        def metadata() -> dict:
            return cassette_metadata(scenario=name, nodeid=nodeid, revision=revision, target=target, mode=self.mode,
                                     mock_faults=self.mock_faults if target.kind == "mock" else [], command=command)

        real = None if self.replay or self.mode == "none" else real_transport(target.base_url)
        transport = CassetteTransport(cassette, scrubber, real=real, target_key=target.api_key,
                                      timing=self.timing and self.replay, metadata=metadata,
                                      hint=f" --revision {revision} -k {shlex.quote(_k_expr(name))}")
        return transport


def pin_hypothesis_constants() -> bool:
    """Make Hypothesis draw the same examples in the recording and the replay process.

    Besides its seed (``derandomize``), Hypothesis mixes constants it finds in
    the *local modules loaded so far* into generated values, and which modules
    are loaded differs between a run against the mock (the mock server's
    modules, imported by a server thread) and a replay. With cassettes on, that
    pool is pinned empty, so generated requests depend on the seed alone.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return False
    if getattr(providers, "_iconf_pinned", False):
        return True
    empty = providers.Constants()
    if not hasattr(providers, "_get_local_constants"):  # pragma: no cover - a Hypothesis without the pool
        return False
    providers._get_local_constants = lambda: empty
    providers._iconf_pinned = True
    return True


def _k_expr(name: str) -> str:
    base, _, params = name.partition("[")
    params = params.rstrip("]")
    return f"{base} and {params}" if params and re.fullmatch(r"[A-Za-z0-9_]+", params) else base


__all__ = ["CassetteRecorder", "MODES", "cassette_metadata", "cassette_path", "cassette_stem", "command_line",
           "item_revision", "real_transport", "resolve_dir", "scenario_name"]
