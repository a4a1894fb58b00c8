"""``iconf proxy``: a validating proxy between any client and any Interactions API server.

    iconf proxy --upstream https://generativelanguage.googleapis.com --port 8081
    iconf proxy --upstream mock --port 8081 --api-key test-key

Point the client at ``http://127.0.0.1:8081`` (for the Google SDKs:
``GOOGLE_GEMINI_BASE_URL``). Each exchange is printed as it completes; the
report is written on exit (Ctrl-C / SIGTERM) and on ``GET /__iconf/report``.
Exit status: 0 when no MUST rule failed, 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
from pathlib import Path

from ..clitools import UsageError, add_profile_options, schemas_from_args
from ..rules import Violation
from ..threaded import NoDelayH11Protocol, listen_socket

__all__ = ["register", "run", "print_exchange", "print_summary"]


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "proxy", help="run a validating proxy between a client and a server",
        description="Forward every request to --upstream unchanged and judge both directions: the client's "
                    "requests against the client rules, the server's answers against the server rules. "
                    "Exit 0 when no MUST rule failed, 1 otherwise, 2 on usage errors.")
    p.add_argument("--upstream", required=True, metavar="URL|mock",
                   help="the server to forward to (e.g. https://generativelanguage.googleapis.com), "
                        "or 'mock' to start the bundled mock server")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081; 0 = any free port)")
    add_profile_options(p)
    p.add_argument("--report-dir", default="reports", metavar="DIR", help="where reports go (default reports/)")
    p.add_argument("--api-key", default=None, metavar="KEY",
                   help="with --upstream mock: the key the mock requires (without it the mock accepts any)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="longest wait for the next byte from the upstream (default 300)")
    p.add_argument("--quiet", action="store_true", help="print no line per exchange")
    p.set_defaults(func=run)
    return p


def print_exchange(record, out=None) -> None:
    """One line per exchange, then its violations (client or server) indented."""
    out = out or sys.stdout
    print(record.summary_line(), file=out, flush=True)
    for v in record.violations:
        print(f"    {v['party']}: {Violation.from_dict(v).format()}", file=out, flush=True)


def print_summary(recorder, run_dir: Path | None, out=None) -> None:
    out = out or sys.stdout
    violations = recorder.violations()
    n = len(recorder.exchanges())
    must = [v for v in violations if v["level"] == "MUST"]
    by_party = {p: sum(v["party"] == p for v in must) for p in ("client", "server")}
    unjudged = recorder.unjudged()
    verdict = "FAIL" if must else ("COULD NOT JUDGE" if unjudged else "ok")
    missing = f", {unjudged} without an answer from the upstream (could not judge)" if unjudged else ""
    print(f"iconf: {n} exchanges, {len(must)} MUST violations (client {by_party['client']}, server "
          f"{by_party['server']}), {len(violations) - len(must)} SHOULD{missing}: {verdict}", file=out, flush=True)
    if run_dir is not None:
        print(f"iconf: report in {run_dir}", file=out, flush=True)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_proxy_app

    schemas = schemas_from_args(args)  # validates --revision/--schema/--strict up front
    if args.port < 0 or args.port > 65535:
        raise UsageError(f"--port {args.port} is not a port number")
    with contextlib.ExitStack() as stack:
        upstream = args.upstream
        expect_auth = True
        name = "proxy"
        if upstream == "mock":
            from ..mock import MockConfig, MockServer

            mock = stack.enter_context(MockServer(MockConfig(api_key=args.api_key,
                                                             default_revision=schemas.profile.name)))
            upstream = mock.base_url
            expect_auth = args.api_key is not None
            name = "proxy-mock"
        elif not upstream.startswith(("http://", "https://")):
            raise UsageError(f"--upstream {upstream!r}: expected an http(s) URL or 'mock'")
        elif args.api_key:
            raise UsageError("--api-key applies to --upstream mock only (clients send their own key upstream)")
        state: dict = {"run_dir": None}
        printer = None if args.quiet else print_exchange
        app = create_proxy_app(upstream, revision=args.revision, schema=args.schema, strictness=schemas.strictness,
                               report_dir=args.report_dir, expect_auth=expect_auth, timeout=args.timeout,
                               on_exchange=printer, target_name=name)
        recorder = app.state.recorder
        if args.api_key:
            recorder.add_secret(args.api_key)
        sock = _bind(args.host, args.port)
        stack.callback(sock.close)
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, http=NoDelayH11Protocol, log_level="warning", lifespan="on",
                                server_header=False, date_header=False,
                                timeout_graceful_shutdown=3, access_log=False)
        server = _Server(config)
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"iconf proxy: http://{host}:{port} -> {upstream} (default revision "
              f"{recorder.default_revision}); Ctrl-C writes the report", flush=True)
        server.run(sockets=[sock])
        try:
            state["run_dir"] = recorder.write_report(args.report_dir)
        except OSError as exc:
            print(f"iconf proxy: cannot write the report: {exc}", file=sys.stderr)
        print_summary(recorder, state["run_dir"])
        return recorder.exit_code()


def _bind(host: str, port: int) -> socket.socket:
    try:
        return listen_socket(host, port)
    except (OSError, OverflowError) as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}") from None


class _Server:
    """uvicorn's Server, without re-raising the signal that stopped it (so the report and exit code survive)."""

    def __new__(cls, config):
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):
                if threading.current_thread() is not threading.main_thread():
                    yield
                    return
                handled = (signal.SIGINT, signal.SIGTERM)
                original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
                try:
                    yield
                finally:
                    for sig, handler in original.items():
                        signal.signal(sig, handler)

        return Server(config)
