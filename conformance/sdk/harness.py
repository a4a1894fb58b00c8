"""Run a client program behind the validating proxy and judge every request it makes.

``run_client(["python", "script.py"])`` starts the bundled mock server (or
a proxy to a real upstream), always behind :class:`~conformance.proxy.ProxyServer`,
points the program at the proxy through the environment the Google SDKs
read, runs it with a timeout and returns what happened: the program's exit
status, every exchange, every violation (client or server) and the report.

The program gets a *canary* API key (``iconf-canary-<random>``), never a real
one. Against the mock the canary is the key the mock requires; against a real
upstream the proxy swaps it for the real key (from ``--upstream-key-env``)
on the way out, so the program never holds the real key and the report
scrubs both.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..profiles import get_profile
from ..proxy import ExchangeRecord, ProxyServer

__all__ = ["ClientRun", "run_client", "sdk_defaults", "canary_key", "API_VERSIONS"]

API_VERSIONS = ("v1beta", "v1")
DEFAULT_TIMEOUT = 300.0


def canary_key() -> str:
    """A throwaway API key that is easy to grep for in anything written."""
    return f"iconf-canary-{secrets.token_hex(12)}"


def sdk_defaults(package: str, version: str) -> dict:
    """The revision and API version an SDK release speaks: 1.x legacy on /v1beta, 2.x 2026-05-20 on
    /v1beta, 3.x and later 2026-05-20 on /v1."""
    try:
        major = int(version.split(".", 1)[0])
    except ValueError:
        major = 3
    if major < 2:
        return {"revision": "legacy", "api_version": "v1beta"}
    if major < 3:
        return {"revision": "2026-05-20", "api_version": "v1beta"}
    return {"revision": "2026-05-20", "api_version": "v1"}


@dataclass
class ClientRun:
    """What one run of a client program amounted to."""

    command: list[str]
    returncode: int | None
    timed_out: bool
    duration: float
    exchanges: list[ExchangeRecord]
    violations: list[dict]
    run_dir: Path | None
    upstream: str
    revision: str
    api_version: str
    notes: list[str] = field(default_factory=list)

    @property
    def must_violations(self) -> list[dict]:
        return [v for v in self.violations if v["level"] == "MUST"]

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.must_violations and bool(self.exchanges)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _terminate(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop the program we started, and the children in its own process group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError, OSError):
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.kill()
        proc.wait(grace)


def run_client(command: Sequence[str], *, upstream: str = "mock", revision: str | None = None,
               api_version: str = "v1beta", report_dir: str | Path | None = "reports", timeout: float = DEFAULT_TIMEOUT,
               schema: str | None = None, strictness=None, env: Mapping[str, str] | None = None,
               cwd: str | Path | None = None, upstream_key: str | None = None, mock_options: Mapping | None = None,
               target_name: str | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
               log: TextIO | None = None) -> ClientRun:
    """Run ``command`` against the mock (``upstream="mock"``) or a URL, behind the validating proxy.

    ``revision`` is the revision of requests without an Api-Revision header
    (and the mock's default); SDK 1.x sends none and speaks ``legacy``.
    ``env`` adds to (or overrides) the inherited environment.
    ``upstream_key`` is the real key a real upstream needs (never given to the program).
    """
    if not command:
        raise ValueError("no command to run")
    if api_version not in API_VERSIONS:
        raise ValueError(f"api_version {api_version!r}: expected one of {', '.join(API_VERSIONS)}")
    rev = get_profile(revision).name
    log = log or sys.stderr
    canary = canary_key()
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        key_rewrite = None
        if upstream == "mock":
            from ..mock import MockConfig, MockServer

            options = dict(mock_options or {})
            mock = stack.enter_context(MockServer(MockConfig(api_key=canary, default_revision=rev, **options)))
            upstream_url = mock.base_url
            name = target_name or "client-mock"
        else:
            if not upstream.startswith(("http://", "https://")):
                raise ValueError(f"upstream {upstream!r}: expected an http(s) URL or 'mock'")
            upstream_url = upstream
            name = target_name or "client"
            if upstream_key:
                key_rewrite = (canary, upstream_key)
            else:
                notes.append("no upstream key given: the upstream receives the canary key")
        proxy = ProxyServer(upstream_url, revision=rev, schema=schema, strictness=strictness, expect_auth=True,
                            key_rewrite=key_rewrite, target_name=name)
        proxy.recorder.add_secret(canary)
        stack.enter_context(proxy)
        child_env = dict(os.environ)
        for var in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
                    "GOOGLE_APPLICATION_CREDENTIALS"):
            child_env.pop(var, None)
        child_env.update(env or {})
        child_env.update({
            "GOOGLE_GEMINI_BASE_URL": proxy.base_url,
            "GEMINI_API_KEY": canary,
            "GOOGLE_API_KEY": canary,
            "GOOGLE_GENAI_API_VERSION": api_version,
            "ICONF_TARGET": "mock" if upstream == "mock" else "upstream",
            "ICONF_REVISION": rev,
        })
        print(f"iconf client: {' '.join(command)}", file=log, flush=True)
        print(f"iconf client: proxy {proxy.base_url} -> {'mock ' if upstream == 'mock' else ''}{upstream_url} "
              f"(revision {rev}, /{api_version})", file=log, flush=True)
        started = time.monotonic()
        timed_out = False
        try:
            proc = subprocess.Popen(list(command), env=child_env, cwd=cwd, stdout=stdout, stderr=stderr,
                                    start_new_session=True)
        except OSError as exc:
            raise FileNotFoundError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from None
        try:
            returncode: int | None = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _terminate(proc)
            returncode = proc.returncode
            notes.append(f"the command did not finish within {timeout:g} s and was stopped")
        except KeyboardInterrupt:
            _terminate(proc)
            raise
        duration = time.monotonic() - started
        # let the proxy close exchanges whose answers were still draining when the program exited
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and proxy.recorder.open_exchanges():
            time.sleep(0.02)
    run_dir = None
    if report_dir is not None:
        run_dir = proxy.write_report(report_dir)
    exchanges = proxy.exchanges()
    if not exchanges:
        notes.append("the command made no request through the proxy (does it read GOOGLE_GEMINI_BASE_URL?)")
    return ClientRun(command=list(command), returncode=returncode, timed_out=timed_out, duration=duration,
                     exchanges=exchanges, violations=proxy.violations(), run_dir=run_dir, upstream=upstream,
                     revision=rev, api_version=api_version, notes=notes)


def report_run(run: ClientRun, out: TextIO | None = None) -> None:
    """Print every request the program made with its violations, then the verdict."""
    from ..clitools import plural
    from ..proxy.cli import print_exchange

    out = out or sys.stdout
    print(f"iconf client: {plural(len(run.exchanges), 'request')}", file=out)
    for record in run.exchanges:
        print_exchange(record, out)
    for note in run.notes:
        print(f"iconf client: note: {note}", file=out)
    must = run.must_violations
    client = sum(v["party"] == "client" for v in must)
    server = len(must) - client
    should = len(run.violations) - len(must)
    status = "timed out" if run.timed_out else f"exited {run.returncode}"
    verdict = "ok" if run.ok else "FAIL"
    print(f"iconf client: command {status}; {len(must)} MUST violations (client {client}, server {server}), "
          f"{should} SHOULD: {verdict}", file=out)
    if run.run_dir is not None:
        print(f"iconf client: report in {run.run_dir}", file=out, flush=True)
