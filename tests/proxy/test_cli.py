"""``iconf proxy`` as a process: listens, judges, and writes its report when stopped by a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.cli import main

from .conftest import KEY, MODEL

ROOT = Path(__file__).resolve().parents[2]


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"iconf proxy exited early: {proc.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("iconf proxy did not start listening")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_proxy_process_writes_report_on_signal(tmp_path, sig):
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "proxy", "--upstream", "mock", "--api-key", KEY, "--port", "0",
         "--report-dir", str(reports)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        assert banner.startswith("iconf proxy: http://127.0.0.1:"), banner
        port = int(banner.split("127.0.0.1:", 1)[1].split(" ", 1)[0])
        _wait_listening(port, proc)
        base = f"http://127.0.0.1:{port}"
        ok = httpx.post(f"{base}/v1beta/interactions", headers={"x-goog-api-key": KEY},
                        json={"model": MODEL, "input": "hi"}, timeout=10)
        assert ok.status_code == 200
        bad = httpx.post(f"{base}/v1beta/interactions", json={"model": MODEL, "input": "hi"}, timeout=10)
        assert bad.status_code in (401, 403)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, (out, err)
    assert "request.auth.key-present" in out
    assert "#1 POST /v1beta/interactions [2026-05-20] -> 200: ok" in out
    runs = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(runs) == 1
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert [s["name"] for s in summary["scenarios"]] == ["POST /v1beta/interactions #1",
                                                         "POST /v1beta/interactions #2"]
    for path in runs[0].rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in out + err


def test_usage_errors(capsys):
    assert main(["proxy", "--upstream", "ftp://x", "--port", "0"]) == 2
    assert "expected an http(s) URL or 'mock'" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "http://127.0.0.1:9", "--api-key", "k", "--port", "0"]) == 2
    assert main(["proxy", "--upstream", "mock", "--revision", "nope"]) == 2
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["proxy", "--upstream", "http://127.0.0.1:9", "--port", str(port)]) == 2
        assert "cannot listen" in capsys.readouterr().err
