"""Never log a key: the mock's access log and the proxy's upstream calls redact ``key=`` and print no headers."""

from __future__ import annotations

import io
import logging
import signal
import socket
import subprocess
import sys
import time

import httpx

from conformance.mock import MockConfig, MockServer
from conformance.proxy import ProxyServer

SECRET = "AIzaSy-iconf-test-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_mock_access_log_never_shows_the_key():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "conformance.mock", "--port", str(port), "--api-key", SECRET],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as c:
            created = c.post(f"/v1beta/interactions?key={SECRET}", json={"model": "gemini-2.5-flash", "input": "hi"})
            assert created.status_code == 200
            iid = created.json()["id"]
            assert c.get(f"/v1beta/interactions/{iid}", params={"key": SECRET, "stream": "true"}).status_code == 200
            assert c.get(f"/v1beta/interactions/{iid}", headers={"x-goog-api-key": SECRET}).status_code == 200
            assert c.get(f"/v1beta/interactions/{iid}", params={"key": "wrong-" + SECRET}).status_code == 403
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate(timeout=5)
    assert "/v1beta/interactions" in out, out  # the access log is there ...
    assert "key=<redacted>" in out, out
    assert SECRET not in out                    # ... without the key, in any form
    assert "x-goog-api-key" not in out.lower()


def test_the_proxy_never_logs_the_upstream_key():
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger("httpx")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with MockServer(MockConfig(api_key=SECRET)) as mock, \
                ProxyServer(mock.base_url, key_rewrite=("canary", SECRET)) as proxy:
            r = httpx.post(f"{proxy.base_url}/v1beta/interactions?key=canary",
                           json={"model": "gemini-2.5-flash", "input": "hi"}, timeout=10)
            assert r.status_code == 200, r.text
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    text = buffer.getvalue()
    assert "HTTP Request" in text, text  # httpx did log the upstream call ...
    assert SECRET not in text           # ... with the key redacted
