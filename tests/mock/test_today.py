"""Today's API (API-FACTS §9): what current SDKs send is accepted, and the newer steps can be provoked.

Request side: tool_search, service_tier deferred, thinking_level xhigh, the newer mime types, computer_use
mobile, retrieval over rag_store, labels/environment, the antigravity agents without background. Answer
side: tool_search/retrieval/processing step pairs, speech_metadata/word_info annotations, model_output.error
with errors[], usage on the last step.delta (metadata.total_usage) and step.stop, and the revision served
without an Api-Revision header.
"""

import json

import pytest

from conformance.profiles import get_profile

from .helpers import MODEL, assemble, parse_sse

STEPS = "2026-05-20"


def _ok(response):
    assert response.status_code == 200, response.text
    return response.json()


def _post(client, body):
    return client.post("/v1beta/interactions", json=body, headers={"Api-Revision": STEPS})


@pytest.mark.parametrize("fields", [
    {"tools": [{"type": "tool_search"}]},
    {"tools": [{"type": "tool_search", "execution": "client", "name": "find_tools", "description": "d",
                "parameters": {"type": "object"}}]},
    {"tools": [{"type": "function", "name": "lookup", "defer_loading": True}, {"type": "tool_search"}]},
    {"service_tier": "deferred"},
    {"generation_config": {"thinking_level": "xhigh"}},
    {"tools": [{"type": "computer_use", "environment": "mobile"}]},
    {"tools": [{"type": "computer_use", "environment": "desktop", "enable_prompt_injection_detection": True}]},
    {"tools": [{"type": "retrieval", "retrieval_types": ["rag_store"],
                "rag_store_config": {"rag_resources": [{"rag_corpus": "projects/p/locations/l/ragCorpora/c"}]}}]},
    {"labels": {"team": "conformance"}},
])
def test_current_sdk_requests_are_accepted(make_client, fields):
    body = _ok(_post(make_client(), {"model": MODEL, "input": "hi", **fields}))
    assert body["status"] == "completed"
    for key, value in fields.items():
        assert body[key] == value  # echoed as sent


@pytest.mark.parametrize("block", [
    {"type": "document", "mime_type": "text/csv", "data": "YSxiCjEsMgo="},
    {"type": "document", "data": "UEsDBA==",
     "mime_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"type": "audio", "mime_type": "audio/webm", "data": "GkXfow=="},
])
def test_newer_mime_types_are_accepted(make_client, block):
    body = _ok(_post(make_client(), {"model": MODEL, "input": [{"type": "user_input", "content": [block]}]}))
    assert body["status"] == "completed"


def test_function_result_may_hold_media(make_client):
    c = make_client()
    tools = [{"type": "function", "name": "render", "parameters": {"type": "object"}}]
    first = _ok(_post(c, {"model": MODEL, "input": "[iconf: function_call]", "tools": tools}))
    call = first["steps"][-1]
    result = {"type": "function_result", "call_id": call["id"], "name": "render",
              "result": [{"type": "document", "mime_type": "application/pdf", "data": "JVBERi0="},
                         {"type": "text", "text": "rendered"}]}
    done = _ok(_post(c, {"model": MODEL, "previous_interaction_id": first["id"], "input": [result], "tools": tools}))
    assert done["status"] == "completed"


@pytest.mark.parametrize("agent", ["antigravity-preview-05-2026", "antigravity-preview-09-2026"])
def test_antigravity_agents_run_in_the_foreground(make_client, agent):
    c = make_client()
    body = _ok(_post(c, {"agent": agent, "input": "List the files", "environment": "remote",
                         "agent_config": {"type": "antigravity", "model": "gemini-3-flash-preview"}}))
    assert body["status"] == "completed" and body["agent"] == agent and body["role"] == "agent"
    assert [s["type"] for s in body["steps"]] == ["thought", "code_execution_call", "code_execution_result",
                                                  "model_output"]
    assert body["environment"] == "remote" and body["environment_id"].startswith("env_")
    background = _ok(_post(c, {"agent": agent, "input": "again", "background": True}))
    assert background["status"] == "in_progress"


def test_deep_research_still_needs_background(make_client):
    response = _post(make_client(), {"agent": "deep-research-preview-04-2026", "input": "x"})
    assert response.status_code == 400 and "'background'" in response.json()["error"]["message"]


def test_unknown_agent_is_404_naming_the_known_ones(make_client):
    response = _post(make_client(), {"agent": "antigravity-preview-01-2020", "input": "x"})
    assert response.status_code == 404
    assert "antigravity-preview-05-2026" in response.json()["error"]["message"]


def test_no_revision_header_serves_2026_05_20(make_client):
    c = make_client()
    body = c.post("/v1/interactions", json={"model": MODEL, "input": "hi"}).json()  # what SDKs >= 2.11 send
    assert "steps" in body and "outputs" not in body
    legacy = c.post("/v1/interactions", json={"model": MODEL, "input": "hi"}, headers={"Api-Revision": "2026-05-07"})
    assert "outputs" in legacy.json() and "steps" not in legacy.json()


def _steps(client, directive, **fields):
    body = _ok(_post(client, {"model": MODEL, "input": f"Find it [iconf: {directive}]", **fields}))
    return body, [s["type"] for s in body["steps"]]


def test_newer_step_pairs(make_client):
    c = make_client()
    body, kinds = _steps(c, "tool_search", tools=[{"type": "function", "name": "lookup", "defer_loading": True},
                                                  {"type": "tool_search"}])
    assert kinds == ["tool_search_call", "tool_search_result", "model_output"]
    call, result = body["steps"][:2]
    assert call["arguments"] == {"function_names": ["lookup"]} and result["call_id"] == call["id"]
    assert result["result"][0]["name"] == "lookup"
    body, kinds = _steps(c, "retrieval", tools=[{"type": "retrieval", "retrieval_types": ["rag_store"]}])
    assert kinds == ["retrieval_call", "retrieval_result", "model_output"]
    assert body["steps"][0]["retrieval_type"] == "rag_store" and body["steps"][0]["arguments"]["queries"]
    body, kinds = _steps(c, "processing")
    assert kinds == ["processing_call", "processing_result", "model_output"]
    assert all(isinstance(s["signature"], str) and s["signature"] for s in body["steps"][:2])


def test_newer_steps_are_not_produced_in_legacy(make_client):
    c = make_client()
    body = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x [iconf: tool_search, processing, "
                                                "retrieval, transcript, output_error]"},
                  headers={"Api-Revision": "2026-05-07"}).json()
    assert [o["type"] for o in body["outputs"]] == ["text"] and "errors" not in body
    assert "annotations" not in body["outputs"][0]


def test_transcript_annotations(make_client):
    body, _ = _steps(make_client(), "transcript")
    annotations = body["steps"][-1]["content"][0]["annotations"]
    assert {a["type"] for a in annotations} == {"speech_metadata", "word_info"}
    text = body["steps"][-1]["content"][0]["text"]
    word = next(a for a in annotations if a["type"] == "word_info")
    assert text.encode()[word["start_index"]:word["end_index"]].decode() == word["text"]


def test_output_error_and_errors_list(make_client):
    c = make_client()
    body, _ = _steps(c, "output_error")
    assert body["status"] == "completed"
    step = body["steps"][-1]
    assert step["type"] == "model_output" and isinstance(step["error"]["code"], int) and step["error"]["message"]
    assert body["errors"] == [{"code": "output_error", "message": step["error"]["message"]}]
    stored = c.get(f"/v1beta/interactions/{body['id']}").json()
    assert stored["steps"][-1]["error"] == step["error"] and stored["errors"] == body["errors"]


def test_stream_carries_usage_on_the_last_step_and_the_output_error(make_client):
    c = make_client()
    response = _post(c, {"model": MODEL, "input": "x [iconf: thought, output_error]", "stream": True})
    frames = parse_sse(response.text)
    events = [ev for _, ev in frames]
    completed = events[-1]
    assert completed["event_type"] == "interaction.completed"
    stops = [ev for ev in events if ev["event_type"] == "step.stop"]
    assert "usage" not in stops[0] and stops[-1]["usage"] == completed["interaction"]["usage"]
    last_delta = [ev for ev in events if ev["event_type"] == "step.delta"][-1]
    assert last_delta["metadata"] == {"total_usage": completed["interaction"]["usage"]}
    items = assemble(frames, get_profile(STEPS))
    stored = c.get(f"/v1beta/interactions/{completed['interaction']['id']}").json()
    assert items[-1]["error"] == stored["steps"][-1]["error"]


def test_legacy_streams_carry_no_step_usage(make_client):
    c = make_client()
    text = c.post("/v1beta/interactions", json={"model": MODEL, "input": "x", "stream": True},
                  headers={"Api-Revision": "2026-05-07"}).text
    assert all("metadata" not in ev and "usage" not in ev for _, ev in parse_sse(text)
               if isinstance(ev, dict) and ev.get("event_type", "").startswith("content."))


def test_unknown_directive_lists_the_new_ones(make_client):
    response = _post(make_client(), {"model": MODEL, "input": "[iconf: nope]"})
    message = response.json()["error"]["message"]
    for name in ("continuation", "tool_search", "retrieval", "processing", "output_error", "transcript", "long"):
        assert name in message
    json.dumps(message)


def test_gemma_models_and_environment_objects_are_accepted(make_client):
    c = make_client()
    body = _ok(_post(c, {"model": "gemma-4-31b-it", "input": "hi"}))
    assert body["model"] == "gemma-4-31b-it" and body["status"] == "completed"
    agent = _ok(_post(c, {"agent": "antigravity-preview-05-2026", "input": "hi", "environment": "env_existing_1"}))
    assert agent["environment_id"] == "env_existing_1"
