"""``iconf run``: the conformance suite from the command line.

A thin wrapper over pytest: it turns options into ``--iconf-*`` arguments,
runs the scenarios shipped in ``conformance.suite.scenarios`` and returns
the run's verdict (0 only if no MUST rule failed). With no target and no
key it runs offline: the committed cassettes, replayed, then the bundled
mock server.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from ..errors import ConformanceError, UsageError
from ..profiles import revision_names
from ..reports.terminal import verdict_line
from .options import add_cli_options, default_revision, to_pytest_args
from .run import preflight


def plugin_autoloaded() -> bool:
    """Whether pytest loads the plugin by itself (the package is installed with its ``pytest11`` entry point)."""
    try:
        return any(ep.name == "iconf" for ep in importlib.metadata.entry_points(group="pytest11"))
    except Exception:  # noqa: BLE001 - a broken metadata store just means we load it explicitly
        return False


def base_pytest_args() -> list[str]:
    """The pytest arguments that run the shipped scenarios the same wherever iconf is started from."""
    here = Path(__file__).resolve().parent
    # --assert=plain: verdicts come from the judge, not from assertion introspection, and rewriting costs each
    # pytest process (and each -n worker) ~3 CPU-seconds wherever its cache cannot be written (a read-only
    # install, PYTHONDONTWRITEBYTECODE): pytest rewrites every module of every plugin distribution, ~300 here.
    # -p no:unraisableexception: its end-of-session gc.collect() passes cost ~1 s per session on the run's heap,
    # to report exceptions in __del__ methods, which carry no verdict.
    argv = ["-c", str(here / "pytest.ini"), "--rootdir", str(here), "--pyargs", "conformance.suite.scenarios",
            "--assert=plain", "-p", "no:unraisableexception"]
    if not plugin_autoloaded():
        argv[0:0] = ["-p", "conformance.suite.plugin"]
    return argv


def pytest_args(args: argparse.Namespace, target: str) -> list[str]:
    """The pytest command line for one run against ``target``.

    Per-failure output is short (``--tb=short``; a judged failure is one
    line per rule) and pytest's own list of failed node IDs is left out
    (``-r`` not given): the conformance summary lists them by rule, and
    the verdict comes last.
    """
    argv = [*base_pytest_args(), "--iconf-target", target, *to_pytest_args(args, skip=("target",))]
    if args.k:
        argv += ["-k", args.k]
    argv += ["-q"] if not args.verbose else ["-v"]
    argv += ["--tb=short", "-rN"]
    workers = getattr(args, "numprocesses", None)
    if workers not in (None, "0"):
        argv += ["-n", workers]  # pytest-xdist; see conformance.suite.distributed
    argv += args.pytest_args
    return argv


def default_targets(args: argparse.Namespace) -> list[str]:
    """The targets a run uses: the one asked for; else live with a key; else the cassettes (if any), then the mock."""
    if args.target:
        return [args.target]
    from ..targets import live_key

    if args.record:
        return ["live" if live_key(args.api_key) else "mock"]
    if live_key(args.api_key):
        return ["live"]
    targets = ["mock"]
    from ..cassettes.recorder import resolve_dir

    cassettes = resolve_dir(args.cassette_dir)
    if any(cassettes.glob("*/*.yaml")):
        targets.insert(0, "replay")
    else:
        print(f"iconf run: no cassettes under {cassettes}/, so the replay phase is skipped and only the mock runs "
              "(run from a checkout of the repository, or pass --cassette-dir DIR)", file=sys.stderr)
    return targets


class _Verdict:
    """Catches the run record of an in-process pytest session, to print the verdict after pytest's last line."""

    def __init__(self) -> None:
        self.record = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from .plugin import RECORD_KEY

        self.record = session.config.stash.get(RECORD_KEY, None)


def _cmd_run(args: argparse.Namespace) -> int:
    if args.record and args.target == "replay":
        raise UsageError("--record cannot be used with --target replay")
    workers = getattr(args, "numprocesses", None)
    if workers is not None and workers != "auto" and not (workers.isdigit()):
        raise UsageError(f"-n {workers!r}: give a number of worker processes or auto")
    if args.cassette_dir:
        os.environ["ICONF_CASSETTE_DIR"] = args.cassette_dir
    targets = default_targets(args)
    options = {"api_key": args.api_key, "cassette_dir": args.cassette_dir, "base_url": args.base_url}
    for target in targets:  # set-up errors first, once, before anything runs
        try:
            revisions = revision_names(args.revision or default_revision(target))
        except (ConformanceError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        preflight(target, options, revisions)
    worst, verdicts = 0, []
    for target in targets:
        revision = args.revision or default_revision(target)
        print(f"iconf run: target {target}, revision {revision}", flush=True)
        catcher = _Verdict()
        code = pytest.main(pytest_args(args, target), plugins=[catcher])
        if code in (3, 4):  # internal error / usage error: pytest printed why
            code = 2
        elif code not in (0, 1):  # interrupted, or no scenario collected (-k matched nothing)
            code = 1
        worst = max(worst, int(code))
        verdicts.append((target, code, catcher.record))
    for target, code, record in verdicts:
        if record is not None and record.scenarios:
            line = verdict_line(record).plain
        else:
            line = {2: "set-up or usage error (see above)", 0: "no scenario ran"}.get(code, f"pytest exited {code}")
            line = f"NO VERDICT: {line}"
        print(f"iconf run: {target}: {line}")
    return worst


def add_run_options(p: argparse.ArgumentParser) -> None:
    add_cli_options(p)
    p.add_argument("--replay", action="store_true", help="same as --target replay")
    p.add_argument("-k", default=None, help="pytest -k expression to pick scenarios")
    p.add_argument("-n", "--numprocesses", default=None, metavar="N|auto",
                   help="spread the scenarios over N worker processes (pytest-xdist; auto: one per core). "
                        "Off by default, and best left off for --target live (rate limits): the request budget "
                        "is split between the workers")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")


def register(sub) -> None:
    p = sub.add_parser("run", help="run the conformance suite against a target",
                       description="Run the scenario catalogue against a target and write reports/<run>/. "
                                   "Exit 0 only if no MUST rule failed.")
    add_run_options(p)
    p.set_defaults(func=_dispatch)


def _dispatch(args: argparse.Namespace) -> int:
    if args.replay:
        args.target = "replay"
    return _cmd_run(args)
