"""Chaining with previous_interaction_id, function calling and the input forms."""

import json

import pytest

from .helpers import MODEL, flat_blocks, items_of, texts

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def test_previous_interaction_carries_the_conversation(client):
    first = client.create("My name is Ada.")
    assert "Ada" in texts(first)
    second = client.create("What is my name?", previous_interaction_id=first["id"])
    assert "Your name is Ada." in texts(second)
    third = client.create("What is my name?", previous_interaction_id=second["id"])
    assert "Ada" in texts(third)
    assert "do not know" in texts(client.create("What is my name?"))
    assert third["previous_interaction_id"] == second["id"]


def test_turn_counter_shows_history(client):
    first = client.create("one")
    second = client.create("two", previous_interaction_id=first["id"])
    assert "Scripted answer 1" in texts(first) and "Scripted answer 2" in texts(second)


def test_settings_are_not_inherited(client):
    first = client.create("setup", system_instruction="Talk like a pirate.", tools=[WEATHER],
                          generation_config={"temperature": 0.2})
    echoed = json.loads(texts(client.create("[iconf: echo]", previous_interaction_id=first["id"])))
    assert echoed == {"system_instruction": None, "tools": [], "generation_config": None}
    own = json.loads(texts(client.create("[iconf: echo]", previous_interaction_id=first["id"],
                                         system_instruction="Be terse.", tools=[{"type": "google_search"}],
                                         generation_config={"seed": 3})))
    assert own == {"system_instruction": "Be terse.", "tools": ["google_search"], "generation_config": {"seed": 3}}


def _call(body):
    return next(b for b in items_of(body) if b["type"] == "function_call")


def _result(rev, call_id, result, name="get_weather"):
    return [{"type": "function_result", "call_id": call_id, "name": name, "result": result}]


def test_function_call_round_trip(client, rev):
    asked = client.create("Weather in Paris? [iconf: function_call]", tools=[WEATHER])
    assert asked["status"] == "requires_action"
    call = _call(asked)
    assert call["name"] == "get_weather" and call["arguments"] == {"city": "example city"} and call["id"]
    answered = client.create(_result(rev, call["id"], {"temp_c": 21}), previous_interaction_id=asked["id"],
                             tools=[WEATHER])
    assert answered["status"] == "completed"
    assert "get_weather returned" in texts(answered) and "21" in texts(answered)


def test_function_result_with_unknown_call_id_is_rejected(client, rev):
    asked = client.create("[iconf: function_call]", tools=[WEATHER])
    response = client.post("/v1beta/interactions", json={
        "model": MODEL, "previous_interaction_id": asked["id"], "input": _result(rev, "call_wrong", "x")})
    assert response.status_code == 400 and "call_id" in response.json()["error"]["message"]
    response = client.post("/v1beta/interactions", json={"model": MODEL, "input": _result(rev, "call_x", "x")})
    assert response.status_code == 400


def test_function_call_by_name_and_without_tools(client):
    other = {"type": "function", "name": "get_time"}
    body = client.create("[iconf: function_call=get_time]", tools=[WEATHER, other])
    assert _call(body)["name"] == "get_time" and _call(body)["arguments"] == {}
    assert client.create("[iconf: function_call]")["status"] == "completed"


def test_stateless_function_history_2026(make_client):
    c = make_client("2026-05-20")
    asked = c.create("[iconf: function_call]", tools=[WEATHER])
    steps = [{"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]}, _call(asked),
             {"type": "function_result", "call_id": _call(asked)["id"], "result": "sunny"}]
    body = c.create(steps, tools=[WEATHER])
    assert body["status"] == "completed" and "sunny" in texts(body)
    got = c.fetch(body["id"]).json()
    assert [s["type"] for s in got["steps"]] == ["user_input", "function_call", "function_result", "model_output"]


@pytest.mark.parametrize("form", ["string", "content", "content_list"])
def test_input_forms_both_revisions(client, form):
    value = {"string": "hello form", "content": {"type": "text", "text": "hello form"},
             "content_list": [{"type": "text", "text": "hello"}, {"type": "text", "text": "form"}]}[form]
    body = client.create(value)
    assert body["status"] == "completed" and "hello" in texts(body)


def test_turns_legacy_only(make_client):
    turns = [{"role": "user", "content": "My name is Grace."}, {"role": "model", "content": "Hi Grace."},
             {"role": "user", "content": [{"type": "text", "text": "What is my name?"}]}]
    legacy = make_client("legacy")
    body = legacy.create(turns)
    assert "Grace" in texts(body)
    assert legacy.fetch(body["id"], include_input="true").json()["input"] == turns
    new = make_client("2026-05-20")
    response = new.post("/v1beta/interactions", json={"model": MODEL, "input": turns})
    assert response.status_code == 400 and "Turn" in response.json()["error"]["message"]


def test_steps_input_2026(make_client):
    c = make_client("2026-05-20")
    steps = [{"type": "user_input", "content": [{"type": "text", "text": "My name is Lin."}]},
             {"type": "model_output", "content": [{"type": "text", "text": "Hello Lin."}]},
             {"type": "user_input", "content": [{"type": "text", "text": "What is my name?"}]}]
    body = c.create(steps)
    assert "Lin" in texts(body)
    got = c.fetch(body["id"]).json()
    assert got["steps"][:3] == steps and got["steps"][3]["type"] == "model_output"


def test_media_input_is_accepted(client):
    body = client.create([{"type": "text", "text": "describe"},
                          {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png"}])
    assert body["usage"]["total_input_tokens"] > 64


def test_deleted_previous_is_not_found(client):
    first = client.create("x")
    client.delete(f"/v1beta/interactions/{first['id']}")
    response = client.post("/v1beta/interactions", json={"model": MODEL, "input": "y",
                                                         "previous_interaction_id": first["id"]})
    assert response.status_code == 404 and "previous_interaction_id" in response.json()["error"]["message"]


def test_legacy_thought_and_tools_in_content_input(make_client):
    c = make_client("legacy")
    first = c.create("[iconf: thought, google_search]")
    history = [{"role": "user", "content": "q"}, {"role": "model", "content": first["outputs"]},
               {"role": "user", "content": "and now?"}]
    assert c.create(history)["status"] == "completed"
    assert [b["type"] for b in flat_blocks(first)][:3] == ["thought", "google_search_call", "google_search_result"]
