"""The boundaries the design promises, enforced.

Layers, lowest first (a module may import its own layer and the ones below, never above)::

    0  profiles, rules, schema, sse, strictness, errors, clitools, threaded, redaction
    1  checks
    2  targets, mock, proxy, cassettes, reports, sdk, bench, drift
    3  suite
    4  cli (the root ``iconf`` command)

and no module imports a private name (``_x``) or a private module
(``pkg/_x.py``) of another part of the package (top-level ``conformance/_x.py``
helpers are shared by the whole package and sit in layer 0). Every ``import`` statement
counts, including the ones inside functions (they are how lazy imports
are written here). The mock server and the checkers never load each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import conformance

PACKAGE = Path(conformance.__file__).resolve().parent

#: the layer of each part of the package (a part is a subpackage or a top-level module)
LAYERS: dict[str, int] = {
    "": 0,  # conformance/__init__.py: lazy names only (PEP 562)
    "profiles": 0, "rules": 0, "schema": 0, "sse": 0, "strictness": 0, "errors": 0, "clitools": 0, "threaded": 0,
    "redaction": 0,
    "_logsafe": 0, "_clock": 0, "_record_modes": 0, "_http": 0,
    "checks": 1,
    "targets": 2, "mock": 2, "proxy": 2, "cassettes": 2, "reports": 2, "sdk": 2, "bench": 2, "drift": 2,
    "suite": 3,
    "cli": 4, "__main__": 4,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _part(module: str) -> str:
    """``conformance.mock.app`` -> ``mock``; ``conformance`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, source: str) -> list[tuple[int, str, list[str]]]:
    """``(line, absolute module, imported names)`` for every import of a conformance module in ``source``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "conformance"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "conformance":
                out.append((node.lineno, target, [a.name for a in node.names]))
    return out


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "scripts" not in p.relative_to(PACKAGE).parts)


def _problems(path: Path, source: str | None = None) -> list[str]:
    """What ``path`` (or ``source`` as if it were that file) imports against the rules of the module docstring."""
    source = path.read_text(encoding="utf-8") if source is None else source
    module = _module_name(path)
    if module.startswith("conformance.suite.scenarios"):
        part, layer = "suite", LAYERS["suite"]
    else:
        part = _part(module)
        layer = LAYERS[part]
    problems = []
    for line, target, names in _imports(path, source):
        target_part = _part(target)
        where = f"{path.relative_to(PACKAGE.parent)}:{line}"
        if target_part not in LAYERS:
            # `from .. import mock` names a part through its parent
            for name in names:
                if name in LAYERS and LAYERS[name] > layer:
                    problems.append(f"{where}: {module} (layer {layer}) imports {name} (layer {LAYERS[name]})")
            continue
        if LAYERS[target_part] > layer:
            problems.append(f"{where}: {module} (layer {layer}) imports {target} (layer {LAYERS[target_part]})")
        if target_part != part and target_part:
            # a private module inside another part (profiles/_common.py); a top-level conformance/_x.py is a
            # helper the whole package shares (layer 0) and may be imported from any part
            private_module = [p for p in target.split(".")[2:] if p.startswith("_") and not p.startswith("__")]
            private_names = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private_module or private_names:
                problems.append(f"{where}: {module} imports private {target}:{','.join(private_names) or '*'}")
    return problems


def test_every_part_has_a_layer():
    parts = {_part(_module_name(p)) for p in _sources()}
    assert parts <= set(LAYERS), f"add these to LAYERS: {sorted(parts - set(LAYERS))}"


def test_no_upward_or_private_cross_layer_imports():
    problems = [problem for path in _sources() for problem in _problems(path)]
    assert not problems, "\n".join(problems)


def test_the_checker_sees_an_upward_and_a_private_import():
    """The test above would catch a regression: a checker importing the suite, the mock a private module."""
    payload = PACKAGE / "checks" / "payload.py"
    upward = payload.read_text(encoding="utf-8") + "\n\ndef _leak():\n    from ..suite import plugin\n"
    assert any("imports conformance.suite" in p for p in _problems(payload, upward))
    private = "from ..profiles._common import camel\n"
    assert any("private conformance.profiles._common" in p for p in _problems(PACKAGE / "mock" / "parse.py", private))


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


def test_every_exception_derives_from_conformance_error():
    """One hierarchy (conformance.errors): every public exception class of the package is a ConformanceError."""
    from conformance.errors import ConformanceError

    outside = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and node.name != "ConformanceError":
                bases = {ast.unparse(b) for b in node.bases}
                if any(b.endswith(("Error", "Exception", "Miss")) for b in bases) and not any(
                        b.split(".")[-1] in _conformance_error_names(ConformanceError) for b in bases):
                    outside.append(f"{path.relative_to(PACKAGE.parent)}: {node.name}({', '.join(sorted(bases))})")
    assert not outside, "\n".join(outside)


def _conformance_error_names(base: type) -> set[str]:
    names, todo = set(), [base]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


@pytest.mark.parametrize("name", conformance.__all__)
def test_public_api_names_resolve(name):
    assert getattr(conformance, name) is not None
