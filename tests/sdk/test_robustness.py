"""``iconf client --robustness``: tiny httpx clients (one robust, one fragile) and google-genai 3.x (slow).

The robust client parses SSE properly, ignores what it does not know, retries
429/503 as told and resumes a dropped stream; the fragile one crashes on
anything unexpected. Each must be classified for what it is.
"""

from __future__ import annotations

import json
import sys

import pytest

from conformance.cli import main
from conformance.mock.robustness import CASES
from conformance.sdk.envs import SdkInstallError, prepare
from conformance.sdk.robustness import (
    EXPECTED,
    OUTCOMES,
    final_error,
    is_typed_error,
    resolve_cases,
    run_robustness,
)

PY = sys.executable

ROBUST = r'''
import json, os, sys, time
import httpx

BASE, KEY = os.environ["GOOGLE_GEMINI_BASE_URL"], os.environ["GEMINI_API_KEY"]
V = os.environ["GOOGLE_GENAI_API_VERSION"]
H = {"x-goog-api-key": KEY}
print("iconf-client: tiny-robust 1.0")


class StreamFailed(Exception):
    """The server ended the stream with an error event."""


def events(method, url, **kw):
    for attempt in range(4):
        with httpx.stream(method, url, headers=H, timeout=10, **kw) as r:
            if r.status_code in (429, 503) and attempt < 3:
                time.sleep(float(r.headers.get("retry-after", "0.2")))
                continue
            r.raise_for_status()
            data = []
            for line in r.iter_lines():
                if line.startswith(":"):
                    continue
                if line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    yield json.loads("\n".join(data))
                    data = []
            return


def stream(iid=None, after=None):
    out = []
    if iid is None:
        source = events("POST", f"{BASE}/{V}/interactions",
                        json={"model": "gemini-2.5-flash", "input": "hi", "stream": True})
    else:
        source = events("GET", f"{BASE}/{V}/interactions/{iid}", params={"stream": "true", "last_event_id": after})
    try:
        for ev in source:
            out.append(ev)
            if ev.get("event_type") == "error":
                raise StreamFailed(ev["error"]["message"])
    except httpx.TransportError:
        if not out:
            raise
        iid = next(e["interaction"]["id"] for e in out if "interaction" in e)
        return out + stream(iid, out[-1]["event_id"])
    return out


def get(iid):
    for attempt in range(4):
        r = httpx.get(f"{BASE}/{V}/interactions/{iid}", headers=H, timeout=10)
        if r.status_code in (429, 503) and attempt < 3:
            time.sleep(float(r.headers.get("retry-after", "0.2")))
            continue
        r.raise_for_status()
        return r.json()


evs = [e for e in stream() if e.get("event_type") in
       {"interaction.created", "interaction.status_update", "interaction.completed", "step.start", "step.delta",
        "step.stop"}]
assert evs[-1]["event_type"] == "interaction.completed", evs[-1]
text = "".join(e["delta"].get("text", "") for e in evs if e["event_type"] == "step.delta")
body = get(evs[0]["interaction"]["id"])
stored = "".join(c.get("text", "") for s in body["steps"] if s.get("type") == "model_output"
                 for c in s.get("content", []) if c.get("type") == "text")
if stored != text:
    print(f"FAIL streamed {text!r} != stored {stored!r}")
    sys.exit(1)
'''

FRAGILE = r'''
import json, os
import httpx

BASE, KEY = os.environ["GOOGLE_GEMINI_BASE_URL"], os.environ["GEMINI_API_KEY"]
print("iconf-client: tiny-fragile 0.1")
HANDLERS = {"interaction.created": lambda e: e["interaction"]["id"], "interaction.status_update": lambda e: None,
            "step.start": lambda e: None, "step.delta": lambda e: e["delta"]["text"], "step.stop": lambda e: None,
            "interaction.completed": lambda e: None, "error": lambda e: None}
r = httpx.post(f"{BASE}/v1beta/interactions", headers={"x-goog-api-key": KEY}, timeout=10,
               json={"model": "gemini-2.5-flash", "input": "hi", "stream": True})
r.raise_for_status()
for frame in r.text.split("\n\n"):
    if frame.strip():
        event = json.loads(frame.split("data: ", 1)[1])
        HANDLERS[event["event_type"]](event)
'''

HANGS = r'''
import os, time
import httpx
httpx.post(os.environ["GOOGLE_GEMINI_BASE_URL"] + "/v1beta/interactions",
           headers={"x-goog-api-key": os.environ["GEMINI_API_KEY"]}, json={"model": "gemini-2.5-flash", "input": "hi"})
time.sleep(60)
'''


def _table(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in CASES:
            rows[parts[0]] = parts[1:]
    return rows


def _script(tmp_path, name, code):
    path = tmp_path / name
    path.write_text(code)
    return str(path)


# --- the classifier on its own ---------------------------------------------------------------------

def test_final_error_reads_python_and_node_errors():
    py = ("Traceback (most recent call last):\n  File \"x\", line 1\n    raise X\nKeyError: 'foo'\n\n"
          "During handling of the above exception, another exception occurred:\n\n"
          "Traceback (most recent call last):\n  File \"y\"\n    ^^^^\n"
          "google.genai.errors.ServerError: 500 INTERNAL. {'message': 'x'}\n")
    assert final_error(py) == "google.genai.errors.ServerError"
    assert final_error("Traceback (most recent call last):\n  File \"x\"\njson.decoder.JSONDecodeError: Expecting value\n") \
        == "json.decoder.JSONDecodeError"
    node = ("file:///x.mjs:10\n    throw e;\n    ^\n\nApiError: {\"error\": 1}\n    at foo (file:///a.js:1:1)\n"
            "    at async Promise.all\n\nNode.js v22.0.0\n")
    assert final_error(node) == "ApiError"
    assert final_error("TypeError: terminated\n    at Fetch.onAborted (node:internal)\n") == "TypeError"
    assert final_error("FAIL robustness unknown-types: mismatch\n") is None


def test_typed_errors_are_the_non_generic_ones():
    assert is_typed_error("google.genai.errors.ServerError")
    assert is_typed_error("httpx.RemoteProtocolError") and is_typed_error("ApiError")
    assert not is_typed_error("KeyError") and not is_typed_error("TypeError")
    assert not is_typed_error("json.decoder.JSONDecodeError")
    assert not is_typed_error("pydantic_core._pydantic_core.ValidationError")
    assert is_typed_error("TypeError", extra=["TypeError"])
    assert not is_typed_error(None)


def test_resolve_cases():
    assert resolve_cases(None) == list(CASES) == resolve_cases([]) == resolve_cases(["all"])
    assert resolve_cases(["rate-limit,heartbeats", "rate-limit"]) == ["rate-limit", "heartbeats"]
    with pytest.raises(ValueError, match="put -- before the command"):
        resolve_cases(["python"])
    assert set(EXPECTED) == set(CASES)


# --- tiny clients through the CLI ------------------------------------------------------------------

def test_robust_client_survives_every_case(tmp_path, capsys):
    script = _script(tmp_path, "robust.py", ROBUST)
    rc = main(["client", "--robustness", "all", "--timeout", "20", "--report-dir", str(tmp_path / "r"),
               "--", PY, script])
    out = capsys.readouterr().out
    rows = _table(out)
    assert list(rows) == list(CASES), out
    got = {case: row[0] for case, row in rows.items()}
    assert got == {"unknown-types": "completed", "all-blocks": "completed", "byte-split": "completed",
                   "heartbeats": "completed", "mid-stream-error": "typed-error", "drop-and-resume": "completed",
                   "rate-limit": "retried", "unavailable": "retried", "slow-stream": "completed"}, out
    assert all(row[1] == "yes" for row in rows.values()), out
    assert "tiny-robust 1.0" in out and rc == 0
    assert "StreamFailed" in rows["mid-stream-error"][-1]
    summary = json.loads(next((tmp_path / "r").glob("*-client-robustness/summary.json")).read_text())
    assert [s["area"] for s in summary["scenarios"]] == ["robustness"] * len(CASES)
    assert {s["outcome"] for s in summary["scenarios"]} == {"passed"}
    findings = {f["check"]: f for f in summary["extra_findings"]}
    assert list(findings) == list(CASES)
    assert findings["rate-limit"]["evidence"]["outcome"] == "retried"
    assert all(r["after_s"] >= 0.95 for r in findings["rate-limit"]["evidence"]["retries"])
    assert findings["unknown-types"]["evidence"]["client"] == "tiny-robust"


def test_fragile_client_is_classified(tmp_path, capsys):
    script = _script(tmp_path, "fragile.py", FRAGILE)
    cases = ["unknown-types", "byte-split", "heartbeats", "drop-and-resume", "rate-limit"]
    rc = main(["client", "--robustness", *cases, "--timeout", "20", "--report-dir", str(tmp_path / "r"),
               "--", PY, script])
    out = capsys.readouterr().out
    rows = _table(out)
    assert {case: row[0] for case, row in rows.items()} == {
        "unknown-types": "crashed", "byte-split": "crashed", "heartbeats": "crashed",
        "drop-and-resume": "typed-error", "rate-limit": "typed-error"}, out
    assert "KeyError" in rows["unknown-types"][-1] or "KeyError" in " ".join(rows["unknown-types"])
    assert rows["rate-limit"][1] == "NO" and rows["drop-and-resume"][1] == "yes"
    assert "HTTPStatusError" in " ".join(rows["rate-limit"])
    assert rc == 1 and "FAIL" in out


def test_a_hanging_client_is_hung(tmp_path):
    script = _script(tmp_path, "hangs.py", HANGS)
    result = run_robustness([PY, script], ["heartbeats"], timeout=3, report_dir=None)
    assert [r.outcome for r in result.results] == ["hung"]
    assert result.exit_code == 1


def test_usage_errors(tmp_path):
    assert main(["client", "--robustness", "nope", "--", PY, "-c", "pass"]) == 2
    assert main(["client", "--robustness", "all", "--fault", "stream.terminal.last", "--", PY, "-c", "pass"]) == 2
    assert main(["client", "--robustness", "--upstream", "http://127.0.0.1:9", "--", PY, "-c", "pass"]) == 2


# --- a real SDK (slow) ---------------------------------------------------------------------------

@pytest.mark.slow
def test_google_genai_3_through_every_case(tmp_path, capsys):
    try:
        env = prepare("google-genai==3.4.0")
    except SdkInstallError as exc:
        pytest.skip(f"cannot install google-genai==3.4.0: {exc}")
    rc = main(["client", "--robustness", "all", "--api-version", "v1", "--timeout", "40",
               "--report-dir", str(tmp_path / "r"), "--", *env.command, "--robustness-case"])
    out = capsys.readouterr().out
    rows = _table(out)
    assert list(rows) == list(CASES), out
    assert all(row[0] in OUTCOMES for row in rows.values()), out
    assert not [case for case, row in rows.items() if row[0] == "hung"], out
    assert f"google-genai {env.version}" in out
    # observed with 3.4.0 (docs/sdk.md): every case survived as expected
    assert rc == 0, out
    assert all(row[1] == "yes" for row in rows.values()), out
