"""Bad input: always a 4xx in the error envelope, naming the field; never a 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.mock import MockConfig

from .helpers import MODEL, Client

_CODES = {"INVALID_ARGUMENT": "invalid_request", "NOT_FOUND": "not_found"}


def _error(response, status=400, google_status="INVALID_ARGUMENT"):
    """The live envelope (the default): a snake_case string code and a message, nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error == {"code": _CODES[google_status], "message": error["message"]}
    assert isinstance(error["message"], str)
    return error["message"]


def _post(client, body=None, **kw):
    if body is not None:
        kw["json"] = body
    return client.post("/v1beta/interactions", **kw)


def test_malformed_json(client):
    message = _error(_post(client, content=b'{"model": ', headers={"Content-Type": "application/json"}))
    assert "JSON" in message


def test_empty_body_and_non_object(client):
    assert "body" in _error(_post(client, content=b"", headers={"Content-Type": "application/json"}))
    assert "object" in _error(_post(client, [1, 2]))


def test_missing_input(client):
    assert "'input'" in _error(_post(client, {"model": MODEL}))


@pytest.mark.parametrize("body, named", [
    ({"input": "hi"}, ("'model'", "'agent'")),
    ({"model": MODEL, "agent": "deep-research-pro-preview-12-2025", "input": "hi", "background": True},
     ("'model'", "'agent'")),
])
def test_model_xor_agent(client, body, named):
    message = _error(_post(client, body))
    assert all(n in message for n in named)


def test_unknown_model_is_not_found(client):
    message = _error(_post(client, {"model": "gpt-4o", "input": "hi"}), 404, "NOT_FOUND")
    assert "gpt-4o" in message and "'model'" in message


def test_oversized_model_name(client):
    assert "'model'" in _error(_post(client, {"model": "gemini-" + "x" * 20000, "input": "hi"}))


def test_unknown_agent_is_not_found(client):
    _error(_post(client, {"agent": "nobody", "input": "hi", "background": True}), 404, "NOT_FOUND")


def test_agents_require_background(client):
    message = _error(_post(client, {"agent": "deep-research-preview-04-2026", "input": "hi"}))
    assert "'background'" in message


def test_store_false_with_background(client):
    message = _error(_post(client, {"model": MODEL, "input": "hi", "store": False, "background": True}))
    assert "'store'" in message and "'background'" in message


@pytest.mark.parametrize("field, value", [
    ("stream", "yes"), ("store", 1), ("background", "true"), ("system_instruction", 5),
    ("tools", {"type": "function"}), ("generation_config", []), ("previous_interaction_id", 7),
    ("model", 42), ("input", 3), ("response_modalities", "text"),
])
def test_wrong_types_name_the_field(client, field, value):
    body = {"model": MODEL, "input": "hi", field: value}
    assert f"'{field}" in _error(_post(client, body))


@pytest.mark.parametrize("config, named", [
    ({"temperature": 2.5}, "generation_config.temperature"),
    ({"temperature": -0.1}, "generation_config.temperature"),
    ({"top_p": 1.5}, "generation_config.top_p"),
    ({"top_p": "x"}, "generation_config.top_p"),
    ({"max_output_tokens": 0}, "generation_config.max_output_tokens"),
    ({"max_output_tokens": -5}, "generation_config.max_output_tokens"),
    ({"max_output_tokens": 1.5}, "generation_config.max_output_tokens"),
    ({"thinking_level": "extreme"}, "generation_config.thinking_level"),
])
def test_generation_config_bounds(client, config, named):
    assert named in _error(_post(client, {"model": MODEL, "input": "hi", "generation_config": config}))


@pytest.mark.parametrize("config", [{"temperature": 0}, {"temperature": 2}, {"top_p": 0}, {"top_p": 1},
                                    {"max_output_tokens": 1}])
def test_generation_config_edges_are_accepted(client, config):
    assert _post(client, {"model": MODEL, "input": "hi", "generation_config": config}).status_code == 200


def test_config_kind_must_match(client):
    assert "'generation_config'" in _error(_post(client, {
        "agent": "deep-research-pro-preview-12-2025", "input": "hi", "background": True,
        "generation_config": {"temperature": 1}}))
    assert "'agent_config'" in _error(_post(client, {"model": MODEL, "input": "hi",
                                                     "agent_config": {"type": "dynamic"}}))


def test_bad_input_items_name_their_path(client, rev):
    assert "input[0].text" in _error(_post(client, {"model": MODEL, "input": [{"type": "text", "text": 5}]}))
    assert "input[1].type" in _error(_post(client, {"model": MODEL, "input": [
        {"type": "text", "text": "a"}, {"type": "hologram"}]}))
    assert "'tools[0].type'" in _error(_post(client, {"model": MODEL, "input": "x", "tools": [{"type": "laser"}]}))


def test_unknown_directive_is_rejected(client):
    assert "directive" in _error(_post(client, {"model": MODEL, "input": "hi [iconf: teleport]"}))


def test_last_event_id_needs_stream(client):
    iid = client.create("hi")["id"]
    assert "last_event_id" in _error(client.fetch(iid, last_event_id="evt_0001"))
    assert "last_event_id" in _error(client.fetch(iid, stream="false", last_event_id="evt_0001"))


def test_bad_query_flags(client):
    iid = client.create("hi")["id"]
    assert "'stream'" in _error(client.fetch(iid, stream="maybe"))


def test_unknown_route_and_method_use_the_envelope(client):
    response = client.get("/v1beta/nothing")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.request("PUT", "/v1beta/interactions")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_integer_envelope_on_request(make_client):
    """error_code="integer" (iconf mock --error-code integer) sends the Google envelope instead."""
    c = make_client(error_code="integer")
    response = _post(c, {"model": MODEL})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error == {"code": 400, "status": "INVALID_ARGUMENT", "message": error["message"]}
    assert "'input'" in error["message"]
    assert c.get("/v1beta/interactions/v1_nope").json()["error"]["status"] == "NOT_FOUND"
    assert c.get("/v1beta/nothing").json()["error"]["code"] == 404


def test_failed_run_error_event_follows_the_envelope_style(make_client):
    for style, code in (("string", "internal"), ("integer", 500)):
        c = make_client(error_code=style)
        text = c.post("/v1beta/interactions", json={"model": MODEL, "input": "[iconf: fail]", "stream": True}).text
        error_line = [line for line in text.splitlines() if line.startswith("data:") and '"error"' in line][-1]
        assert json.loads(error_line[5:])["error"]["code"] == code


def test_unknown_error_code_style_is_rejected():
    with pytest.raises(ValueError, match="error_code"):
        MockConfig(error_code="float")


def test_unknown_fault_header_is_rejected(client):
    response = client.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                           headers={"X-Iconf-Fault": "no.such.rule"})
    message = _error(response)
    assert "X-Iconf-Fault" in message and "no.such.rule" in message


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=8)
_fields = st.fixed_dictionaries({}, optional={
    k: _json for k in ("model", "agent", "input", "stream", "store", "background", "tools", "generation_config",
                       "system_instruction", "previous_interaction_id", "response_format", "response_modalities",
                       "agent_config", "response_mime_type", "service_tier")})


@pytest.fixture(scope="module")
def fuzz_client():
    client = Client(MockConfig())
    yield client
    client.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_fields | _json)
def test_fuzzed_bodies_never_5xx(fuzz_client, body):
    response = fuzz_client.post("/v1beta/interactions", content=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json"})
    assert response.status_code < 500, (body, response.text)
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize("extra, named", [
    ({"generation_config": {"speech_config": "loud"}}, "generation_config.speech_config"),
    ({"generation_config": {"seed": 2 ** 40}}, "generation_config.seed"),
    ({"tools": [{"type": "function", "name": "f", "description": 5}]}, "tools[0].description"),
    ({"tools": [{"type": "google_search", "search_types": ["moon_search"]}]}, "tools[0].search_types[0]"),
    ({"input": [{"type": "image", "mime_type": "image/x-nope", "data": "AA=="}]}, "input[0].mime_type"),
    ({"input": {"type": "text", "text": "a", "annotations": [{"type": "url_citation", "start_index": "0"}]}},
     "input.annotations[0]"),
])
def test_schema_violations_deep_in_the_body_name_the_path(client, extra, named):
    assert named in _error(_post(client, {"model": MODEL, "input": "hi", **extra}))
