"""SSE streams: framing, the revision's grammar, assembly, event ids and resume."""

import json

import pytest

from conformance.profiles import get_profile

from .helpers import MODEL, assemble, events_only, items_of, parse_sse, schema_errors


def test_stream_follows_the_revision_grammar(client, rev):
    g = get_profile(rev).grammar
    frames = client.stream("Stream this please [iconf: thought]")
    evs = events_only(frames)
    assert all(name == ev["event_type"] for name, ev in frames)
    kinds = [ev["event_type"] for ev in evs]
    assert kinds[0] == g.created and kinds[1] == g.status_update and kinds[-1] == g.completed
    assert set(kinds) <= g.names
    assert kinds.count(g.completed) == 1
    # blocks open and close in order 0, 1, ... and deltas sit between start and stop
    open_at, order = None, []
    for ev in evs:
        if ev["event_type"] == g.block_start:
            assert open_at is None
            open_at = ev["index"]
            order.append(ev["index"])
        elif ev["event_type"] == g.block_delta:
            assert ev["index"] == open_at
        elif ev["event_type"] == g.block_stop:
            assert ev["index"] == open_at
            open_at = None
    assert order == list(range(len(order))) and open_at is None
    # lifecycle events and block starts carry partial objects (FACTS §8); the rest validate strictly
    partial = {g.created, g.completed, g.block_start}
    for ev in evs:
        if ev["event_type"] not in partial:
            assert schema_errors(rev, g.event_components[ev["event_type"]], ev) == [], ev
        elif ev["event_type"] == g.block_start:
            assert ev[g.block_field]["type"] in get_profile(rev).blocks


def test_event_ids_are_unique_strings(client):
    evs = events_only(client.stream("ids [iconf: all]"))
    ids = [ev["event_id"] for ev in evs]
    assert all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def test_start_event_is_partial_and_completion_has_usage(client, rev):
    p = get_profile(rev)
    evs = events_only(client.stream("partial"))
    start = evs[0]["interaction"]
    assert start["status"] == "in_progress" and start["object"] == "interaction" and start["model"] == MODEL
    assert p.items_field not in start and {"id", "created", "updated"} <= set(start)
    done = evs[-1]["interaction"]
    assert done["id"] == start["id"] and done["status"] == "completed"
    assert p.items_field not in done and done["usage"]["total_tokens"] > 0


def test_text_arrives_in_several_deltas(client, rev):
    g = get_profile(rev).grammar
    evs = events_only(client.stream("one two three four five six seven eight"))
    text_deltas = [ev for ev in evs if ev["event_type"] == g.block_delta and ev["delta"]["type"] == "text"]
    assert len(text_deltas) >= 3
    evs = events_only(client.stream("few words [iconf: chunks=6]"))
    assert len([ev for ev in evs if ev["event_type"] == g.block_delta and ev["delta"]["type"] == "text"]) == 6


def test_stream_assembles_to_the_stored_resource(client, rev):
    p = get_profile(rev)
    tools = [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}]
    for text in ("all of it [iconf: all]", "[iconf: function_call]", "cite [iconf: cite, chunks=4]"):
        frames = client.stream(text, tools=tools)
        iid = events_only(frames)[0]["interaction"]["id"]
        stored = client.fetch(iid).json()
        model_items = [i for i in items_of(stored) if i["type"] != "user_input"]
        assert assemble(frames, p) == model_items
        for item in model_items:
            assert schema_errors(rev, p.item_union, item) == [], item


def test_function_call_arguments_stream_as_fragments_2026(make_client):
    c = make_client("2026-05-20")
    tools = [{"type": "function", "name": "lookup",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    evs = events_only(c.stream("[iconf: function_call]", tools=tools))
    start = next(ev for ev in evs if ev["event_type"] == "step.start" and ev["step"]["type"] == "function_call")
    assert start["step"]["name"] == "lookup" and start["step"]["id"]
    fragments = [ev["delta"]["arguments"] for ev in evs if ev["event_type"] == "step.delta"]
    assert len(fragments) > 1 and all(isinstance(f, str) for f in fragments)
    assert json.loads("".join(fragments)) == {"city": "example city"}
    statuses = [ev.get("status") for ev in evs if ev["event_type"] == "interaction.status_update"]
    assert statuses[-1] == "requires_action" and evs[-1]["interaction"]["status"] == "requires_action"


def test_get_stream_replays_the_same_events(client):
    frames = client.stream("replay me [iconf: thought]")
    iid = events_only(frames)[0]["interaction"]["id"]
    replay = client.fetch(iid, stream="true")
    assert replay.headers["content-type"].startswith("text/event-stream")
    assert parse_sse(replay.text) == frames


@pytest.mark.parametrize("at", [0, 1, 3, -2, -1])
def test_resume_after_last_event_id(client, at):
    frames = client.stream("resume [iconf: thought, cite]")
    evs = events_only(frames)
    iid = evs[0]["interaction"]["id"]
    resumed = events_only(parse_sse(client.fetch(iid, stream="true", last_event_id=evs[at]["event_id"]).text))
    assert resumed == evs[at + 1:] if at != -1 else resumed == []


def test_resume_with_unknown_event_id(client):
    iid = client.create("hi")["id"]
    response = client.fetch(iid, stream="true", last_event_id="nope")
    assert response.status_code == 400 and "last_event_id" in response.json()["error"]["message"]


def test_failed_run_ends_with_an_error_event(client, rev):
    g = get_profile(rev).grammar
    evs = events_only(client.stream("[iconf: fail]"))
    assert evs[-1]["event_type"] == "error" and evs[-1]["error"]["message"]
    assert [ev["event_type"] for ev in evs].count("error") == 1
    assert g.completed not in [ev["event_type"] for ev in evs]
    iid = evs[0]["interaction"]["id"]
    assert client.fetch(iid).json()["status"] == "failed"


def test_incomplete_run_streams_its_status(client, rev):
    g = get_profile(rev).grammar
    evs = events_only(client.stream("a long answer that will not fit", generation_config={"max_output_tokens": 2}))
    assert evs[-1]["event_type"] == g.completed and evs[-1]["interaction"]["status"] == "incomplete"
    assert [ev.get("status") for ev in evs if ev["event_type"] == g.status_update][-1] == "incomplete"


def test_store_false_stream_is_not_retrievable(client):
    evs = events_only(client.stream("ephemeral", store=False))
    assert evs[-1]["interaction"]["status"] == "completed"
    assert client.fetch(evs[0]["interaction"]["id"], stream="true").status_code == 404
