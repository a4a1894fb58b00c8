"""The store: bounded memory (LRU + retention, 404 after), SQLite shared by processes and kept across restarts."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conformance.mock import MockConfig
from conformance.mock.limits import Limits

from .helpers import MODEL, Client, events_only, parse_sse


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _mock_process(*args: str):
    """``python -m conformance.mock`` on a free port; yields its base URL; stopped (bounded) afterwards."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "conformance.mock", "--port", str(port),
                             "--background-delay", "0.2", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the mock did not start: {proc.stdout.read() if proc.stdout else ''}") \
                        from None
                time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=5)


def test_memory_store_evicts_the_least_recently_used_and_answers_404_after(make_client):
    c = make_client("2026-05-20", limits=Limits(max_interactions=3))
    ids = [c.create(f"n{i}")["id"] for i in range(3)]
    assert c.fetch(ids[0]).status_code == 200  # ids[0] is now the most recently used
    newest = c.create("n3")["id"]
    assert c.fetch(ids[1]).status_code == 404  # the least recently used went
    for iid in (ids[0], ids[2], newest):
        assert c.fetch(iid).status_code == 200
    assert c.app.state.mock.store.count() == 3
    # an evicted id was issued: 404 (not 400) also under the error.not-found.404 fault
    r = c.get(f"/v1beta/interactions/{ids[1]}", headers={"X-Iconf-Fault": "error.not-found.404"})
    assert r.status_code == 404


def test_memory_store_expires_idle_interactions(make_client):
    c = make_client("2026-05-20", limits=Limits(retention_s=0.2))
    iid = c.create("short-lived")["id"]
    assert c.fetch(iid).status_code == 200
    time.sleep(0.35)
    assert c.fetch(iid).status_code == 404
    assert c.app.state.mock.store.count() <= 1


def test_sqlite_store_is_bounded_too(tmp_path):
    c = Client(MockConfig(store_path=str(tmp_path / "s.db"), limits=Limits(max_interactions=2)),
               revision="2026-05-20")
    try:
        ids = [c.create(f"n{i}")["id"] for i in range(4)]
        assert [c.fetch(i).status_code for i in ids] == [404, 404, 200, 200]
    finally:
        c.close()


@pytest.mark.slow
def test_two_processes_share_one_sqlite_store_and_it_survives_a_restart(tmp_path):
    store = str(tmp_path / "shared.db")
    hdr = {"Api-Revision": "2026-05-20"}
    with _mock_process("--store", store) as a, _mock_process("--store", store) as b, \
            httpx.Client(timeout=30, headers=hdr) as c:
        url_a, url_b = a + "/v1beta/interactions", b + "/v1beta/interactions"
        # created on A, read back on B
        done = c.post(url_a, json={"model": MODEL, "input": "hello from A"}).json()
        assert c.get(f"{url_b}/{done['id']}").json()["steps"][-1] == done["steps"][-1]
        # ids never collide between the processes
        other = c.post(url_b, json={"model": MODEL, "input": "hello from B"}).json()
        assert other["id"] != done["id"]
        # a background run created on A is streamed by B to its end
        bg = c.post(url_a, json={"model": MODEL, "input": "stream me [iconf: delay=0.3]", "background": True}).json()
        assert bg["status"] == "in_progress"
        streamed = events_only(parse_sse(c.get(f"{url_b}/{bg['id']}", params={"stream": "true"}).text))
        assert streamed[-1]["event_type"] == "interaction.completed", streamed[-1]
        # one created on A is cancelled through B, and A sees it cancelled
        slow = c.post(url_a, json={"model": MODEL, "input": "slow [iconf: delay=60]", "background": True}).json()
        cancelled = c.post(f"{url_b}/{slow['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
        assert c.get(f"{url_a}/{slow['id']}").json()["status"] == "cancelled"
        # deleted through B: gone on A
        assert c.delete(f"{url_b}/{done['id']}").json() == {}
        assert c.get(f"{url_a}/{done['id']}").status_code == 404
    # the state survives a restart
    with _mock_process("--store", store) as again, httpx.Client(timeout=30, headers=hdr) as c:
        assert c.get(f"{again}/v1beta/interactions/{other['id']}").json()["id"] == other["id"]
        assert c.get(f"{again}/v1beta/interactions/{done['id']}").status_code == 404
        fresh = c.post(f"{again}/v1beta/interactions", json={"model": MODEL, "input": "after restart"}).json()
        assert fresh["id"] not in (done["id"], other["id"], bg["id"], slow["id"])


@pytest.mark.slow
def test_workers_serve_one_state(tmp_path):
    store = str(tmp_path / "workers.db")
    with _mock_process("--store", store, "--workers", "2") as base, httpx.Client(timeout=30) as c:
        ids = [c.post(f"{base}/v1beta/interactions", json={"model": MODEL, "input": f"n{i}"}).json()["id"]
               for i in range(8)]
        assert len(set(ids)) == 8
        # new connections land on either worker: every one of them reads every interaction
        for iid in ids:
            with httpx.Client(timeout=30) as fresh:
                assert fresh.get(f"{base}/v1beta/interactions/{iid}").status_code == 200
