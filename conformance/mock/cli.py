"""``iconf mock``: run the reference mock server from the command line.

The top-level CLI (conformance/cli.py) calls :func:`register` with its
subparsers; ``python -m conformance.mock`` uses :func:`main` directly.
A bad ``--fault`` is an argparse usage error (exit 2, no traceback) that
names the ID and lists the valid ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys

from ..errors import UsageError
from ..profiles import PROFILES, UnknownRevisionError, get_profile
from .config import LEGACY_MODES, MockConfig
from .errors import ERROR_CODE_STYLES
from .faults import FAULTS, UnknownFaultError, validate_fault_ids
from .limits import Limits
from .robustness import CASES as ROBUSTNESS_CASES


def _fault(value: str) -> str:
    try:
        return validate_fault_ids([value])[0]
    except (UnknownFaultError, IndexError) as exc:
        raise argparse.ArgumentTypeError(str(exc) or "empty fault id") from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def _revision(value: str) -> str:
    try:
        return get_profile(value).name
    except UnknownRevisionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _non_negative(kind: type) -> object:
    def parse(value: str) -> object:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a {kind.__name__}") from None
        if number < 0:
            raise argparse.ArgumentTypeError(f"{value!r} must be >= 0")
        return number
    return parse


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be >= 1")
    return number


def _limit(value: str) -> tuple[str, float]:
    name, sep, raw = value.partition("=")
    names = {f.name: f for f in dataclasses.fields(Limits)}
    if not sep or name.strip() not in names:
        raise argparse.ArgumentTypeError(f"{value!r}: expected NAME=VALUE with NAME one of {', '.join(names)}")
    kind = float if isinstance(names[name.strip()].default, float) else int
    try:
        number = kind(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: {raw!r} is not a {kind.__name__}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: the value must be a finite number >= 0")
    return name.strip(), number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8080, help="port to bind (default 8080; 0 = any free port)")
    parser.add_argument("--api-key", help="require this key in x-goog-api-key or ?key= (401/403 otherwise)")
    parser.add_argument("--fault", action="append", default=[], type=_fault, metavar="RULE-ID",
                        help="break this rule on every request (repeatable; see --list-faults)")
    parser.add_argument("--latency", type=_non_negative(int), default=0, metavar="MS",
                        help="delay every response by MS milliseconds")
    parser.add_argument("--revision", type=_revision, default=None, choices=None,
                        help=f"revision served without an Api-Revision header ({' or '.join(PROFILES)}; "
                             "default 2026-05-20)")
    parser.add_argument("--background-delay", type=_non_negative(float), default=0.5, metavar="S",
                        help="seconds a background run stays in_progress (default 0.5)")
    parser.add_argument("--base-path", default="", help="also serve every path under this prefix")
    parser.add_argument("--error-code", choices=list(ERROR_CODE_STYLES), default="string",
                        help="error envelope: 'string' (the live API's {\"code\": \"invalid_request\", ...}, default) "
                             "or 'integer' (the Google envelope {\"code\": 400, \"status\": \"INVALID_ARGUMENT\"})")
    parser.add_argument("--legacy", choices=list(LEGACY_MODES), default="served",
                        help="'served' (default: the mock also stands in for old servers) or 'retired': a legacy "
                             "request (Api-Revision: 2026-05-07) gets the live API's 400 \"no longer supported\"")
    parser.add_argument("--list-faults", action="store_true", help="print every fault and exit")
    parser.add_argument("--store", metavar="PATH", default=None,
                        help="keep interactions in this SQLite file (shared by --workers, kept across restarts); "
                             "default: in memory")
    parser.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                        help="serve with N processes (needs --store: they share state through it)")
    parser.add_argument("--limit", action="append", default=[], type=_limit, metavar="NAME=VALUE",
                        help="change one limit (repeatable): " + ", ".join(
                            f"{f.name} (default {f.default:g})" for f in dataclasses.fields(Limits)))
    parser.add_argument("--robustness", action="append", default=[], choices=list(ROBUSTNESS_CASES), metavar="CASE",
                        help="serve this client-robustness case on every request (repeatable; conforming answers "
                             f"a client must survive: {', '.join(ROBUSTNESS_CASES)})")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``mock`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser("mock", help="run the reference mock server",
                                   description="Run the reference mock Interactions API server.")
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def list_faults(out=sys.stdout) -> None:
    width = max(len(k) for k in FAULTS)
    for rule_id, fault in FAULTS.items():
        print(f"{rule_id:<{width}}  {fault.effect}", file=out)


def config_from_args(args: argparse.Namespace) -> MockConfig:
    kwargs = dict(api_key=args.api_key, faults=frozenset(args.fault), latency_ms=args.latency,
                  background_delay_s=args.background_delay, base_path=args.base_path,
                  robustness=frozenset(getattr(args, "robustness", None) or ()),
                  limits=Limits(**dict(getattr(args, "limit", None) or ())),
                  store_path=getattr(args, "store", None),
                  error_code=getattr(args, "error_code", None) or "string",
                  legacy=getattr(args, "legacy", None) or "served")
    if args.revision:
        kwargs["default_revision"] = args.revision
    try:
        return MockConfig(**kwargs)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        list_faults()
        return 0
    from .server import bind, serve

    config = config_from_args(args)
    workers = getattr(args, "workers", 1)
    if workers > 1 and not config.store_path:
        print("iconf mock: --workers N needs --store PATH (the workers share state through it)", file=sys.stderr)
        return 2
    if config.store_path:
        from .store import SqliteStore

        try:
            SqliteStore(config.store_path, config.limits).close()
        except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback
            print(f"iconf mock: --store {config.store_path}: cannot open it as an SQLite store ({exc})",
                  file=sys.stderr)
            return 2
    try:
        sock = bind(args.host, args.port)
    except (OSError, OverflowError) as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {getattr(exc, 'strerror', None) or exc}") from None
    port = sock.getsockname()[1]
    if workers > 1:  # uvicorn's worker processes bind the port themselves: it was free a moment ago
        sock.close()
        sock = None
        if args.port == 0:
            raise UsageError("--workers N needs a fixed --port (with --port 0 each worker would pick its own)")
    print(f"iconf mock: serving on http://{args.host}:{port}{config.base_path} "
          f"(default revision {config.default_revision}, legacy {'retired' if config.legacy_retired else 'served'}, "
          f"{config.error_code} error codes, "
          f"faults: {', '.join(sorted(config.faults)) or 'none'}"
          + (f", robustness: {', '.join(sorted(config.robustness))}" if config.robustness else "")
          + f", store: {config.store_path or 'memory'}" + (f", workers: {workers}" if workers > 1 else "") + ")",
          file=sys.stderr)
    try:
        serve(config, host=args.host, port=port, workers=workers, sock=sock)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="iconf mock", description="Run the reference mock Interactions API server.")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except UsageError as exc:
        print(f"iconf mock: error: {exc}", file=sys.stderr)
        return 2
