"""Sessions: `nox -s conformance` (the main job), `tests`, `lint`, `bench`, `sdk`, `drift`.

Every session installs what it needs into its own virtualenv, so a fresh
clone needs only `pip install nox`.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import nox

nox.options.sessions = ["conformance"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"

PYTHON = None  # the interpreter nox runs on (>= 3.10)


def _ensure_chromium(session: nox.Session) -> None:
    """The HTML-report test opens the matrix in headless Chromium; install Debian's package when we can."""
    if shutil.which("chromium") or shutil.which("chromium-browser") or os.path.exists("/usr/bin/chromium"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        session.log("installing chromium for the HTML report test: apt-get update && apt-get install chromium "
                    "(a few minutes; its output follows)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            subprocess.run(["apt-get", "update", "-q"], check=False, timeout=300, env=env)
            done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
                                  check=False, timeout=600, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:  # the test then skips with its reason
            session.warn(f"could not install chromium ({exc}); the browser test will be skipped")
            return
        if done.returncode:
            session.warn(f"apt-get install chromium exited {done.returncode}; the browser test will be skipped")
    else:
        session.log("chromium is not installed (and apt-get as root is not available): the HTML report's browser "
                    "test will be skipped")


def _ensure_wrk(session: nox.Session) -> None:
    """The mock's create throughput is driven by wrk (a native load generator, never the bottleneck);
    install Debian's package when we can, otherwise the bench prints that row as skipped with the reason."""
    if shutil.which("wrk"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        session.log("installing wrk for the mock throughput rows (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, timeout=600, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not shutil.which("wrk"):
                subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=300, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, timeout=600, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            session.warn(f"could not install wrk: {exc}")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The project's own tests (pytest exit 5, 'no tests collected', counts as a failure here on purpose)."""
    session.install("-c", "constraints.txt", "-e", ".[dev]")
    _ensure_chromium(session)
    # spread over every core (pytest-xdist); `nox -s tests -- -n 0` runs serially. Bytecode is written even
    # where PYTHONDONTWRITEBYTECODE is set: every `iconf run` subprocess the tests start otherwise redoes
    # pytest's assertion rewriting of ~300 plugin modules (~2 CPU-seconds each time).
    # Two workers per core: most of the wall time is waiting (SDK installs from the registries, servers that
    # hang or drip on purpose, subprocess start-up), not CPU; on 2 cores -n 4 took 9 min where -n 2 took 14.
    workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in session.posargs) else [
        "-n", str(min(8, 2 * (os.cpu_count() or 1))), "--dist", "loadgroup"]  # module fixtures stay together
    # -rs: every skip reason (identical ones folded); --durations: the slowest tests, so a slow run is explained
    session.run("pytest", "-q", "-p", "no:randomly", "-rs", "--durations=15", *workers, *session.posargs,
                env={"PYTHONDONTWRITEBYTECODE": ""})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "conformance", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """The conformance suite. Offline by default: replays cassettes and runs against the bundled mock server.

    Pass iconf options after `--`, e.g. `nox -s conformance -- --target live --revision all`.
    """
    session.install("-c", "constraints.txt", "-e", ".")
    session.run("iconf", "run", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: numbers printed and written to reports/bench/, never asserted as timings."""
    session.install("-c", "constraints.txt", "-e", ".")
    _ensure_wrk(session)
    session.run("python", "-m", "conformance.bench", *session.posargs)


@nox.session(python=PYTHON)
def sdk(session: nox.Session) -> None:
    """Validate an SDK: `nox -s sdk -- google-genai==3.6.1 @google/genai@3.3.0` installs each named version
    into its own environment under .iconf-cache/ and runs its scenario script through `iconf client`."""
    session.install("-c", "constraints.txt", "-e", ".")
    session.run("python", "-m", "conformance.sdk.nox_support", *session.posargs)


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """How far the profiles lag the newest SDKs: the breaking changes between the two authored documents
    (`iconf schema diff`, informational), then `iconf drift` for the newest google-genai and @google/genai
    (installed once into .iconf-cache/sdk, as by `nox -s sdk`). Fails if an SDK has items that are neither in
    the profile nor in its DRIFT_ALLOW. Pin releases or pass options after `--`:
    `nox -s drift -- google-genai==3.6.1 @google/genai@3.3.0`, `nox -s drift -- --sdk google-genai --format json`."""
    session.install("-c", "constraints.txt", "-e", ".")
    args = list(session.posargs)
    if args and not any(a.startswith("-") for a in args):
        args = [x for spec in args for x in ("--sdk", spec)]
    session.run("iconf", "schema", "diff", "schemas/interactions-legacy.openapi.yaml",
                "schemas/interactions-2026-05-20.openapi.yaml", "--only-breaking", "--fail-on", "none")
    session.run("iconf", "drift", *args)
