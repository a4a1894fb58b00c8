"""The boundaries the design promises: the mock server and the checkers never import each other."""

from __future__ import annotations

import subprocess
import sys

import pytest

import conformance


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(m for m in sys.modules if m.startswith('conformance')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(out.stdout.split())


def test_mock_does_not_import_checkers():
    loaded = _loaded_after("conformance.mock")
    assert not {m for m in loaded if m.startswith(("conformance.checks", "conformance.schema", "conformance.sse"))}


def test_checkers_do_not_import_mock():
    loaded = _loaded_after("conformance.checks")
    assert not {m for m in loaded if m.startswith(("conformance.mock", "conformance.proxy", "conformance.suite"))}


@pytest.mark.parametrize("name", conformance.__all__)
def test_public_api_names_resolve(name):
    assert getattr(conformance, name) is not None
