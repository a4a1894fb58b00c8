"""One redaction (conformance.redaction) for every writer: a key with ``"``, ``\\``, ``<``, ``&`` and ``+`` in it
reaches no report, cassette, log or transcript, raw or JSON-escaped or URL-encoded or HTML-escaped."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from conformance.redaction import PLACEHOLDER, Redactor, forms, redact_data

CANARY = 'iconf"canary\\Zq7<&+key'


def encodings(secret: str) -> dict[str, str]:
    return {"raw": secret, "json": json.dumps(secret)[1:-1], "json-in-json": json.dumps(json.dumps(secret)[1:-1])[1:-1],
            "url": quote(secret, safe=""), "url-plus": quote_plus(secret), "html": html.escape(secret),
            "html-noquote": html.escape(secret, quote=False), "html-of-json": html.escape(json.dumps(secret)[1:-1])}


def leaks(paths: list[Path], text: str = "") -> list[str]:
    found = []
    bodies = [(str(p), p.read_text(errors="replace")) for root in paths for p in
              ([root] if root.is_file() else sorted(root.rglob("*"))) if p.is_file()] + [("output", text)]
    for where, body in bodies:
        found += [f"{where}: {name}" for name, form in encodings(CANARY).items() if form in body]
        if "canary\\" in body or "Zq7" in body:  # the distinctive middle, in any other wrapping
            found.append(f"{where}: fragment")
    return found


def test_every_form_is_found_in_text_and_data():
    r = Redactor([CANARY])
    for name, form in encodings(CANARY).items():
        assert r.text(f"a {form} b") == f"a {PLACEHOLDER} b", name
    assert set(encodings(CANARY).values()) <= set(forms(CANARY))
    data = {"x": [f"k={quote(CANARY, safe='')}", {CANARY: json.dumps({"k": CANARY})}], "n": 3}
    assert "Zq7" not in json.dumps(redact_data(data, [CANARY]))
    assert r.text("AIza" + "B" * 35) == PLACEHOLDER  # an undeclared Google key too


@pytest.mark.slow
def test_suite_run_with_the_canary_key_leaves_no_trace(tmp_path):
    """Reports, transcripts, cassettes (recorded here) and the terminal output of a run whose key is the canary."""
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "mock", "--revision", "all",
                           "--api-key", CANARY, "--report-dir", str(tmp_path / "reports"), "--record", "all",
                           "--cassette-dir", str(tmp_path / "cassettes"), "-k", "auth or store or stream_grammar",
                           "-v"], capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert list((tmp_path / "cassettes").rglob("*.yaml")) and list((tmp_path / "reports").rglob("summary.json"))
    assert not leaks([tmp_path], proc.stdout + proc.stderr)


def test_proxy_report_with_the_canary_key_echoed_leaves_no_trace(tmp_path):
    """The proxy's transcripts hold bodies as text, where the key is already JSON-escaped: still found."""
    from conformance.proxy.recorder import ProxyRecorder

    proxy = ProxyRecorder(revision="2026-05-20")
    body = json.dumps({"model": "gemini-3-flash-preview", "input": f"my key is {CANARY}"}).encode()
    ctx = proxy.begin("POST", "/v1beta/interactions", "key=" + quote(CANARY, safe=""),
                      [("x-goog-api-key", CANARY), ("content-type", "application/json")], body)
    ctx.response_started(400, [("content-type", "application/json")])
    ctx.finish_body(json.dumps({"error": {"code": 400, "message": f"API key not valid: {CANARY} <{CANARY}>",
                                          "status": "INVALID_ARGUMENT"}}).encode())
    run_dir = proxy.write_report(tmp_path)
    assert list(run_dir.glob("*"))
    assert not leaks([tmp_path])
