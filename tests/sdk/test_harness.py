"""The harness with tiny client programs (raw httpx in a subprocess): verdicts, environment, reports."""

from __future__ import annotations

import sys

import pytest

from conformance.cli import main
from conformance.sdk import run_client, sdk_defaults
from conformance.sdk.envs import parse_spec
from conformance.sdk.nox_support import split_posargs

PY = sys.executable

CONFORMING = """
import os, httpx
base, key = os.environ["GOOGLE_GEMINI_BASE_URL"], os.environ["GEMINI_API_KEY"]
v = os.environ["GOOGLE_GENAI_API_VERSION"]
r = httpx.post(f"{base}/{v}/interactions", headers={"x-goog-api-key": key},
               json={"model": "gemini-2.5-flash", "input": "hi"}, timeout=10)
r.raise_for_status()
print("env", v, os.environ["GOOGLE_API_KEY"] == key, key.startswith("iconf-canary-"))
"""

KEYLESS = """
import os, httpx
httpx.post(os.environ["GOOGLE_GEMINI_BASE_URL"] + "/v1beta/interactions",
           json={"model": "gemini-2.5-flash", "input": "hi"}, timeout=10)
"""

STREAM = """
import os, httpx
base, key = os.environ["GOOGLE_GEMINI_BASE_URL"], os.environ["GEMINI_API_KEY"]
with httpx.stream("POST", f"{base}/v1beta/interactions", headers={"x-goog-api-key": key},
                  json={"model": "gemini-2.5-flash", "input": "hi", "stream": True}, timeout=10) as s:
    s.read()
"""


def _run(code, tmp_path, **kw):
    out = tmp_path / "out.txt"
    with open(out, "w") as fh:
        result = run_client([PY, "-c", code], report_dir=tmp_path / "reports", timeout=kw.pop("timeout", 60),
                            stdout=fh, stderr=fh, **kw)
    return result, out.read_text()


def _no_key_anywhere(result):
    for path in result.run_dir.rglob("*"):
        if path.is_file():
            assert "iconf-canary-" not in path.read_text(errors="replace"), path


def test_conforming_program_passes(tmp_path):
    result, output = _run(CONFORMING, tmp_path, api_version="v1")
    assert "env v1 True True" in output
    assert result.ok and result.exit_code == 0, (output, result.violations)
    assert [r.name for r in result.exchanges] == ["POST /v1/interactions #1"]
    assert (result.run_dir / "summary.json").is_file()
    _no_key_anywhere(result)


def test_failing_command_fails_the_run(tmp_path):
    result, _ = _run(CONFORMING + "\nraise SystemExit(3)", tmp_path)
    assert result.returncode == 3 and not result.violations
    assert result.exit_code == 1


def test_client_violation_fails_the_run(tmp_path):
    result, _ = _run(KEYLESS, tmp_path)
    assert result.returncode == 0
    assert [(v["party"], v["rule_id"]) for v in result.violations] == [("client", "request.auth.key-present")]
    assert result.exit_code == 1


def test_server_violation_fails_the_run(tmp_path):
    result, _ = _run(STREAM, tmp_path, mock_options={"faults": frozenset({"stream.terminal.exactly-one"})})
    assert [(v["party"], v["rule_id"]) for v in result.violations] == [("server", "stream.terminal.exactly-one")]
    assert result.exit_code == 1


def test_timeout_stops_the_command(tmp_path):
    result, _ = _run("import time; time.sleep(60)", tmp_path, timeout=1)
    assert result.timed_out and result.exit_code == 1
    assert any("did not finish" in n for n in result.notes)


def test_no_request_is_not_a_pass(tmp_path):
    result, _ = _run("print('nothing')", tmp_path)
    assert result.returncode == 0 and result.exit_code == 1
    assert any("made no request" in n for n in result.notes)


def test_legacy_revision_is_the_default_for_headerless_requests(tmp_path):
    code = CONFORMING + "\nassert 'outputs' in r.json(), r.json()"
    result, output = _run(code, tmp_path, revision="legacy")
    assert result.ok, output
    assert result.exchanges[0].revision == "legacy"


def test_cli(tmp_path, capsys):
    rc = main(["client", "--report-dir", str(tmp_path / "r"), "--", PY, "-c", CONFORMING])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "#1 POST /v1beta/interactions [2026-05-20] -> 200: ok" in out
    assert main(["client", "--report-dir", str(tmp_path / "r"), "--", PY, "-c", KEYLESS]) == 1
    assert "client: request.auth.key-present" in capsys.readouterr().out


def test_cli_usage_errors(capsys):
    assert main(["client"]) == 2
    assert main(["client", "--", "/nonexistent/program"]) == 2
    assert main(["client", "--fault", "no.such.rule", "--", PY, "-c", "pass"]) == 2
    assert main(["client", "--upstream", "ftp://x", "--", PY, "-c", "pass"]) == 2


def test_sdk_defaults_follow_the_major_version():
    assert sdk_defaults("google-genai", "1.75.0") == {"revision": "legacy", "api_version": "v1beta"}
    assert sdk_defaults("google-genai", "2.34.0") == {"revision": "2026-05-20", "api_version": "v1beta"}
    assert sdk_defaults("@google/genai", "3.1.0") == {"revision": "2026-05-20", "api_version": "v1"}


@pytest.mark.parametrize("spec,expected", [
    ("google-genai==1.75.0", ("python", "google-genai", "1.75.0")),
    ("google-genai", ("python", "google-genai", "")),
    ("@google/genai@3.1.0", ("node", "@google/genai", "3.1.0")),
    ("@google/genai", ("node", "@google/genai", "")),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


def test_split_posargs():
    assert split_posargs(["google-genai==3.4.0", "--api-version", "v1beta", "@google/genai@3.1.0",
                          "--report-dir=x"]) == (
        ["google-genai==3.4.0", "@google/genai@3.1.0"], ["--api-version", "v1beta", "--report-dir=x"])


class _FakeSession:
    def __init__(self, posargs):
        self.posargs = posargs
        self.runs = []
        self.logs = []

    def log(self, message):
        self.logs.append(message)

    def error(self, message):
        raise RuntimeError(message)

    def run(self, *cmd, env=None, external=False):
        self.runs.append((list(cmd), env))


def test_nox_session_runs_each_sdk_through_iconf_client(monkeypatch, tmp_path):
    from conformance.sdk import nox_support
    from conformance.sdk.envs import SdkEnv

    def fake_prepare(spec):
        kind, package, version = parse_spec(spec)
        return SdkEnv(kind, package, spec, tmp_path, version, env={"X": "1"} if kind == "node" else {})

    monkeypatch.setattr(nox_support, "prepare", fake_prepare)
    session = _FakeSession(["google-genai==1.75.0", "@google/genai@3.1.0", "--report-dir", "out"])
    nox_support.sdk(session)
    (py_cmd, py_env), (node_cmd, node_env) = session.runs
    assert py_cmd[1:4] == ["-m", "conformance", "client"]
    assert py_cmd[4:10] == ["--revision", "legacy", "--api-version", "v1beta", "--report-dir", "out"]
    assert py_cmd[10] == "--" and py_cmd[-1].endswith("python_genai.py")
    assert node_cmd[4:8] == ["--revision", "2026-05-20", "--api-version", "v1"]
    assert node_cmd[-1].endswith("node_genai.mjs") and node_env == {"X": "1"}
    session = _FakeSession(["google-genai==3.4.0", "--api-version", "v1beta"])
    nox_support.sdk(session)
    cmd = session.runs[0][0]
    assert cmd.count("--api-version") == 1 and cmd[cmd.index("--api-version") + 1] == "v1beta"
