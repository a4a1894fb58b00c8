"""The SDK environment cache under parallel use: one install per environment, never two on top of each other."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from conformance.sdk import envs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the install lock is POSIX flock")


def test_the_install_lock_excludes_a_second_holder(tmp_path):
    env_dir = tmp_path / "py" / "google-genai-9.9.9"
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with envs._env_lock(env_dir):
            order.append("first in")
            held.set()
            time.sleep(0.3)
            order.append("first out")

    def second() -> None:
        held.wait(5)
        with envs._env_lock(env_dir):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["first in", "first out", "second in"]


def test_parallel_prepares_install_once(tmp_path, monkeypatch):
    """Two workers asking for the same environment at once: the second waits and reuses the first's install
    (before the lock, it removed the half-made venv under the first one: `ensurepip` failed)."""
    installs: list[str] = []

    def fake_run(cmd, *, cwd=None, timeout=envs.INSTALL_TIMEOUT):
        if cmd[1:3] == ["-m", "venv"]:
            installs.append("venv")
            time.sleep(0.2)
            py = envs._venv_python(Path(cmd[3]))
            py.parent.mkdir(parents=True, exist_ok=True)
            py.write_text("")
        return "3.6.1\n"

    monkeypatch.setattr(envs, "_run", fake_run)
    results: list[envs.SdkEnv] = []
    threads = [threading.Thread(target=lambda: results.append(envs.prepare("google-genai==3.6.1", root=tmp_path)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert installs == ["venv"] and len(results) == 2
    assert all(r.version == "3.6.1" for r in results)
