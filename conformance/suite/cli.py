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

from ..profiles import PROFILES


def _plugin_autoloaded() -> bool:
    try:
        return any(ep.name == "iconf" for ep in importlib.metadata.entry_points(group="pytest11"))
    except Exception:  # noqa: BLE001 - a broken metadata store just means we load it explicitly
        return False


def pytest_args(args: argparse.Namespace, target: str) -> list[str]:
    """The pytest command line for one run against ``target``."""
    here = Path(__file__).resolve().parent
    argv = ["-c", str(here / "pytest.ini"), "--rootdir", str(here), "--pyargs", "conformance.suite.scenarios",
            "--iconf-target", target, "--iconf-revision", args.revision, "--iconf-report-dir", args.report_dir,
            "--iconf-api-version", args.api_version, "--iconf-timeout", str(args.timeout)]
    if not _plugin_autoloaded():
        argv[0:0] = ["-p", "conformance.suite.plugin"]
    for flag, value in (("--iconf-rules", args.rules), ("--iconf-api-key", args.api_key),
                        ("--iconf-base-url", args.base_url), ("--iconf-model", args.model),
                        ("--iconf-max-requests", args.max_requests), ("--iconf-schema", args.schema),
                        ("--iconf-hypothesis-profile", args.hypothesis_profile)):
        if value is not None:
            argv += [flag, str(value)]
    for flag, values in (("--iconf-capability", args.capability), ("--iconf-mock-fault", args.mock_fault),
                         ("--iconf-strict", args.strict)):
        for value in values:
            argv += [flag, value]
    if args.record:
        argv += ["--iconf-record", args.record]
    if args.cassette_dir:
        argv += ["--iconf-cassette-dir", args.cassette_dir]
    if args.no_report:
        argv += ["--iconf-no-report"]
    if args.k:
        argv += ["-k", args.k]
    argv += ["-q"] if not args.verbose else ["-v"]
    argv += ["-rfE", "--tb=short", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
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
    if args.cassette_dir:
        os.environ["ICONF_CASSETTE_DIR"] = args.cassette_dir
    worst = 0
    for target in default_targets(args):
        print(f"iconf run: target {target}, revision {args.revision}")
        code = pytest.main(pytest_args(args, target))
        if code not in (0, 1):
            code = 2 if code in (3, 4) else 1  # internal error / usage error / interrupted
        worst = max(worst, int(code))
    return worst


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default=None,
                   help="mock | live | replay | http(s)://host:port[/prefix] (default: live with a key, "
                        "otherwise replay of the cassettes and then the bundled mock)")
    p.add_argument("--revision", default="2026-05-20", help=f"{' | '.join(PROFILES)} | all (default 2026-05-20)")
    p.add_argument("--rules", default=None, help="only these rules: IDs, areas or globs, comma-separated")
    p.add_argument("--report-dir", default="reports", help="where reports/<timestamp>-<target>/ go")
    p.add_argument("--no-report", action="store_true", help="write no report directory")
    p.add_argument("--api-key", default=None, help="key for the target (live: GEMINI_API_KEY by default)")
    p.add_argument("--base-url", default=None, help="override the live target's base URL")
    p.add_argument("--model", default=None, help="model to use (live default: a current flash model)")
    p.add_argument("--api-version", default="v1beta", choices=["v1beta", "v1"])
    p.add_argument("--max-requests", type=int, default=None, help="request budget (live default: 60)")
    p.add_argument("--capability", action="append", default=[], metavar="[+|-]NAME",
                   help="declare (+name) or deny (-name) a target capability: scripted, auth, agents, "
                        "background, store, functions, structured, tools, multimodal, resume")
    p.add_argument("--mock-fault", action="append", default=[], metavar="RULE-ID",
                   help="(mock target) make the mock break this rule, to see the suite catch it")
    p.add_argument("--schema", default=None, help="OpenAPI document to validate against (e.g. the official one)")
    p.add_argument("--strict", action="append", default=[], metavar="KEY=VALUE", help="strictness option")
    p.add_argument("--hypothesis-profile", default=None, choices=["quick", "thorough", "live"])
    p.add_argument("--record", nargs="?", const="once", default=None, choices=["none", "once", "new_episodes", "all"],
                   help="record cassettes (mode; default once)")
    p.add_argument("--replay", action="store_true", help="same as --target replay")
    p.add_argument("--cassette-dir", default=None, help="cassette directory (default cassettes/)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for any one answer")
    p.add_argument("-k", default=None, help="pytest -k expression to pick scenarios")
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
