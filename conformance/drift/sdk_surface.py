"""Install an SDK release into the cached SDK environment (the one ``nox -s sdk`` uses) and read its surface.

Python (google-genai): ``scripts/py_surface.py`` runs inside the SDK's virtualenv and asks pydantic
for the JSON Schema of the Interactions models. Node (@google/genai): ``scripts/ts_surface.mjs``
reads the shipped ``.d.ts`` with the TypeScript compiler API; ``typescript`` (pinned to the 5.x line,
the last with the JavaScript compiler API: 7.x is the native port) is installed next to the SDK in
the same npm directory. Both print the same JSON shape, turned into a :class:`Surface` here.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..sdk.envs import SdkInstallError, parse_spec, prepare, run_command
from .surface import Graph, Surface, extract

__all__ = ["SCRIPTS", "TYPESCRIPT", "SdkSurface", "newest_spec", "sdk_surface", "SdkInstallError"]

SCRIPTS = Path(__file__).resolve().parent / "scripts"
#: the TypeScript release whose compiler API reads the declarations (verified with @google/genai 3.3.0)
TYPESCRIPT = "typescript@5.9.3"
_TIMEOUT = 600.0


@dataclass
class SdkSurface:
    spec: str
    kind: str
    package: str
    version: str
    surface: Surface
    detail: str  # module / TypeScript version the surface was read with


def _run(cmd: list[str], *, cwd: Path | None = None, timeout: float = _TIMEOUT) -> str:
    return run_command(cmd, cwd=cwd, timeout=timeout)


def newest_spec(kind: str, package: str) -> str:
    """``package==X`` / ``package@X`` for the newest release on the registry, asked through pip / npm."""
    if kind == "node":
        npm = shutil.which("npm")
        if npm is None:
            raise SdkInstallError("node and npm are needed for Node SDKs")
        version = _run([npm, "view", package, "version"], timeout=120).strip().splitlines()[-1].strip()
        return f"{package}@{version}"
    import sys

    out = _run([sys.executable, "-m", "pip", "index", "versions", package, "--disable-pip-version-check"],
               timeout=120)
    match = re.search(rf"{re.escape(package)}\s*\(([^)]+)\)", out)
    if not match:
        raise SdkInstallError(f"pip could not tell the newest {package} release: {out.strip()[:200]}")
    return f"{package}=={match.group(1)}"


def _ensure_typescript(env_dir: Path) -> None:
    if (env_dir / "node_modules" / "typescript" / "package.json").is_file():
        return
    npm = shutil.which("npm") or "npm"
    _run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", TYPESCRIPT], cwd=env_dir)


def read_description(spec: str) -> dict:
    """Install ``spec`` (once) and return the JSON-Schema description its script prints."""
    kind, package, _ = parse_spec(spec)
    env = prepare(spec)
    if kind == "node":
        _ensure_typescript(env.path)
        node = shutil.which("node") or "node"
        out = _run([node, str(SCRIPTS / "ts_surface.mjs"), str(env.path)], timeout=300)
    else:
        out = _run([env.command[0], str(SCRIPTS / "py_surface.py")], timeout=300)
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        raise SdkInstallError(f"{spec}: the surface script printed no JSON: {out.strip()[:200]}") from None
    if "error" in data:
        raise SdkInstallError(f"{spec}: {data['error']}")
    data.setdefault("version", env.version)
    return data


def surface_from_description(data: dict, *, items_field: str, block_delta: str | None) -> Surface:
    roots = data.get("roots") or {}
    if not roots.get("resource"):
        raise SdkInstallError(f"{data.get('sdk')} {data.get('version')}: no Interaction type found")
    graph = Graph(data.get("$defs") or {}, data.get("sources") or {})
    return extract(graph, label=f"{data.get('sdk')} {data.get('version')}", resource=roots["resource"],
                   create=roots.get("create") or [], events=roots.get("events"), items_field=items_field,
                   block_delta=block_delta)


def sdk_surface(spec: str, *, items_field: str = "steps", block_delta: str | None = None) -> SdkSurface:
    kind, package, _ = parse_spec(spec)
    data = read_description(spec)
    surface = surface_from_description(data, items_field=items_field, block_delta=block_delta)
    detail = data.get("module") or (f"typescript {data['typescript']}" if data.get("typescript") else "")
    return SdkSurface(spec, kind, package, str(data.get("version", "")), surface, detail)
