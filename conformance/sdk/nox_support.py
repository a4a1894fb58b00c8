"""The body of ``nox -s sdk``: install SDK versions and run their scenario scripts through ``iconf client``.

    nox -s sdk                                   # every DEFAULT_SPECS entry
    nox -s sdk -- google-genai==1.75.0
    nox -s sdk -- @google/genai@3.3.0 google-genai==3.6.1
    nox -s sdk -- google-genai==3.6.1 --api-version v1beta
    nox -s sdk -- google-genai==3.4.0 --robustness            # every robustness case (docs/sdk.md)
    nox -s sdk -- @google/genai@3.1.0 --robustness=rate-limit,heartbeats

Each SDK goes into its own cached environment (:mod:`.envs`); the harness
itself runs in the session's own virtualenv, where nox installs this
project (``python -m conformance.sdk.nox_support SPEC...``), so nox needs
nothing but itself. The revision
and API version follow the SDK's major version (:func:`.harness.sdk_defaults`)
unless ``--revision`` / ``--api-version`` are given after ``--``. The session
fails if any SDK run fails.
"""

from __future__ import annotations

import sys

from .envs import DEFAULT_SPECS, SdkInstallError, parse_spec, prepare
from .harness import sdk_defaults

__all__ = ["main", "sdk", "split_posargs"]

_VALUE_OPTIONS = ("--revision", "--api-version", "--report-dir", "--timeout", "--upstream", "--schema", "--strict")


def split_posargs(posargs: list[str]) -> tuple[list[str], list[str]]:
    """(SDK specs, iconf client options) from the session's positional arguments."""
    specs: list[str] = []
    options: list[str] = []
    args = list(posargs)
    while args:
        arg = args.pop(0)
        if arg.startswith("--"):
            options.append(arg)
            if "=" not in arg and arg in _VALUE_OPTIONS and args:
                options.append(args.pop(0))
        else:
            specs.append(arg)
    return specs, options


def _has(options: list[str], name: str) -> bool:
    return any(o == name or o.startswith(name + "=") for o in options)


def sdk(session) -> None:
    """``nox -s sdk -- SPEC...``: for each SDK spec, install it and run its script through ``iconf client``."""
    specs, options = split_posargs(list(session.posargs))
    specs = specs or list(DEFAULT_SPECS)
    failures: list[str] = []
    for spec in specs:
        try:
            kind, package, _ = parse_spec(spec)
        except ValueError as exc:
            session.error(str(exc))
        session.log(f"installing {spec}")
        try:
            env = prepare(spec)
        except SdkInstallError as exc:
            session.error(f"{spec}: cannot install: {exc}")
        defaults = sdk_defaults(package, env.version)
        cmd = [sys.executable, "-m", "conformance", "client"]
        if not _has(options, "--revision"):
            cmd += ["--revision", defaults["revision"]]
        if not _has(options, "--api-version"):
            cmd += ["--api-version", defaults["api_version"]]
        robust = any(o == "--robustness" or o.startswith("--robustness=") for o in options)
        cmd += options + ["--", *env.command] + (["--robustness-case"] if robust else [])
        session.log(f"{package} {env.version} ({defaults['revision']}, /{defaults['api_version']} unless overridden)")
        try:
            session.run(*cmd, env=env.env, external=True)
        except Exception as exc:  # noqa: BLE001 - nox raises its own CommandFailed; keep going, fail at the end
            failures.append(f"{spec}: {exc}")
    if failures:
        session.error("SDK runs failed: " + "; ".join(failures))


class _Session:
    """What :func:`sdk` needs of a nox session, for ``python -m conformance.sdk.nox_support`` (run by nox)."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs

    def log(self, message: str) -> None:
        print(f"nox > {message}", file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        raise SystemExit(f"nox > error: {message}")

    def run(self, *cmd: str, env: dict | None = None, external: bool = False) -> None:
        import os
        import subprocess

        self.log(" ".join(cmd))
        code = subprocess.call(list(cmd), env={**os.environ, **(env or {})})
        if code:
            raise RuntimeError(f"{cmd[0]} exited {code}")


def main(argv: list[str] | None = None) -> int:
    sdk(_Session(list(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
