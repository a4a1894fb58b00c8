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
from pathlib import Path

from .options import add_cli_options, default_revision, to_pytest_args


def _plugin_autoloaded() -> bool:
    try:
        return any(ep.name == "iconf" for ep in importlib.metadata.entry_points(group="pytest11"))
    except Exception:  # noqa: BLE001 - a broken metadata store just means we load it explicitly
        return False


def pytest_args(args: argparse.Namespace, target: str) -> list[str]:
    """The pytest command line for one run against ``target``."""
    here = Path(__file__).resolve().parent
    argv = ["-c", str(here / "pytest.ini"), "--rootdir", str(here), "--pyargs", "conformance.suite.scenarios",
            "--iconf-target", target, *to_pytest_args(args, skip=("target",))]
    if not _plugin_autoloaded():
        argv[0:0] = ["-p", "conformance.suite.plugin"]
    if args.k:
        argv += ["-k", args.k]
    argv += ["-q"] if not args.verbose else ["-v"]
    argv += ["-rfE", "--tb=short", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    workers = getattr(args, "numprocesses", None)
    if workers not in (None, "0"):
        argv += ["-n", workers]  # pytest-xdist; see conformance.suite.distributed
    argv += args.pytest_args
    return argv


def default_targets(args: argparse.Namespace) -> list[str]:
    if args.target:
        return [args.target]
    from ..targets import live_key

    if args.record:
        return ["live" if live_key(args.api_key) else "mock"]
    if live_key(args.api_key):
        return ["live"]
    targets = ["mock"]
    cassettes = Path(args.cassette_dir or "cassettes")
    if any(cassettes.glob("*/*.yaml")):
        targets.insert(0, "replay")
    return targets


def _cmd_run(args: argparse.Namespace) -> int:
    import pytest

    from ..cli import UsageError

    if args.record and args.target == "replay":
        raise UsageError("--record cannot be used with --target replay")
    if args.target and args.target not in ("mock", "live", "replay") and not args.target.startswith(
            ("http://", "https://")):
        raise UsageError(f"--target {args.target!r}: use mock, live, replay or an http(s):// base URL")
    workers = getattr(args, "numprocesses", None)
    if workers is not None and workers != "auto" and not (workers.isdigit()):
        raise UsageError(f"-n {workers!r}: give a number of worker processes or auto")
    if args.cassette_dir:
        os.environ["ICONF_CASSETTE_DIR"] = args.cassette_dir
    worst = 0
    for target in default_targets(args):
        print(f"iconf run: target {target}, revision {args.revision or default_revision(target)}")
        code = pytest.main(pytest_args(args, target))
        if code not in (0, 1):
            code = 2 if code in (3, 4) else 1  # internal error / usage error / interrupted
        worst = max(worst, int(code))
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
