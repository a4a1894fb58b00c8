"""Every shell command shown in README.md, run as a new user would: in a fresh directory, with the installed
``iconf``/``pytest``, checking the exit code.

The commands are parsed from README.md itself, so the README and this test cannot drift apart: a command
added to the README fails :func:`test_every_readme_command_is_classified` until it is given a treatment here.

Treatments, and why:

* ``run`` — run as written; the input files the README names (``response.json``, ``capture.sse``, ...) are
  written into the fresh directory first (conforming documents), as a user would have them.
* ``cheap`` — a full suite run takes minutes per revision; the same command with ``-k`` narrowing it to one
  or two scenarios exercises every part the README line promises (target, revisions, cassettes, report,
  exit code) in seconds. The full runs are what ``tests/suite`` and CI's ``nox -s conformance`` do.
* ``serve`` — servers run until stopped: started with ``--port 0`` (a fixed port may be taken on a shared
  machine), the test waits for the line saying where they serve, then stops them with Ctrl-C.
* ``offline-skip`` — needs what a test must not use: the network (pip, npm, nox's installs, the live API,
  SDK releases) or a program of the user's. The reason is given per command.

Commands documented as run "from a checkout" (cassettes, schemas) get a copy of the checkout's
``cassettes/`` or ``schemas/`` in their fresh directory.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conformance.profiles import get_profile
from tests import streams as S

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
ONE = "test_missing_input"  # one cheap scenario (no streaming, no polling)


@dataclass(frozen=True)
class Case:
    kind: str  # run | cheap | serve | offline-skip
    rc: tuple[int, ...] = (0,)
    extra: tuple[str, ...] = ()  # cheap: appended arguments
    why: str = ""  # offline-skip: the reason
    needs: tuple[str, ...] = ()  # checkout parts copied into the fresh directory: cassettes, schemas
    replace: dict = field(default_factory=dict)  # cheap/serve: text substituted in the command
    expect: str = ""  # text the output must contain


NETWORK = "needs the network (package installs) and minutes; CI runs the nox sessions themselves"
LIVE = "needs GEMINI_API_KEY and the live API"

CASES: dict[str, Case] = {
    "python3 -m pip install nox && nox -s conformance": Case("offline-skip", why=NETWORK),
    "python3 -m pip install nox && nox -s tests": Case("offline-skip", why=NETWORK),
    "iconf validate response.json": Case("run", expect="response.json: interaction (2026-05-20): ok"),
    "iconf validate --revision legacy --kind stream capture.sse": Case("run", expect="stream (legacy): ok"),
    "iconf validate --schema interactions.openapi.json body.json": Case("run", expect="body.json: interaction"),
    "iconf validate --strict error_code=integer error.json": Case("run", expect="error.json: error"),
    "iconf run": Case("cheap", extra=("-k", ONE), needs=("cassettes",),
                      expect="iconf run: mock: PASS"),
    "iconf run --target mock --revision 2026-05-20": Case("cheap", extra=("-k", ONE), expect="iconf run: mock: PASS"),
    "iconf run --target live --revision all": Case("offline-skip", why=LIVE),
    "iconf run --target http://localhost:9000/gemini --api-key K --capability -agents": Case(
        "cheap", extra=("-k", ONE), replace={"http://localhost:9000/gemini": "{mock_url}", " K ": " {mock_key} "},
        expect="PASS"),
    "iconf run --target mock --rules stream,lifecycle.transition.legal": Case(
        "cheap", extra=("-k", "test_stream_grammar_text"), expect="iconf run: mock: PASS"),
    "nox -s conformance -- --target live --max-requests 40": Case("offline-skip", why=LIVE),
    "iconf run --revision all -n auto": Case("cheap", extra=("-k", ONE), expect="iconf run: mock: PASS"),
    "pytest --iconf-target=mock": Case("cheap", extra=("-k", ONE, "-p", "no:cacheprovider"),
                                       expect="PASS: no MUST rule failed"),
    "npx allure-commandline serve reports/latest/allure-results": Case(
        "offline-skip", why="needs npm and the Allure command line; serves until stopped"),
    "npx allure-commandline generate reports/latest/allure-results -o allure-report && "
    "npx allure-commandline open allure-report": Case("offline-skip", why="needs npm and the Allure command line"),
    "GEMINI_API_KEY=… iconf run --target live --revision all --record": Case("offline-skip", why=LIVE),
    "iconf run --target mock --revision all --record all": Case("cheap", extra=("-k", ONE), needs=("cassettes",),
                                                                expect="iconf run: mock: PASS"),
    "iconf run --replay --revision all": Case("cheap", extra=("-k", ONE), needs=("cassettes",),
                                              expect="iconf run: replay: PASS"),
    "iconf cassettes check --revision all": Case("run", needs=("cassettes",), expect="0 MUST"),
    "iconf mock --port 8080": Case("serve", replace={"--port 8080": "--port 0"}, expect="iconf mock: serving on"),
    "iconf mock --api-key K --revision legacy": Case("serve", extra=("--port", "0"), expect="default revision legacy"),
    "iconf mock --fault stream.terminal.exactly-one --latency 50": Case(
        "serve", extra=("--port", "0"), expect="faults: stream.terminal.exactly-one"),
    "iconf mock --list-faults": Case("run", expect="stream.terminal.exactly-one"),
    "iconf mock --error-code integer": Case("serve", extra=("--port", "0"), expect="integer error codes"),
    "iconf mock --store mock.db --workers 4": Case("serve", replace={"--workers 4": "--workers 2 --port {free_port}"},
                                                   expect="workers: 2"),
    "iconf mock --limit max_interactions=1000 --limit retention_s=600": Case(
        "serve", extra=("--port", "0"), expect="iconf mock: serving on"),
    "iconf proxy --upstream mock --port 8081": Case("serve", replace={"--port 8081": "--port 0"},
                                                    expect="iconf proxy: http://"),
    "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8081 python my_app.py": Case(
        "offline-skip", why="the user's own program, pointed at the proxy above; `iconf client` below runs that path"),
    "iconf client -- python my_script.py": Case("run", expect="iconf client: 1 request"),
    "iconf client --revision legacy -- node my_script.mjs": Case(
        "offline-skip", why="needs Node.js and @google/genai installed (nox -s sdk installs them)"),
    "nox -s sdk -- google-genai==3.6.1 @google/genai@3.3.0": Case("offline-skip", why=NETWORK),
    # a verdict per robustness case; the simple script may not survive every case (exit 1), it must not break iconf
    "iconf client --robustness all -- python my_script.py": Case("run", rc=(0, 1), expect="rate-limit"),
    "iconf schema diff schemas/interactions-legacy.openapi.yaml schemas/interactions-2026-05-20.openapi.yaml": Case(
        "run", rc=(1,), needs=("schemas",)),  # the two revisions differ by breaking changes: exit 1, as documented
    "iconf schema diff old.json new.yaml --format markdown": Case("run"),
    "iconf drift --sdk google-genai==3.6.1 --sdk @google/genai@3.3.0": Case(
        "offline-skip", why="installs SDK releases from PyPI and npm"),
    "nox -s drift": Case("offline-skip", why=NETWORK),
}


def readme_commands(text: str | None = None) -> list[str]:
    """Every command line of the README's ``sh`` blocks, without its trailing ``# comment``."""
    text = README.read_text(encoding="utf-8") if text is None else text
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def test_every_readme_command_is_classified():
    commands = readme_commands()
    unknown = [c for c in commands if c not in CASES]
    assert not unknown, f"README commands this test does not know; add them to CASES: {unknown}"
    stale = [c for c in CASES if c not in commands]
    assert not stale, f"CASES entries no longer in the README: {stale}"


# --- the fresh directory -------------------------------------------------------------------------------


MY_SCRIPT = '''\
import os

import httpx

base = os.environ["GOOGLE_GEMINI_BASE_URL"].rstrip("/")
answer = httpx.post(f"{base}/v1beta/interactions", json={"model": "gemini-3-flash-preview", "input": "Hello"},
                    headers={"x-goog-api-key": os.environ["GEMINI_API_KEY"]}, timeout=30)
answer.raise_for_status()
print(answer.json()["status"])
'''


def _fresh_dir(tmp_path: Path, case: Case) -> Path:
    work = tmp_path / "fresh"
    work.mkdir()
    new = get_profile("2026-05-20")
    legacy = get_profile("legacy")
    interaction = S.resource(new, S.sample_items(new))
    (work / "response.json").write_text(json.dumps(interaction))
    (work / "body.json").write_text(json.dumps(interaction))
    (work / "capture.sse").write_bytes(S.to_bytes(S.events_for(legacy, S.sample_items(legacy))))
    (work / "error.json").write_text(json.dumps({"error": {"code": 404, "message": "no such interaction",
                                                           "status": "NOT_FOUND"}}))
    document = yaml.safe_load((ROOT / "schemas" / "interactions-2026-05-20.openapi.yaml").read_text())
    (work / "interactions.openapi.json").write_text(json.dumps(document))
    (work / "old.json").write_text(json.dumps(document))
    (work / "new.yaml").write_text(yaml.safe_dump(document))
    (work / "my_script.py").write_text(MY_SCRIPT)
    for part in case.needs:
        shutil.copytree(ROOT / part, work / part)
    return work


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "ICONF_CASSETTE_DIR")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the installed iconf, pytest and python first
    env["PYTHONPATH"] = ""  # the package as installed, not this checkout's tests
    return env


def _argv(command: str, case: Case, values: dict[str, str]) -> list[str]:
    for old, new in case.replace.items():
        command = command.replace(old, new.format(**values))
    argv = shlex.split(command)
    if argv[0] in ("iconf", "pytest", "python"):
        argv[0] = str(BIN / argv[0]) if (BIN / argv[0]).exists() else argv[0]
    return argv + list(case.extra)


def _runnable() -> list:
    params = []
    for command in readme_commands():
        case = CASES.get(command)
        if case is None:
            continue
        marks = [pytest.mark.skip(reason=case.why)] if case.kind == "offline-skip" else []
        params.append(pytest.param(command, case, id=command[:60], marks=marks))
    return params


@pytest.mark.parametrize("command, case", _runnable())
def test_readme_command(command: str, case: Case, tmp_path: Path):
    work = _fresh_dir(tmp_path, case)
    values: dict[str, str] = {"free_port": str(_free_port())}
    mock = None
    if any("{mock_url}" in v for v in case.replace.values()):
        from conformance.mock import MockConfig, MockServer

        values["mock_key"] = "readme-key"
        mock = MockServer(MockConfig(api_key="readme-key"))
        mock.start()
        values["mock_url"] = mock.base_url
    try:
        argv = _argv(command, case, values)
        if case.kind == "serve":
            _serve(argv, work, case)
            return
        proc = subprocess.run(argv, cwd=work, env=_env(), capture_output=True, text=True, timeout=600)
    finally:
        if mock is not None:
            mock.stop()
    out = proc.stdout + proc.stderr
    assert proc.returncode in case.rc, f"{argv} exited {proc.returncode}:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    if case.expect:
        assert case.expect in out, out[-3000:]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(argv: list[str], work: Path, case: Case) -> None:
    proc = subprocess.Popen(argv, cwd=work, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and case.expect not in "".join(lines) and proc.poll() is None:
            time.sleep(0.1)
        assert case.expect in "".join(lines), "".join(lines)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=10)
    out = "".join(lines)
    assert proc.returncode in (0, 1), f"{argv} exited {proc.returncode} on Ctrl-C:\n{out}"
    assert "Traceback" not in out, out
