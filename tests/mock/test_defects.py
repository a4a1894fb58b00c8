"""Smaller defects from issue 11: Allow on 405, delay directive values, last_event_id on running vs finished."""

from __future__ import annotations

import pytest

from .helpers import MODEL, parse_sse


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/v1beta/interactions", {"POST"}),
    ("PATCH", "/v1beta/interactions/v1_x", {"GET", "HEAD", "DELETE"}),
    ("GET", "/v1beta/interactions/v1_x/cancel", {"POST"}),
])
def test_405_carries_allow(make_client, method, path, allowed):
    c = make_client("2026-05-20")
    r = c.request(method, path)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed
    assert r.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("value", ["nan", "-5", "inf", "1e309", "soon", "", "99999"])
def test_bad_delay_values_are_400(make_client, value):
    c = make_client("2026-05-20")
    r = c.post("/v1beta/interactions", json={"model": MODEL, "input": f"x [iconf: delay={value}]", "background": True})
    assert r.status_code == 400, r.text
    assert "delay" in r.json()["error"]["message"] and "'input'" in r.json()["error"]["message"]
    assert c.app.state.mock.store.count() == 0


def test_unknown_last_event_id_is_400_on_running_and_on_finished(make_client):
    c = make_client("2026-05-20")
    running = c.create("slow [iconf: delay=30]", background=True)["id"]
    finished = c.create("fast")["id"]
    for iid in (running, finished):
        r = c.fetch(iid, stream="true", last_event_id="evt_9999")
        assert r.status_code == 400, (iid, r.text)
        assert "last_event_id" in r.json()["error"]["message"]


def test_known_last_event_id_of_the_settled_stream_is_accepted_while_running(make_client):
    c = make_client("2026-05-20")
    done = c.create("slow [iconf: delay=0]", background=True)["id"]
    frames = parse_sse(c.fetch(done, stream="true").text)
    ids = [e["event_id"] for _, e in frames if isinstance(e, dict) and "event_id" in e]
    running = c.create("slow [iconf: delay=0.3]", background=True)["id"]
    r = c.fetch(running, stream="true", last_event_id=ids[-2])
    assert r.status_code == 200, r.text
