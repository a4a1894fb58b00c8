"""The 2026-05-20 profile as of the newest SDK typings (API-FACTS §9: google-genai 3.6.1, @google/genai 3.3.0).

Every new status, step, delta, annotation, tool, request/resource field and widened enum: a valid payload
validates with no MUST violation (and no SHOULD either: the profile knows it), and the same payload with a
required field missing or a field mistyped still fails with a MUST. This is what ``iconf validate`` runs.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from conformance.checks import validate_document
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from tests import streams as S

P = get_profile("2026-05-20")
SCHEMAS = SchemaSet(P)
MODEL = "gemini-3-flash-preview"
SIG = "c2lnbmF0dXJl"


def _res(steps, **extra):
    return S.resource(P, steps, **extra)


def _text(t="Hi"):
    return S.text_item(P, t)


# --- valid payloads: (name, kind, document) ------------------------------------------------------------------

RESOURCES = {
    "status queued": _res([], status="queued"),
    "status idle": _res([_text()], status="idle"),
    "status budget_exceeded": _res([_text()], status="budget_exceeded"),
    "status requires_continuation": _res([_text("The first part")], status="requires_continuation",
                                         continuation_token="tok_abc"),
    "service_tier deferred": _res([_text()], service_tier="deferred"),
    "tool_search steps": _res([
        {"type": "tool_search_call", "id": "ts_1", "arguments": {"function_names": ["get_weather"]}, "signature": SIG},
        {"type": "tool_search_result", "call_id": "ts_1", "result": [{"type": "function", "name": "get_weather",
                                                                     "defer_loading": True}]},
        _text()]),
    "processing steps": _res([{"type": "processing_call", "id": "p_1"}, {"type": "processing_result", "call_id": "p_1"},
                              _text()]),
    "retrieval steps (rag_store)": _res([
        {"type": "retrieval_call", "id": "r_1", "arguments": {"queries": ["lighthouses"]}, "retrieval_type": "rag_store"},
        {"type": "retrieval_result", "call_id": "r_1", "is_error": False}, _text()]),
    "model_output.error": _res([{"type": "model_output", "content": [],
                                 "error": {"code": 8, "message": "quota", "details": [{"@type": "x"}]}}],
                               status="failed"),
    "annotations speech_metadata and word_info": _res([{"type": "model_output", "content": [{
        "type": "text", "text": "Hello there", "annotations": [
            {"type": "speech_metadata", "speaker": "A", "style": "calm", "start_index": 0, "end_index": 5},
            {"type": "word_info", "text": "Hello", "start_offset": "0s", "end_offset": "0.4s", "start_index": 0,
             "end_index": 5, "speaker": "A"}]}]}]),
    "document text/csv, audio/webm, video name": _res([{"type": "model_output", "content": [
        {"type": "document", "mime_type": "text/csv", "uri": "https://example.com/a.csv"},
        {"type": "document", "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "uri": "https://example.com/a.xlsx"},
        {"type": "audio", "mime_type": "audio/webm", "uri": "https://example.com/a.webm"},
        {"type": "video", "mime_type": "video/mp4", "uri": "https://example.com/a.mp4", "name": "clip"}]}]),
    "errors[], environment_id, labels, usage.initial_input_tokens": _res(
        [_text()], errors=[{"code": "gateway_timeout", "message": "a tool timed out"}], environment_id="env_1",
        labels={"team": "a"}, usage={**S.USAGE, "initial_input_tokens": 3}),
    "antigravity agent": {k: v for k, v in _res([_text()], agent="antigravity-preview-05-2026",
                                                agent_config={"type": "antigravity", "max_total_tokens": 10000},
                                                environment="remote").items() if k != "model"},
    "signed thought": _res([S.thought_item(P), _text()]),
}

_FN = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}
REQUESTS = {
    "tool_search, defer_loading": {"model": MODEL, "input": "Weather?", "tools": [
        {"type": "tool_search", "execution": "client"}, {**_FN, "defer_loading": True, "short_description": "w"},
        {"type": "mcp_server", "name": "m", "url": "https://example.com/mcp", "defer_loading": True}]},
    "computer_use mobile": {"model": MODEL, "input": "Open settings", "tools": [
        {"type": "computer_use", "environment": "mobile", "disabled_safety_policies": ["account_creation"],
         "enable_prompt_injection_detection": True}]},
    "retrieval rag_store": {"model": MODEL, "input": "Find it", "tools": [
        {"type": "retrieval", "retrieval_types": ["rag_store"], "rag_store_config": {"similarity_top_k": 5}}]},
    "thinking_level xhigh, transcription, video_config": {"model": MODEL, "input": "Think", "generation_config": {
        "thinking_level": "xhigh", "transcription_config": {"language_codes": ["en-US"]},
        "video_config": {"task": "text_to_video"}}},
    "response_format video": {"model": MODEL, "input": "A clip", "response_format": {
        "type": "video", "aspect_ratio": "16:9", "resolution": "720p", "delivery": "uri"}},
    "service_tier deferred, labels, safety_settings, environment": {
        "model": MODEL, "input": "Hi", "service_tier": "deferred", "labels": {"k": "v"},
        "safety_settings": [{"type": "harassment", "threshold": "block_only_high"}], "environment": "env_1"},
    "function_result with document/audio/video blocks": {"model": MODEL, "input": [
        {"type": "user_input", "content": [{"type": "text", "text": "Summarise the file"}]},
        {"type": "function_call", "id": "c1", "name": "get_file", "arguments": {}},
        {"type": "function_result", "call_id": "c1", "name": "get_file", "result": [
            {"type": "document", "mime_type": "text/csv", "data": "YSxi"},
            {"type": "audio", "mime_type": "audio/webm", "uri": "https://example.com/a.webm"},
            {"type": "video", "mime_type": "video/mp4", "uri": "https://example.com/a.mp4"},
            {"type": "text", "text": "done"}]}]},
    "continuation hop (no input)": {"model": MODEL, "previous_interaction_id": "v1_paused",
                                    "continuation_token": "tok_abc"},
    "antigravity agent without background": {"agent": "antigravity-preview-09-2026", "input": "Fix the build",
                                             "agent_config": {"type": "antigravity"}},
    "deep research with enable_bigquery_tool": {"agent": "deep-research-preview-04-2026", "input": "Research",
                                                "background": True,
                                                "agent_config": {"type": "deep-research", "enable_bigquery_tool": True}},
}


def _stream_doc() -> bytes:
    """A paused hop streamed: new steps, step.delta metadata, step.stop usage, status_update with a token."""
    g, iid = P.grammar, "v1_hop"
    u = S.USAGE
    evs = [
        {"event_type": g.created, "interaction": {"id": iid, "status": "queued", "object": "interaction",
                                                  "model": MODEL, "service_tier": "deferred"}},
        {"event_type": g.status_update, "interaction_id": iid, "status": "in_progress"},
        {"event_type": g.block_start, "index": 0, "step": {"type": "tool_search_call", "id": "ts_1"}},
        {"event_type": g.block_delta, "index": 0, "delta": {"type": "tool_search_call", "arguments": {
            "function_names": ["f"]}}},
        {"event_type": g.block_stop, "index": 0},
        {"event_type": g.block_start, "index": 1, "step": {"type": "retrieval_call", "id": "r_1"}},
        {"event_type": g.block_delta, "index": 1, "delta": {"type": "retrieval_call", "arguments": {"queries": ["q"]},
                                                            "retrieval_type": "exa_ai_search"}},
        {"event_type": g.block_stop, "index": 1},
        {"event_type": g.block_start, "index": 2, "step": {"type": "model_output"}},
        {"event_type": g.block_delta, "index": 2, "delta": {"type": "text", "text": "The first"},
         "metadata": {"total_usage": u}},
        {"event_type": g.block_stop, "index": 2, "usage": u, "step_usage": u},
        {"event_type": g.status_update, "interaction_id": iid, "status": "requires_continuation",
         "continuation_token": "tok_abc", "usage": u},
        {"event_type": g.completed, "interaction": {"id": iid, "status": "requires_continuation",
                                                    "continuation_token": "tok_abc", "object": "interaction",
                                                    "usage": u}},
    ]
    for i, ev in enumerate(evs):
        ev["event_id"] = f"evt_{i}"
    return S.to_bytes(evs) + b"event: done\ndata: [DONE]\n\n"


VALID = ([pytest.param("interaction", doc, id=name) for name, doc in RESOURCES.items()]
         + [pytest.param("request", doc, id=name) for name, doc in REQUESTS.items()]
         + [pytest.param("stream", None, id="stream: paused hop with new steps and fields")])


@pytest.mark.parametrize("kind,doc", VALID)
def test_todays_payloads_validate_cleanly(kind, doc):
    data = _stream_doc() if doc is None else json.dumps(doc).encode()
    _, violations = validate_document(SCHEMAS, data, kind)
    assert not violations, [str(v) for v in violations]


# --- broken versions: (name, kind, document, the rule expected at MUST) -------------------------------------------

def _without(doc, *path):
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


def _with(doc, value, *path):
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


BROKEN = [
    ("tool_search_call without id", "interaction", _without(RESOURCES["tool_search steps"], "steps", 0, "id"),
     "schema.interaction.valid"),
    ("tool_search_result without call_id", "interaction",
     _without(RESOURCES["tool_search steps"], "steps", 1, "call_id"), "schema.interaction.valid"),
    ("retrieval_call without arguments", "interaction",
     _without(RESOURCES["retrieval steps (rag_store)"], "steps", 0, "arguments"), "schema.interaction.valid"),
    ("processing_result call_id a number", "interaction",
     _with(RESOURCES["processing steps"], 7, "steps", 1, "call_id"), "schema.interaction.valid"),
    ("model_output.error.code a string", "interaction",
     _with(RESOURCES["model_output.error"], "RESOURCE_EXHAUSTED", "steps", 0, "error", "code"),
     "schema.interaction.valid"),
    ("continuation_token a number", "interaction",
     _with(RESOURCES["status requires_continuation"], 5, "continuation_token"), "schema.interaction.valid"),
    ("paused without a token", "interaction",
     _without(RESOURCES["status requires_continuation"], "continuation_token"), "continuation.paused.token"),
    ("errors not a list", "interaction", _with(RESOURCES["errors[], environment_id, labels, usage.initial_input_tokens"],
                                               {"code": "x"}, "errors"), "schema.interaction.valid"),
    ("word_info start_index a string", "interaction",
     _with(RESOURCES["annotations speech_metadata and word_info"], "0", "steps", 0, "content", 0, "annotations", 1,
           "start_index"), "schema.interaction.valid"),
    ("unsigned thought", "interaction", _without(RESOURCES["signed thought"], "steps", 0, "signature"),
     "thought.signature.present"),
    ("service_tier a number", "request", _with(REQUESTS["service_tier deferred, labels, safety_settings, environment"],
                                               3, "service_tier"), "schema.request.valid"),
    ("safety setting without threshold", "request",
     _without(REQUESTS["service_tier deferred, labels, safety_settings, environment"], "safety_settings", 0,
              "threshold"), "schema.request.valid"),
    ("thinking_level a number", "request",
     _with(REQUESTS["thinking_level xhigh, transcription, video_config"], 5, "generation_config", "thinking_level"),
     "schema.request.valid"),
    ("tool_search execution unknown (a request: MUST)", "request",
     _with(REQUESTS["tool_search, defer_loading"], "elsewhere", "tools", 0, "execution"), "schema.request.valid"),
    ("defer_loading a string", "request",
     _with(REQUESTS["tool_search, defer_loading"], "yes", "tools", 1, "defer_loading"), "schema.request.valid"),
    ("labels with a number value", "request",
     _with(REQUESTS["service_tier deferred, labels, safety_settings, environment"], {"k": 1}, "labels"),
     "schema.request.valid"),
    ("hop without previous_interaction_id", "request",
     _without(REQUESTS["continuation hop (no input)"], "previous_interaction_id"), "request.input.required"),
    ("deep research in the foreground", "request",
     _without(REQUESTS["deep research with enable_bigquery_tool"], "background"), "request.agent.background"),
]


@pytest.mark.parametrize("name,kind,doc,rule_id", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_versions_still_fail(name, kind, doc, rule_id):
    _, violations = validate_document(SCHEMAS, json.dumps(doc).encode(), kind)
    must = {v.rule_id for v in violations if v.level == "MUST"}
    assert rule_id in must, [str(v) for v in violations]


def test_broken_stream_fields_still_fail():
    data = _stream_doc().replace(b'"continuation_token": "tok_abc", "usage"', b'"continuation_token": 5, "usage"', 1)
    _, violations = validate_document(SCHEMAS, data, "stream")
    assert "schema.event.valid" in {v.rule_id for v in violations if v.level == "MUST"}


def test_iconf_validate_command_on_a_new_payload(tmp_path):
    good = tmp_path / "paused.json"
    good.write_text(json.dumps(RESOURCES["status requires_continuation"]))
    bad = tmp_path / "unsigned.json"
    bad.write_text(json.dumps(_without(RESOURCES["signed thought"], "steps", 0, "signature")))
    ok = subprocess.run([sys.executable, "-m", "conformance", "validate", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    fail = subprocess.run([sys.executable, "-m", "conformance", "validate", str(bad)], capture_output=True, text=True)
    assert fail.returncode == 1 and "thought.signature.present" in fail.stdout, fail.stdout + fail.stderr
