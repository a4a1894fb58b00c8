"""Install an SDK version into its own cached environment and say how to run its scenario script.

Python SDKs get a virtualenv, Node SDKs an npm directory, both under
``.iconf-cache/sdk/`` (``ICONF_CACHE_DIR`` overrides the ``.iconf-cache`` root), named after the
spec (``google-genai==1.75.0`` -> ``py/google-genai-1.75.0``). An
environment is installed once and reused: a marker file written after a
successful install says it is complete. A failed install (offline, no such
version) raises :class:`SdkInstallError` with the installer's last lines.
Installs of one environment are serialised with a lock file beside it, so
parallel test workers or runs sharing the cache never build it on top of
each other (one waits, then finds it installed).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SdkInstallError  # noqa: F401 - defined in conformance.errors, re-exported here

__all__ = ["SdkEnv", "SdkInstallError", "cache_root", "parse_spec", "prepare", "run_command", "SCRIPTS", "DEFAULT_SPECS"]

SCRIPTS = Path(__file__).resolve().parent / "scripts"
#: the newest release of each major that has the Interactions API, as checked on 2026-12-01: 1.x speaks
#: legacy, 2.x and 3.x the steps revision; 3.6.1 / 3.3.0 add today's types and automatic continuation
DEFAULT_SPECS = ("google-genai==1.75.0", "google-genai==2.34.0", "google-genai==3.6.1",
                 "@google/genai@1.52.0", "@google/genai@2.32.0", "@google/genai@3.3.0")
_MARKER = ".iconf-installed"
INSTALL_TIMEOUT = 900.0


def cache_root() -> Path:
    """``$ICONF_CACHE_DIR/sdk`` or ``<repo>/.iconf-cache/sdk`` (the current directory outside a checkout)."""
    env = os.environ.get("ICONF_CACHE_DIR")
    if env:
        return Path(env) / "sdk"
    repo = Path(__file__).resolve().parents[2]
    base = repo if (repo / "pyproject.toml").is_file() else Path.cwd()
    return base / ".iconf-cache" / "sdk"


@dataclass
class SdkEnv:
    """An installed SDK and how to run its scenario script."""

    kind: str  # "python" | "node"
    package: str
    spec: str
    path: Path
    version: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def script(self) -> Path:
        return SCRIPTS / ("python_genai.py" if self.kind == "python" else "node_genai.mjs")

    @property
    def command(self) -> list[str]:
        if self.kind == "python":
            return [str(_venv_python(self.path)), str(self.script)]
        return [shutil.which("node") or "node", str(self.script)]


def parse_spec(spec: str) -> tuple[str, str, str]:
    """(kind, package, version or '') of ``google-genai==1.75.0``, ``@google/genai@3.1.0``, ``google-genai``."""
    spec = spec.strip()
    if spec.startswith("@") or spec.startswith("npm:"):
        body = spec.removeprefix("npm:")
        name, _, version = body[1:].partition("@")
        return "node", "@" + name, version
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(?:==\s*([^,;\s]+))?", spec)
    if not match:
        raise ValueError(f"cannot read the SDK spec {spec!r} (try google-genai==1.75.0 or @google/genai@3.1.0)")
    return "python", match.group(1), match.group(2) or ""


def _dir_name(spec: str) -> str:
    kind, package, version = parse_spec(spec)
    base = package.split("/")[-1]
    tail = version or re.sub(r"[^A-Za-z0-9.]+", "_", spec[len(package):]).strip("_") or "latest"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{base}-{tail}")


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run_command(cmd: list[str], *, cwd: Path | None = None, timeout: float = INSTALL_TIMEOUT) -> str:
    """Run an installer or reader (pip, npm, node, an SDK's python) and return its stdout; any failure is an
    :class:`SdkInstallError` with the command's last lines (the SDK harness and ``iconf drift`` share it)."""
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise SdkInstallError(f"{cmd[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SdkInstallError(f"{' '.join(cmd[:4])} ... did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise SdkInstallError(f"{' '.join(cmd[:6])} failed (exit {done.returncode}): {tail}")
    return done.stdout


_run = run_command  # the name this module calls (tests substitute it)


@contextlib.contextmanager
def _env_lock(env_dir: Path):
    """Hold ``<env_dir>.lock`` exclusively (POSIX ``flock``; elsewhere no lock) while one process checks
    and installs the environment: the lock is released by the OS if the holder dies."""
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(env_dir.parent / f"{env_dir.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _python_env(spec: str, package: str, root: Path, python: str) -> SdkEnv:
    venv = root / "py" / _dir_name(spec)
    with _env_lock(venv):
        _install_python_env(spec, venv, python)
    version = _run([str(_venv_python(venv)), "-c", "import google.genai as g; print(g.__version__)"],
                   timeout=120).strip()
    return SdkEnv("python", package, spec, venv, version)


def _install_python_env(spec: str, venv: Path, python: str) -> None:
    marker = venv / _MARKER
    py = _venv_python(venv)
    if not (marker.is_file() and marker.read_text().strip() == spec and py.exists()):
        if venv.exists():
            shutil.rmtree(venv)
        venv.parent.mkdir(parents=True, exist_ok=True)
        _run([python, "-m", "venv", str(venv)])
        _run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec])
        marker.write_text(spec + "\n")


def _node_env(spec: str, package: str, root: Path) -> SdkEnv:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SdkInstallError("node and npm are needed for Node SDKs")
    d = root / "node" / _dir_name(spec)
    marker = d / _MARKER
    target = spec.removeprefix("npm:")
    pkg_json = d / "node_modules" / Path(*package.split("/")) / "package.json"
    with _env_lock(d):
        if not (marker.is_file() and marker.read_text().strip() == target and pkg_json.is_file()):
            if d.exists():
                shutil.rmtree(d)
            d.mkdir(parents=True)
            (d / "package.json").write_text(json.dumps({"name": "iconf-sdk-env", "private": True}) + "\n")
            _run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", target], cwd=d)
            marker.write_text(target + "\n")
    version = json.loads(pkg_json.read_text()).get("version", "")
    return SdkEnv("node", package, spec, d, version, env={"ICONF_GENAI_DIR": str(d)})


def prepare(spec: str, *, root: Path | None = None, python: str | None = None) -> SdkEnv:
    """Install ``spec`` (once) into its cached environment and return it."""
    kind, package, _version = parse_spec(spec)
    root = root or cache_root()
    if kind == "node":
        return _node_env(spec, package, root)
    return _python_env(spec, package, root, python or sys.executable)
