"""The continuation protocol (API-FACTS §9): a long answer paused with a token, continued hop by hop.

``[iconf: continuation=N]`` pauses the answer every N output tokens: the interaction ends
``requires_continuation`` with a ``continuation_token``; a create with ``previous_interaction_id`` (the paused
one) + ``continuation_token`` and no ``input`` is a new interaction that says the next part; the last hop
ends ``completed`` and the texts of all hops add up to the answer a plain call gives.
"""

import pytest

from conformance.profiles import get_profile

from .helpers import MODEL, assemble, parse_sse

STEPS = {"Api-Revision": "2026-05-20"}


def _post(client, body, headers=STEPS):
    return client.post("/v1beta/interactions", json=body, headers=headers)


def _text(steps):
    return "".join(c["text"] for s in steps if s["type"] == "model_output" for c in s["content"] if c["type"] == "text")


def _hops(client, first: dict, request: dict) -> list[dict]:
    """Follow a paused interaction to its end the way the SDKs do (same body, no input, token + previous id)."""
    hops = [first]
    while hops[-1]["status"] == "requires_continuation":
        hop = {k: v for k, v in request.items() if k != "input"}
        hop.update(previous_interaction_id=hops[-1]["id"], continuation_token=hops[-1]["continuation_token"])
        response = _post(client, hop)
        assert response.status_code == 200, response.text
        hops.append(response.json())
        assert len(hops) < 50
    return hops


def test_unary_chain_adds_up_to_the_whole_answer(make_client):
    c = make_client()
    request = {"model": MODEL, "input": "Tell me [iconf: long=5, continuation=12, thought]"}
    plain = _post(c, {"model": MODEL, "input": "Tell me [iconf: long=5, thought]"}).json()
    first = _post(c, request).json()
    assert first["status"] == "requires_continuation"
    assert isinstance(first["continuation_token"], str) and first["continuation_token"]
    assert [s["type"] for s in first["steps"]] == ["thought", "model_output"]
    hops = _hops(c, first, request)
    assert len(hops) > 2 and hops[-1]["status"] == "completed" and "continuation_token" not in hops[-1]
    assert len({h["id"] for h in hops}) == len(hops)
    assert len({h["continuation_token"] for h in hops[:-1]}) == len(hops) - 1
    assert _text(h for hop in hops for h in hop["steps"]) == _text(plain["steps"])
    for before, hop in zip(hops, hops[1:], strict=False):
        assert hop["previous_interaction_id"] == before["id"]
        assert [s["type"] for s in hop["steps"]] == ["model_output"]
    # a hop carries no input: GET shows only its model output; the paused one stays as it was
    stored = c.get(f"/v1beta/interactions/{hops[1]['id']}", headers=STEPS).json()
    assert [s["type"] for s in stored["steps"]] == ["model_output"]
    paused = c.get(f"/v1beta/interactions/{first['id']}", headers=STEPS).json()
    assert paused["status"] == "requires_continuation" and paused["continuation_token"] == first["continuation_token"]
    # the conversation goes on from the last hop
    after = _post(c, {"model": MODEL, "input": "And then?", "previous_interaction_id": hops[-1]["id"]}).json()
    assert _text(after["steps"]).startswith("Scripted answer 2:")


def test_usage_of_a_hop_counts_what_came_before_as_input(make_client):
    c = make_client()
    request = {"model": MODEL, "input": "x [iconf: long=3, continuation=10]"}
    hops = _hops(c, _post(c, request).json(), request)
    inputs = [h["usage"]["total_input_tokens"] for h in hops]
    assert inputs == sorted(inputs) and inputs[0] < inputs[-1]
    for hop in hops:
        u = hop["usage"]
        assert u["total_tokens"] == (u["total_input_tokens"] + u["total_output_tokens"] + u["total_thought_tokens"]
                                     + u["total_tool_use_tokens"])


def test_streamed_chain(make_client):
    c = make_client()
    request = {"model": MODEL, "input": "Tell me [iconf: long=4, continuation=12]", "stream": True}
    texts, body, profile = [], dict(request), get_profile("2026-05-20")
    for _ in range(50):
        frames = parse_sse(_post(c, body).text)
        events = [ev for _, ev in frames]
        completed = events[-1]["interaction"]
        texts.append(_text(assemble(frames, profile)))
        if completed["status"] != "requires_continuation":
            break
        update = events[-2]
        assert update["event_type"] == "interaction.status_update" and update["status"] == "requires_continuation"
        assert update["continuation_token"] == completed["continuation_token"]
        body = {k: v for k, v in request.items() if k != "input"}
        body.update(previous_interaction_id=completed["id"], continuation_token=completed["continuation_token"])
    assert completed["status"] == "completed" and len(texts) > 2
    plain = _post(c, {"model": MODEL, "input": "Tell me [iconf: long=4]"}).json()
    assert "".join(texts) == _text(plain["steps"])


def test_store_false_hop_resends_the_input(make_client):
    c = make_client()
    request = {"model": MODEL, "input": "x [iconf: continuation=8]", "store": False}
    first = _post(c, request).json()
    assert first["status"] == "requires_continuation"
    hop = _post(c, {**request, "continuation_token": first["continuation_token"]}).json()
    assert hop["status"] in ("completed", "requires_continuation")
    assert _text(hop["steps"]) and not _text(hop["steps"]).startswith("Scripted")


def test_background_runs_are_not_paused(make_client):
    c = make_client(background_delay_s=0)
    body = _post(c, {"model": MODEL, "input": "x [iconf: continuation=4]", "background": True}).json()
    done = c.get(f"/v1beta/interactions/{body['id']}", headers=STEPS).json()
    assert done["status"] == "completed" and "continuation_token" not in done


def test_short_answers_are_not_paused(make_client):
    body = _post(make_client(), {"model": MODEL, "input": "x [iconf: continuation=1000]"}).json()
    assert body["status"] == "completed" and "continuation_token" not in body


def test_legacy_does_not_pause(make_client):
    """Legacy left the live API before the continuation protocol came: the directive changes nothing there."""
    body = _post(make_client(), {"model": MODEL, "input": "x [iconf: continuation=8]"}, {"Api-Revision": "2026-05-07"})
    assert body.json()["status"] == "completed" and "continuation_token" not in body.json()


@pytest.mark.parametrize("change, needle", [
    ({"continuation_token": "not-a-token"}, "'continuation_token'"),
    ({"continuation_token": ""}, "'continuation_token'"),
    ({"continuation_token": 7}, "'continuation_token'"),
    ({"previous_interaction_id": None}, "'previous_interaction_id'"),
])
def test_bad_hops_are_rejected_naming_the_field(make_client, change, needle):
    c = make_client()
    first = _post(c, {"model": MODEL, "input": "x [iconf: continuation=8]"}).json()
    hop = {"model": MODEL, "previous_interaction_id": first["id"], "continuation_token": first["continuation_token"]}
    hop.update(change)
    hop = {k: v for k, v in hop.items() if v is not None}
    response = _post(c, hop)
    assert response.status_code == 400, response.text
    assert needle in response.json()["error"]["message"]


def test_token_of_another_interaction_is_rejected(make_client):
    c = make_client()
    one = _post(c, {"model": MODEL, "input": "x [iconf: continuation=8]"}).json()
    two = _post(c, {"model": MODEL, "input": "y [iconf: continuation=8]"}).json()
    response = _post(c, {"model": MODEL, "previous_interaction_id": two["id"],
                         "continuation_token": one["continuation_token"]})
    assert response.status_code == 400 and "'continuation_token'" in response.json()["error"]["message"]


def test_a_finished_hop_token_cannot_be_reused_after_completion_but_a_retry_works(make_client):
    c = make_client()
    first = _post(c, {"model": MODEL, "input": "x [iconf: continuation=8]"}).json()
    hop = {"model": MODEL, "previous_interaction_id": first["id"], "continuation_token": first["continuation_token"]}
    a, b = _post(c, hop).json(), _post(c, hop).json()  # an SDK retrying a hop gets the same continuation again
    assert a["id"] != b["id"] and _text(a["steps"]) == _text(b["steps"])


def test_input_is_still_required_without_a_token(make_client):
    response = _post(make_client(), {"model": MODEL})
    assert response.status_code == 400 and "'input'" in response.json()["error"]["message"]


def test_bad_directive_value(make_client):
    response = _post(make_client(), {"model": MODEL, "input": "x [iconf: continuation=zero]"})
    assert response.status_code == 400 and "continuation" in response.json()["error"]["message"]


def test_chain_through_the_sqlite_store(make_client, tmp_path):
    """The token names its issuer, so a hop finds the paused answer in any store (here SQLite, as --workers use)."""
    c = make_client(store_path=str(tmp_path / "mock.sqlite"))
    request = {"model": MODEL, "input": "x [iconf: long=3, continuation=10]"}
    hops = _hops(c, _post(c, request).json(), request)
    assert len(hops) > 1 and hops[-1]["status"] == "completed"
    plain = _post(c, {"model": MODEL, "input": "x [iconf: long=3]"}).json()
    assert _text(s for h in hops for s in h["steps"]) == _text(plain["steps"])
