"""One test per fault: switching a fault on produces the raw observable violation of its rule.

Each function receives a client whose server has exactly that fault on (for
every request) and the revision under test; the table's keys must be the
fault registry's keys, which must be the rules marked ``fault=True``.
"""

import json
import time

import jsonschema
import pytest

from conformance.mock import FAULTS, MockConfig
from conformance.mock.faults import UnknownFaultError, validate_fault_ids
from conformance.profiles import get_profile
from conformance.rules import RULES

from .helpers import MODEL, REVISIONS, assemble, events_only, items_of, parse_sse, schema_errors, texts

TESTS = {}
WEATHER = {"type": "function", "name": "get_weather",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def fault(rule_id):
    def register(fn):
        TESTS[rule_id] = fn
        return fn
    return register


def _stream_raw(c, text="Hello there [iconf: thought]", **fields):
    return c.post("/v1beta/interactions", json={"model": MODEL, "input": text, "stream": True, **fields})


def _events(c, text="Hello there [iconf: thought]", **fields):
    return events_only(parse_sse(_stream_raw(c, text, **fields).text))


def _kinds(evs):
    return [ev.get("event_type") for ev in evs]


# --- schema / error / auth -----------------------------------------------------------------------

@fault("schema.interaction.valid")
def _(c, rev, g):
    body = c.create("x")
    assert isinstance(body["role"], int) and schema_errors(rev, "Interaction", body)
    assert schema_errors(rev, "Interaction", c.fetch(body["id"]).json())


@fault("schema.response.json")
def _(c, rev, g):
    body = c.create("x")
    got = c.fetch(body["id"])
    assert got.headers["content-type"].startswith("text/html") and got.json()["id"] == body["id"]
    assert c.fetch("v1_nope").headers["content-type"].startswith("text/html")


@fault("schema.interaction.object-field")
def _(c, rev, g):
    body = c.create("x")
    assert "object" not in body and "object" not in _events(c)[0]["interaction"]


@fault("schema.event.valid")
def _(c, rev, g):
    update = next(ev for ev in _events(c) if ev["event_type"] == g.status_update)
    assert update["metadata"] == "not-an-object"
    assert schema_errors(rev, g.event_components[g.status_update], update)


@fault("schema.type.known")
def _(c, rev, g):
    assert "iconf_unknown" in [i["type"] for i in items_of(c.create("x"))]
    starts = [ev[g.block_field]["type"] for ev in _events(c) if ev["event_type"] == g.block_start]
    assert "iconf_unknown" in starts


@fault("schema.delete.empty-object")
def _(c, rev, g):
    response = c.delete(f"/v1beta/interactions/{c.create('x')['id']}")
    assert response.status_code == 200 and response.json() != {}


@fault("error.envelope.shape")
def _(c, rev, g):
    response = c.post("/v1beta/interactions", json={"model": MODEL})
    assert response.status_code == 400 and "error" not in response.json() and "message" in response.json()


@fault("error.bad-input.no-5xx")
def _(c, rev, g):
    response = c.post("/v1beta/interactions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 500


@fault("error.bad-input.rejected")
def _(c, rev, g):
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x", "stream": "yes", "store": 3})
    assert response.status_code == 200


@fault("error.not-found.404")
def _(c, rev, g):
    assert c.fetch("v1_never_issued").status_code == 400
    assert c.delete("/v1beta/interactions/v1_never_issued").status_code == 400


@fault("auth.key.required")
def _(c, rev, g):
    assert c.post("/v1beta/interactions", json={"model": MODEL, "input": "x"}).status_code == 200
    assert c.post("/v1beta/interactions", json={"model": MODEL, "input": "x"},
                  headers={"x-goog-api-key": "wrong"}).status_code == 200


# --- request rules ---------------------------------------------------------------------------

@fault("request.valid.accepted")
def _(c, rev, g):
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x", "generation_config": {"seed": 1}})
    assert response.status_code == 400 and "generation_config" in response.json()["error"]["message"]
    assert c.post("/v1beta/interactions", json={"model": MODEL, "input": "x"}).status_code == 200


@fault("request.model-xor-agent")
def _(c, rev, g):
    assert c.post("/v1beta/interactions", json={"input": "x"}).json()["model"] == "gemini-2.5-flash"
    both = {"model": MODEL, "agent": "deep-research-pro-preview-12-2025", "input": "x"}
    assert c.post("/v1beta/interactions", json=both).status_code == 200


@fault("request.config.matches-kind")
def _(c, rev, g):
    agent = {"agent": "deep-research-pro-preview-12-2025", "input": "x", "background": True,
             "generation_config": {"temperature": 0.5}}
    assert c.post("/v1beta/interactions", json=agent).status_code == 200
    model = {"model": MODEL, "input": "x", "agent_config": {"type": "dynamic"}}
    assert c.post("/v1beta/interactions", json=model).status_code == 200


@fault("request.generation-config.bounds")
def _(c, rev, g):
    for cfg in ({"temperature": 5.0}, {"top_p": 1.5}, {"max_output_tokens": 0}):
        assert c.post("/v1beta/interactions", json={"model": MODEL, "input": "x", "generation_config": cfg}
                      ).status_code == 200, cfg


@fault("request.input.required")
def _(c, rev, g):
    assert c.post("/v1beta/interactions", json={"model": MODEL}).status_code == 200


@fault("request.store-false.no-background")
def _(c, rev, g):
    body = c.create("x", store=False, background=True)
    assert body["status"] == "in_progress"


@fault("request.store-false.no-previous")
def _(c, rev, g):
    first = c.create("My name is Ada.", store=False)
    assert "Ada" in texts(c.create("What is my name?", previous_interaction_id=first["id"]))


@fault("request.agent.background")
def _(c, rev, g):
    body = c.post("/v1beta/interactions", json={"agent": "deep-research-pro-preview-12-2025", "input": "x"})
    assert body.status_code == 200 and body.json()["status"] == "completed"


@fault("request.last-event-id.needs-stream")
def _(c, rev, g):
    response = c.fetch(c.create("x")["id"], last_event_id="evt_0001")
    assert response.status_code == 200 and response.json()["status"] == "completed"


@fault("request.function-result.call-id")
def _(c, rev, g):
    asked = c.create("[iconf: function_call]", tools=[WEATHER])
    body = c.create([{"type": "function_result", "call_id": "nope", "result": "x"}],
                    previous_interaction_id=asked["id"])
    assert body["status"] == "completed"


# --- streams ---------------------------------------------------------------------------------

@fault("stream.content-type")
def _(c, rev, g):
    assert _stream_raw(c).headers["content-type"].startswith("text/plain")


@fault("stream.framing.json-data")
def _(c, rev, g):
    assert "keep-alive" in [data for _, data in parse_sse(_stream_raw(c).text) if isinstance(data, str)]


@fault("stream.framing.bare-json")
def _(c, rev, g):
    lines = _stream_raw(c).text.splitlines()
    assert any(line.startswith('{"error"') for line in lines)


@fault("thought.signature.present")
def _(c, rev, g):
    thoughts = [i for i in items_of(c.create("x [iconf: thought]")) if i["type"] == "thought"]
    assert thoughts and all("signature" not in t for t in thoughts)
    deltas = [ev["delta"]["type"] for ev in _events(c) if ev["event_type"] == g.block_delta]
    assert "thought_signature" not in deltas
@fault("stream.framing.utf8")
def _(c, rev, g):
    raw = _stream_raw(c).content
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("utf-8", "replace").count("event_type") >= 2  # the events themselves are intact


@fault("stream.event.name-matches")
def _(c, rev, g):
    frames = parse_sse(_stream_raw(c).text)
    assert any(name != data["event_type"] for name, data in frames)


@fault("stream.event.known-type")
def _(c, rev, g):
    assert set(_kinds(_events(c))) - g.names


@fault("stream.order.created-first")
def _(c, rev, g):
    assert _kinds(_events(c))[0] != g.created


@fault("stream.terminal.exactly-one")
def _(c, rev, g):
    assert not set(_kinds(_events(c))) & g.terminal
    assert not set(_kinds(_events(c, "[iconf: fail]"))) & g.terminal


@fault("stream.terminal.last")
def _(c, rev, g):
    kinds = _kinds(_events(c))
    assert kinds[-1] not in g.terminal and g.completed in kinds


@fault("stream.block.start-first")
def _(c, rev, g):
    evs = _events(c)
    first_block0 = next(ev for ev in evs if ev.get("index") == 0)
    assert first_block0["event_type"] == g.block_delta


@fault("stream.block.index-consecutive")
def _(c, rev, g):
    assert [ev["index"] for ev in _events(c) if ev["event_type"] == g.block_start][0] == 1


@fault("stream.block.closed")
def _(c, rev, g):
    kinds = _kinds(_events(c))
    assert kinds.count(g.block_start) == kinds.count(g.block_stop) + 1


@fault("stream.delta.type-matches")
def _(c, rev, g):
    evs = _events(c, "plain text")
    assert "thought_signature" in [ev["delta"]["type"] for ev in evs if ev["event_type"] == g.block_delta]
    assert not [ev for ev in evs if ev["event_type"] == g.block_start and ev[g.block_field]["type"] == "thought"]


@fault("stream.block.assembled-valid")
def _(c, rev, g):
    frames = parse_sse(_stream_raw(c, "code").text)
    call = next(i for i in assemble(frames, get_profile(rev)) if i["type"] == "code_execution_call")
    assert "arguments" not in call
    iid = events_only(frames)[0]["interaction"]["id"]
    stored = next(i for i in items_of(c.fetch(iid).json()) if i["type"] == "code_execution_call")
    assert "arguments" in stored


@fault("stream.event-id.unique")
def _(c, rev, g):
    ids = [ev["event_id"] for ev in _events(c)]
    assert len(set(ids)) < len(ids)


@fault("stream.event-id.resumable")
def _(c, rev, g):
    evs = _events(c)
    iid = evs[0]["interaction"]["id"]
    resumed = events_only(parse_sse(c.fetch(iid, stream="true", last_event_id=evs[2]["event_id"]).text))
    assert resumed[0] == evs[2] and resumed != evs[3:]


@fault("stream.interaction-id.consistent")
def _(c, rev, g):
    evs = _events(c)
    ids = {ev["interaction_id"] for ev in evs if "interaction_id" in ev}
    assert evs[0]["interaction"]["id"] not in ids


@fault("stream.status.legal-transition")
def _(c, rev, g):
    evs = _events(c)
    statuses = [evs[0]["interaction"]["status"]] + [ev["status"] for ev in evs if ev["event_type"] == g.status_update]
    machine = get_profile(rev).status
    assert not all(machine.legal(a, b) for a, b in zip(statuses, statuses[1:], strict=False))


@fault("stream.assembly.matches-resource")
def _(c, rev, g):
    frames = parse_sse(_stream_raw(c, "compare me").text)
    iid = events_only(frames)[0]["interaction"]["id"]
    stored = [i for i in items_of(c.fetch(iid).json()) if i["type"] != "user_input"]
    assert assemble(frames, get_profile(rev)) != stored


# --- lifecycle and behaviour -----------------------------------------------------------------

@fault("lifecycle.status.known")
def _(c, rev, g):
    status = c.create("x", background=True)["status"]
    assert status == "IN_PROGRESS" and not get_profile(rev).status.known(status)


@fault("lifecycle.transition.legal")
def _(c, rev, g):
    body = c.create("x [iconf: delay=0.2]", background=True)
    seen = [body["status"], c.fetch(body["id"]).json()["status"]]
    time.sleep(0.25)
    seen.append(c.fetch(body["id"]).json()["status"])
    machine = get_profile(rev).status
    assert seen == ["queued", "requires_action", "completed"] and not machine.legal(seen[0], seen[1])


@fault("lifecycle.terminal.immutable")
def _(c, rev, g):
    body = c.create("x")
    assert body["status"] == "completed" and c.fetch(body["id"]).json()["status"] == "failed"


@fault("lifecycle.timestamps.ordered")
def _(c, rev, g):
    body = c.create("x")
    assert body["updated"] < body["created"]


@fault("lifecycle.id.stable")
def _(c, rev, g):
    body = c.create("x")
    assert c.fetch(body["id"]).json()["id"] != body["id"]


@fault("store.default.retrievable")
def _(c, rev, g):
    assert c.fetch(c.create("x")["id"]).status_code == 404
    assert c.fetch(c.create("x", store=True)["id"]).status_code == 200
    first = c.create("My name is Ada.")
    assert "Ada" in texts(c.create("What is my name?", previous_interaction_id=first["id"]))


@fault("store.false.not-retrievable")
def _(c, rev, g):
    hidden = c.create("x", store=False)
    assert c.fetch(hidden["id"]).status_code == 200
    chained = c.post("/v1beta/interactions", json={"model": MODEL, "input": "y", "previous_interaction_id": hidden["id"]})
    assert chained.status_code == 400


@fault("background.create.in-progress")
def _(c, rev, g):
    t0 = time.monotonic()
    body = c.create("x [iconf: delay=0.2]", background=True)
    assert time.monotonic() - t0 >= 0.19 and body["status"] == "completed"


@fault("background.poll.reaches-terminal")
def _(c, rev, g):
    body = c.create("x [iconf: delay=0]", background=True)
    time.sleep(0.05)
    assert c.fetch(body["id"]).json()["status"] == "in_progress"


@fault("cancel.running.cancelled")
def _(c, rev, g):
    body = c.create("x [iconf: delay=30]", background=True)
    response = c.post(f"/v1beta/interactions/{body['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


@fault("cancel.finished.rejected")
def _(c, rev, g):
    response = c.post(f"/v1beta/interactions/{c.create('x')['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "completed"


@fault("delete.no-trace")
def _(c, rev, g):
    iid = c.create("x")["id"]
    assert c.delete(f"/v1beta/interactions/{iid}").json() == {}
    assert c.fetch(iid).status_code == 200


@fault("timeline.post.model-only")
def _(c, rev, g):
    assert c.create("x")["steps"][0]["type"] == "user_input"


@fault("timeline.get.starts-with-input")
def _(c, rev, g):
    steps = c.fetch(c.create("x")["id"]).json()["steps"]
    assert steps and steps[0]["type"] != "user_input"


@fault("timeline.legacy.outputs-model-only")
def _(c, rev, g):
    assert c.create("the input text")["outputs"][0] == {"type": "text", "text": "the input text"}


@fault("previous.context.carried")
def _(c, rev, g):
    first = c.create("My name is Ada.")
    assert "Ada" not in texts(c.create("What is my name?", previous_interaction_id=first["id"]))


@fault("previous.settings.not-inherited")
def _(c, rev, g):
    first = c.create("x", system_instruction="Be a pirate.", tools=[WEATHER], generation_config={"seed": 1})
    echoed = json.loads(texts(c.create("[iconf: echo]", previous_interaction_id=first["id"])))
    assert echoed == {"system_instruction": "Be a pirate.", "tools": ["get_weather"], "generation_config": {"seed": 1}}


@fault("function.call.requires-action")
def _(c, rev, g):
    body = c.create("[iconf: function_call]", tools=[WEATHER])
    assert body["status"] == "completed" and any(i["type"] == "function_call" for i in items_of(body))


@fault("function.result.completes")
def _(c, rev, g):
    asked = c.create("[iconf: function_call]", tools=[WEATHER])
    call = next(i for i in items_of(asked) if i["type"] == "function_call")
    body = c.create([{"type": "function_result", "call_id": call["id"], "result": "sunny"}],
                    previous_interaction_id=asked["id"], tools=[WEATHER])
    assert body["status"] == "requires_action"


@fault("structured.output.valid")
def _(c, rev, g):
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    fmt = schema if rev == "legacy" else {"type": "text", "mime_type": "application/json", "schema": schema}
    body = c.create("json", response_format=fmt, response_mime_type="application/json")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(texts(body)), schema)


@fault("usage.totals.add-up")
def _(c, rev, g):
    u = c.create("x")["usage"]
    assert u["total_tokens"] != (u["total_input_tokens"] + u["total_output_tokens"] + u["total_thought_tokens"]
                                 + u["total_tool_use_tokens"])


@fault("stream.completion.status-final")
def _(c, rev, g):
    evs = _events(c)
    assert evs[-1]["event_type"] == g.completed and evs[-1]["interaction"]["status"] == "in_progress"
    assert c.fetch(evs[0]["interaction"]["id"]).json()["status"] == "completed"


@fault("stream.completion.matches-resource")
def _(c, rev, g):
    evs = _events(c)
    completed = evs[-1]["interaction"]
    stored = c.fetch(completed["id"]).json()
    assert completed["usage"]["total_thought_tokens"] == stored["usage"]["total_thought_tokens"] + 1


def _ids(items, key):
    return [i[key] for i in items if key in i and i["type"] != "function_result"]


@fault("timeline.call-id.unique")
def _(c, rev, g):
    ids = _ids(items_of(c.create("[iconf: google_search] x")), "id")
    assert len(ids) == 2 and ids[0] == ids[1]


@fault("timeline.result.follows-call")
def _(c, rev, g):
    items = items_of(c.create("[iconf: google_search] x"))
    assert _ids(items, "call_id") == [f"{_ids(items, 'id')[0]}-orphan"]


@fault("usage.breakdown.consistent")
def _(c, rev, g):
    u = c.create("x")["usage"]
    assert u["total_cached_tokens"] > u["total_input_tokens"]


@fault("error.code.matches-status")
def _(c, rev, g):
    answer = c.fetch("v1_iconf-does-not-exist")
    assert answer.status_code == 404 and answer.json()["error"]["status"] == "INTERNAL"


@fault("function.call.declared")
def _(c, rev, g):
    body = c.create("[iconf: function_call] x", tools=[WEATHER])
    assert [i["name"] for i in items_of(body) if i["type"] == "function_call"] == ["get_weather_undeclared"]


@fault("revision.header.honoured")
def _(c, rev, g):
    asked = get_profile(rev)
    body = c.create("x")
    assert asked.items_field not in body


@fault("revision.legacy.retired")
def _(c, rev, g):
    # legacy counts as retired, yet a legacy request is served (as 2026-05-20, the header ignored), never the 400
    answer = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x"})
    assert answer.status_code == 200 and "steps" in answer.json() and "outputs" not in answer.json()


# --- continuation ----------------------------------------------------------------------------------

def _paused(c):
    return c.create("Tell me [iconf: long=3, continuation=8]")


@fault("continuation.paused.token")
def _(c, rev, g):
    body = _paused(c)
    assert body["status"] == "requires_continuation" and "continuation_token" not in body
    end = _events(c, "Tell me [iconf: long=3, continuation=8]")[-1]["interaction"]
    assert end["status"] == "requires_continuation" and "continuation_token" not in end


@fault("continuation.chain.terminal")
def _(c, rev, g):
    body = _paused(c)
    hop = c.post("/v1beta/interactions", json={"model": MODEL, "previous_interaction_id": body["id"],
                                               "continuation_token": body["continuation_token"]})
    assert hop.status_code == 400


@fault("continuation.chain.text-adds-up")
def _(c, rev, g):
    first = _paused(c)
    hop = c.create(None, previous_interaction_id=first["id"], continuation_token=first["continuation_token"])
    said, more = texts(first), texts(hop)
    assert more.startswith(said.split()[-1] + " ")


# --- the table itself ------------------------------------------------------------------------

def test_every_fault_rule_has_a_fault_and_a_test():
    ids = {r.id for r in RULES.faults()}
    assert set(FAULTS) == ids
    assert set(TESTS) == ids


@pytest.mark.parametrize("rule_id", sorted(FAULTS))
@pytest.mark.parametrize("revision", REVISIONS)
def test_fault_effect(make_client, rule_id, revision):
    if revision not in RULES[rule_id].revisions:
        pytest.skip(f"{rule_id} applies only to {', '.join(RULES[rule_id].revisions)}")
    extra = {"api_key": "k"} if rule_id == "auth.key.required" else {}
    client = make_client(revision, faults=frozenset({rule_id}), **extra)
    TESTS[rule_id](client, revision, get_profile(revision).grammar)


def test_fault_header_applies_per_request_and_sticks_to_its_interaction(make_client):
    c = make_client("2026-05-20")
    faulty = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x"},
                    headers={"X-Iconf-Fault": "lifecycle.terminal.immutable, usage.totals.add-up"}).json()
    clean = c.create("x")
    assert c.fetch(faulty["id"]).json()["status"] == "failed"
    assert c.fetch(clean["id"]).json()["status"] == "completed"
    u = clean["usage"]
    assert u["total_tokens"] == sum(u[k] for k in ("total_input_tokens", "total_output_tokens",
                                                   "total_thought_tokens", "total_tool_use_tokens"))


def test_unknown_fault_ids_are_refused():
    with pytest.raises(UnknownFaultError, match="valid faults"):
        validate_fault_ids(["nope"])
    with pytest.raises(UnknownFaultError, match="without a fault"):
        MockConfig(faults=frozenset({"schema.request.valid"}))


def test_every_fault_is_documented():
    doc = (__import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "mock.md").read_text()
    rows = [f"| `{rule_id}` | {f.where} | {f.effect} |" for rule_id, f in FAULTS.items()]
    assert [row for row in rows if row not in doc] == []
