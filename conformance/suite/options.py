"""The suite's options, as data: one table feeds both ``pytest --iconf-NAME`` and ``iconf run --NAME``.

Adding an option here makes it a pytest option, an ``iconf run`` option and
a pass-through between the two, so the two command lines cannot drift.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._record_modes import MODES as RECORD_MODES
from ..profiles import DEFAULT_REVISION, REVISION_NAMES
from .hypothesis_profiles import NAMES as HYPOTHESIS_PROFILES

REVISION_HELP = (f"{' | '.join(REVISION_NAMES)} | all (comma list allowed; default: every revision the target "
                 f"serves — all for mock and replay; {DEFAULT_REVISION} for live, which retired legacy on "
                 f"2026-06-08, and for URLs)")

#: the revisions a target runs when --revision is not given: every revision it serves. The mock and the
#: cassettes serve both; the live API serves only 2026-05-20 since legacy was removed on 2026-06-08
#: (API-FACTS §9); a server at a URL is asked for the revision the API serves today (--revision all for both)
DEFAULT_REVISIONS: dict[str, str] = {"mock": "all", "replay": "all", "live": DEFAULT_REVISION}


def default_revision(target: str | None) -> str:
    """The --revision a run against ``target`` uses when none is given."""
    return DEFAULT_REVISIONS.get(target or "", DEFAULT_REVISION)

#: the run deadline when none is given: long enough for a full two-revision run against the live API
DEFAULT_DEADLINE_S = 1800.0
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024 ** 2, "mb": 1024 ** 2, "mib": 1024 ** 2,
          "g": 1024 ** 3, "gb": 1024 ** 3, "gib": 1024 ** 3}


def size(text: str) -> int:
    """A byte count: ``1048576``, ``512K``, ``16M``, ``1G`` (binary units)."""
    raw = str(text).strip().lower()
    digits = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(digits):]
    try:
        value = float(digits)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 16M, 512K, 1048576)") from None
    if unit not in _UNITS or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 16M, 512K, 1048576)")
    return int(value * _UNITS[unit])


def seconds(text: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: seconds must be positive")
    return value


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    default: Any = None
    type: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    action: str | None = None  # "append" | "store_true"
    metavar: str | None = None
    #: extra argparse keywords for `iconf run` only (e.g. an optional value)
    cli: dict = field(default_factory=dict)

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def kwargs(self) -> dict:
        kw: dict[str, Any] = {"help": self.help}
        if self.action == "store_true":
            kw.update(action="store_true", default=False)
            return kw
        if self.action == "append":
            kw.update(action="append", default=[])
        else:
            kw["default"] = self.default
        for key in ("type", "choices", "metavar"):
            if getattr(self, key) is not None:
                kw[key] = getattr(self, key)
        return kw


OPTIONS: tuple[Option, ...] = (
    Option("target", "mock | live | replay | http(s)://host:port[/prefix]"),
    Option("revision", REVISION_HELP),
    Option("rules", "only these rules: IDs, areas or prefix globs, comma-separated"),
    Option("report-dir", "base directory of the run reports (reports/<timestamp>-<target>/)", default="reports"),
    Option("no-report", "write no report directory", action="store_true"),
    Option("api-key", "API key for the target (live: GEMINI_API_KEY by default)"),
    Option("base-url", "override the live target's base URL"),
    Option("model", "model for model interactions (live default: a current flash model)"),
    Option("api-version", "path version the target is called under", default="v1beta", choices=("v1beta", "v1")),
    Option("max-requests", "request budget for the run (live default: 60)", type=int),
    Option("capability", "declare (+name) or deny (-name) a target capability: scripted, auth, agents, background, "
           "store, functions, structured, tools, multimodal, resume", action="append", metavar="[+|-]NAME"),
    Option("mock-fault", "(mock target) make the mock break this rule, to see the suite catch it",
           action="append", metavar="RULE-ID"),
    Option("mock-legacy", "(mock target) 'served' (default) or 'retired': the mock refuses legacy requests with "
           "the live API's 400 and is judged without the legacy capability", choices=("served", "retired")),
    Option("schema", "OpenAPI document to validate against (e.g. the official one)"),
    Option("strict", "strictness option KEY=VALUE (see `iconf validate --help`)", action="append",
           metavar="KEY=VALUE"),
    Option("hypothesis-profile", "example counts of the property scenarios (default: live for the live target, "
           "else quick)", choices=HYPOTHESIS_PROFILES),
    Option("property-budget", "seconds a property scenario goes on (shrinking) after its first failure; then it "
           "stops and reports the violations it found (default: the Hypothesis profile's, quick 10, "
           "thorough 120, live 300)", type=seconds),
    Option("record", "record every exchange into cassettes (record mode)",
           choices=RECORD_MODES, cli={"nargs": "?", "const": "once"}),
    Option("cassette-dir", "where cassettes are read and written (default cassettes/)"),
    Option("timeout", "seconds one whole answer may take: connect + headers + body (live: at least 60)",
           default=30.0, type=seconds),
    Option("stream-timeout", "seconds one whole stream may take, first byte to last (live: at least 120)",
           default=60.0, type=seconds),
    Option("max-body", "largest answer body, or whole stream, read before it is abandoned unjudged "
           "(bytes; K/M/G suffixes)", default="16M", type=size, metavar="SIZE"),
    Option("max-event", "largest single SSE event (bytes; K/M/G suffixes)", default="4M", type=size,
           metavar="SIZE"),
    Option("deadline", "seconds the whole run may take; then the remaining scenarios are not judged and the "
           "report is written", default=DEFAULT_DEADLINE_S, type=seconds),
)


def add_pytest_options(group) -> None:
    for opt in OPTIONS:
        group.addoption(f"--iconf-{opt.name}", dest=f"iconf_{opt.dest}", **opt.kwargs())


def add_cli_options(parser: argparse.ArgumentParser) -> None:
    for opt in OPTIONS:
        parser.add_argument(f"--{opt.name}", dest=opt.dest, **{**opt.kwargs(), **opt.cli})


def to_pytest_args(args: argparse.Namespace, *, skip: tuple[str, ...] = ()) -> list[str]:
    """``iconf run`` values as ``--iconf-*`` arguments (only what differs from the defaults)."""
    argv: list[str] = []
    for opt in OPTIONS:
        if opt.name in skip:
            continue
        value = getattr(args, opt.dest)
        flag = f"--iconf-{opt.name}"
        if opt.action == "store_true":
            argv += [flag] if value else []
        elif opt.action == "append":
            for item in value or []:
                argv += [f"{flag}={item}"]  # one token: a value like "-agents" must not read as an option
        elif value is not None:
            argv += [flag, str(value)]
    return argv


#: options whose values may start with "-" (``--capability -agents`` denies a capability)
DASH_VALUE_FLAGS = frozenset({"--capability"})


def glue_dash_values(argv: list[str]) -> list[str]:
    """``--capability -agents`` as ``--capability=-agents``.

    argparse reads a value that starts with "-" as another option and refuses the pair; the
    documented form must work, so ``iconf`` glues the value to its flag before parsing (and hands
    it on to pytest glued, as ``--iconf-capability=-agents``). Tokens after a bare ``--`` are left
    alone. Under plain pytest, write the glued form yourself.
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            out += argv[i:]
            break
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if token in DASH_VALUE_FLAGS and nxt is not None and nxt.startswith("-") and not nxt.startswith("--") \
                and len(nxt) > 1:
            out.append(f"{token}={nxt}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out
