"""``iconf client -- COMMAND ...``: run a client program behind the validating proxy and judge it.

    iconf client -- python my_app.py
    iconf client --revision legacy -- python conformance/sdk/scripts/python_genai.py
    iconf client --api-version v1 -- node conformance/sdk/scripts/node_genai.mjs
    iconf client --upstream https://generativelanguage.googleapis.com -- python my_app.py
    iconf client --robustness all -- python conformance/sdk/scripts/python_genai.py --robustness-case

Exit 0 only when the command exited 0, made at least one request and no MUST
rule failed (client or server side); 1 otherwise; 2 on usage errors. With
``--robustness`` the command runs once per case against the mock in that
robustness mode, and the exit status is 0 unless a case crashed or hung.
"""

from __future__ import annotations

import argparse
import os

from ..clitools import UsageError, add_profile_options, schemas_from_args
from .harness import API_VERSIONS, DEFAULT_TIMEOUT, report_run, run_client

__all__ = ["register", "run"]


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "client", help="run a client program (an SDK, an app) behind the validating proxy",
        description="Start the mock server (or a proxy to --upstream), always behind the validating proxy; run "
                    "COMMAND with GOOGLE_GEMINI_BASE_URL pointing at the proxy, GEMINI_API_KEY/GOOGLE_API_KEY set "
                    "to a canary key and GOOGLE_GENAI_API_VERSION set; report every request it made and every "
                    "violation. Exit 0 only if COMMAND exited 0 and no MUST rule failed.",
        usage="iconf client [options] -- COMMAND [ARGS...]")
    p.add_argument("--upstream", default="mock", metavar="URL|mock",
                   help="the server behind the proxy: 'mock' (default, the bundled mock) or a URL")
    add_profile_options(p)
    p.add_argument("--api-version", default="v1beta", choices=API_VERSIONS,
                   help="exported as GOOGLE_GENAI_API_VERSION (default v1beta)")
    p.add_argument("--report-dir", default="reports", metavar="DIR", help="where the report goes (default reports/)")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help=f"stop COMMAND after S seconds (default {DEFAULT_TIMEOUT:g}; with --robustness: per case, "
                        "default 60)")
    p.add_argument("--upstream-key-env", default="GEMINI_API_KEY", metavar="VAR",
                   help="with a URL upstream: the environment variable holding the real API key; the proxy puts it "
                        "in place of the canary key on the way out (default GEMINI_API_KEY)")
    p.add_argument("--latency", type=int, default=0, metavar="MS", help="with the mock: delay every answer by MS")
    p.add_argument("--fault", action="append", default=[], metavar="RULE-ID",
                   help="with the mock: break this server rule (repeatable; see iconf mock --list-faults)")
    p.add_argument("--robustness", nargs="*", default=None, metavar="CASE",
                   help="run COMMAND once per client-robustness case of the mock (none given or 'all': every "
                        "case) and classify each run: completed, retried, typed-error, crashed or hung; "
                        "put -- before COMMAND")
    p.add_argument("--typed-error", action="append", default=[], metavar="NAME",
                   help="with --robustness: also count this exception class name as a typed SDK error")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the program to run, after --")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("no command given: iconf client [options] -- COMMAND [ARGS...]")
    schemas = schemas_from_args(args)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be > 0")
    if args.robustness is not None:
        return _run_robustness(args, command, schemas)
    if args.timeout is None:
        args.timeout = DEFAULT_TIMEOUT
    mock_options: dict = {}
    if args.upstream == "mock":
        if args.latency:
            mock_options["latency_ms"] = args.latency
        if args.fault:
            from ..mock.faults import UnknownFaultError, validate_fault_ids

            try:
                mock_options["faults"] = frozenset(validate_fault_ids(args.fault))
            except UnknownFaultError as exc:
                raise UsageError(str(exc)) from None
        key = None
    else:
        if args.latency or args.fault:
            raise UsageError("--latency and --fault apply to the mock only")
        key = os.environ.get(args.upstream_key_env) or None
    try:
        result = run_client(command, upstream=args.upstream, revision=schemas.profile.name,
                            api_version=args.api_version, report_dir=args.report_dir, timeout=args.timeout,
                            schema=args.schema, strictness=schemas.strictness, upstream_key=key,
                            mock_options=mock_options)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    report_run(result)
    return result.exit_code


def _run_robustness(args: argparse.Namespace, command: list[str], schemas) -> int:
    from .robustness import DEFAULT_CASE_TIMEOUT, report_robustness, resolve_cases, run_robustness

    if args.upstream != "mock":
        raise UsageError("--robustness needs the mock (--upstream mock): the cases are served by it")
    try:
        cases = resolve_cases(args.robustness)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    mock_options: dict = {}
    if args.latency:
        mock_options["latency_ms"] = args.latency
    if args.fault:
        raise UsageError("--fault and --robustness do not mix: robustness cases are conforming behaviour")
    try:
        result = run_robustness(command, cases, revision=schemas.profile.name, api_version=args.api_version,
                                timeout=args.timeout or DEFAULT_CASE_TIMEOUT, report_dir=args.report_dir,
                                schema=args.schema, strictness=schemas.strictness, mock_options=mock_options,
                                typed_errors=args.typed_error)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    report_robustness(result)
    return result.exit_code
