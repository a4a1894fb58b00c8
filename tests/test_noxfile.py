"""The nox sessions as the README promises them: nox installed on its own is enough, and `tests` explains itself."""

from __future__ import annotations

import ast
from pathlib import Path

NOXFILE = Path(__file__).resolve().parents[1] / "noxfile.py"


def _session(name: str) -> ast.FunctionDef:
    tree = ast.parse(NOXFILE.read_text(encoding="utf-8"))
    [fn] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return fn


def test_no_session_imports_the_project_into_noxs_own_python():
    """`pip install nox && nox -s sdk -- …`: nox's interpreter has no `conformance`; sessions install it first."""
    tree = ast.parse(NOXFILE.read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in imports for a in n.names} | {n.module for n in imports if isinstance(n, ast.ImportFrom)}
    assert not {n for n in names if n and n.split(".")[0] == "conformance"}
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call):
                python = [k.value for k in deco.keywords if k.arg == "python"]
                assert not (python and isinstance(python[0], ast.Constant) and python[0].value is False), fn.name


def test_sdk_session_runs_the_harness_inside_its_virtualenv():
    source = ast.unparse(_session("sdk"))
    assert "session.install(" in source and "'-e', '.'" in source
    assert "'-m', 'conformance.sdk.nox_support'" in source


def test_tests_session_shows_skip_reasons_and_slowest_tests():
    source = ast.unparse(_session("tests"))
    assert "'-rs'" in source and "'--durations=15'" in source


def test_nox_support_runs_as_a_module(monkeypatch, tmp_path, capsys):
    import subprocess

    from conformance.sdk import nox_support
    from conformance.sdk.envs import SdkEnv, parse_spec

    def fake_prepare(spec):
        kind, package, version = parse_spec(spec)
        return SdkEnv(kind, package, spec, tmp_path, version)

    calls = []
    monkeypatch.setattr(nox_support, "prepare", fake_prepare)
    monkeypatch.setattr(subprocess, "call", lambda cmd, env=None: calls.append(cmd) or 0)
    assert nox_support.main(["google-genai==3.4.0"]) == 0
    [cmd] = calls
    assert cmd[1:4] == ["-m", "conformance", "client"]
    assert "google-genai 3.4.0" in capsys.readouterr().err
