"""Background runs, polling, cancel, store and the status machine."""

import time

from conformance.profiles import get_profile

from .helpers import MODEL, events_only, parse_sse, texts

TERMINAL = {"completed", "failed", "cancelled", "incomplete"}


def _poll(client, iid, budget=3.0):
    seen = []
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        body = client.fetch(iid).json()
        if not seen or seen[-1]["status"] != body["status"]:
            seen.append(body)
        if body["status"] in TERMINAL:
            return seen
        time.sleep(0.01)
    return seen


def test_background_create_answers_in_progress_then_completes(client, rev):
    t0 = time.monotonic()
    body = client.create("background job [iconf: delay=0.2]", background=True)
    assert time.monotonic() - t0 < 0.15
    assert body["status"] == "in_progress" and "usage" not in body
    assert body[get_profile(rev).items_field] == [] or rev == "2026-05-20"
    seen = _poll(client, body["id"])
    statuses = [b["status"] for b in seen]
    assert statuses == ["in_progress", "completed"]
    machine = get_profile(rev).status
    assert all(machine.legal(a, b) for a, b in zip(statuses, statuses[1:], strict=False))
    done = seen[-1]
    assert done["created"] == body["created"] and done["updated"] >= done["created"]
    assert "background job" in texts(done)


def test_background_delay_comes_from_config(make_client):
    c = make_client("2026-05-20", background_delay_s=0.3)
    body = c.create("x", background=True)
    time.sleep(0.1)
    assert c.fetch(body["id"]).json()["status"] == "in_progress"
    time.sleep(0.3)
    assert c.fetch(body["id"]).json()["status"] == "completed"


def test_cancel_running_background(client):
    body = client.create("long job [iconf: delay=30]", background=True)
    cancelled = client.post(f"/v1beta/interactions/{body['id']}/cancel")
    assert cancelled.status_code == 200
    cancelled = cancelled.json()
    assert cancelled["status"] == "cancelled" and cancelled["id"] == body["id"]
    assert cancelled["updated"] >= cancelled["created"]
    for _ in range(3):
        assert client.fetch(body["id"]).json()["status"] == "cancelled"
    again = client.post(f"/v1beta/interactions/{body['id']}/cancel")
    assert again.status_code == 400 and again.json()["error"]["code"] == "failed_precondition"


def test_cancel_finished_or_foreground_is_rejected(client):
    foreground = client.create("quick")
    response = client.post(f"/v1beta/interactions/{foreground['id']}/cancel")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition" and "'id'" in response.json()["error"]["message"]
    finished = client.create("short [iconf: delay=0]", background=True)
    assert client.fetch(finished["id"]).json()["status"] == "completed"
    assert client.post(f"/v1beta/interactions/{finished['id']}/cancel").status_code == 400


def test_stream_of_a_running_background_interaction(client, rev):
    g = get_profile(rev).grammar
    body = client.create("streamed later [iconf: delay=0.1]", background=True)
    evs = events_only(parse_sse(client.fetch(body["id"], stream="true").text))
    assert evs[0]["event_type"] == g.created and evs[-1]["event_type"] == g.completed
    assert evs[-1]["interaction"]["status"] == "completed"
    # a resume from the second event of the live stream gets the rest
    rest = events_only(parse_sse(client.fetch(body["id"], stream="true", last_event_id=evs[1]["event_id"]).text))
    assert rest == evs[2:]


def test_background_stream_at_create(client, rev):
    g = get_profile(rev).grammar
    evs = events_only(client.stream("bg stream [iconf: delay=0.05]", background=True))
    assert evs[0]["event_type"] == g.created and evs[-1]["interaction"]["status"] == "completed"


def test_stream_of_a_cancelled_interaction(client, rev):
    g = get_profile(rev).grammar
    body = client.create("cancel me [iconf: delay=30]", background=True)
    client.post(f"/v1beta/interactions/{body['id']}/cancel")
    evs = events_only(parse_sse(client.fetch(body["id"], stream="true").text))
    statuses = [ev["status"] for ev in evs if ev["event_type"] == g.status_update]
    assert statuses == ["in_progress", "cancelled"]
    assert evs[-1]["event_type"] == g.completed and evs[-1]["interaction"]["status"] == "cancelled"
    assert not [ev for ev in evs if ev["event_type"] == g.block_start]


def test_store_default_and_false(client):
    assert client.fetch(client.create("kept")["id"]).status_code == 200
    assert client.fetch(client.create("kept", store=True)["id"]).status_code == 200
    gone = client.create("not kept", store=False)
    assert gone["status"] == "completed"
    assert client.fetch(gone["id"]).status_code == 404
    chained = client.post("/v1beta/interactions", json={"model": MODEL, "input": "next",
                                                        "previous_interaction_id": gone["id"]})
    assert chained.status_code == 400 and "previous_interaction_id" in chained.json()["error"]["message"]


def test_previous_still_running_is_rejected(client):
    body = client.create("slow [iconf: delay=30]", background=True)
    response = client.post("/v1beta/interactions", json={"model": MODEL, "input": "next",
                                                         "previous_interaction_id": body["id"]})
    assert response.status_code == 400 and response.json()["error"]["code"] == "failed_precondition"


def test_terminal_status_never_changes(client):
    body = client.create("done")
    for _ in range(3):
        got = client.fetch(body["id"]).json()
        assert got["status"] == "completed" and got["updated"] == body["updated"]


def test_delete_running_background(client):
    body = client.create("bg [iconf: delay=30]", background=True)
    assert client.delete(f"/v1beta/interactions/{body['id']}").json() == {}
    assert client.fetch(body["id"]).status_code == 404
    assert client.post(f"/v1beta/interactions/{body['id']}/cancel").status_code == 404
