"""Every rule in the catalogue: one conforming example passes, one violating example fails with that rule's ID.

The table below must cover the whole catalogue (a test enforces it), so a
new rule cannot be added without showing it can both pass and fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest

from conformance.checks import (
    ConversationState,
    Exchange,
    LifecycleTracker,
    check_continuation_chain,
    check_delete_body,
    check_error_body,
    check_exchange,
    check_get_params,
    check_headers,
    check_interaction,
    check_request,
    check_stream_bytes,
    compare_with_resource,
    hop_accepted,
    legacy_retired,
)
from conformance.checks import behaviour as b
from conformance.profiles import get_profile
from conformance.rules import RULES
from conformance.schema import SchemaSet
from conformance.strictness import Strictness
from tests import streams as S

Check = Callable[[SchemaSet, bool], list]  # (schemas, violate?) -> violations


def _stream(schemas: SchemaSet, mutate=None, **kw) -> list:
    p = schemas.profile
    events = S.events_for(p, S.sample_items(p))
    if mutate:
        events = mutate(p, events) or events
    data = S.to_bytes(events) if not isinstance(events, bytes) else events
    return check_stream_bytes(schemas, data, **kw).violations


def _idx(events, event_type, nth=0):
    return [i for i, e in enumerate(events) if e["event_type"] == event_type][nth]


def _req(p, **kw):
    body = {"model": "gemini-3-flash-preview", "input": "Hello"}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def _created(p):
    return S.resource(p, [S.text_item(p, "Hi")])


# --- examples, keyed by rule ID ------------------------------------------------------------------

def ex_schema_request_valid(s, bad):
    return check_request(s, _req(s.profile, stream="yes" if bad else True))


def ex_schema_request_no_read_only(s, bad):
    return check_request(s, _req(s.profile, status="completed" if bad else None))


def ex_schema_interaction_valid(s, bad):
    body = _created(s.profile)
    if bad:
        del body["created"]
    return check_interaction(s, body)


def ex_schema_interaction_object_field(s, bad):
    body = _created(s.profile)
    if bad:
        del body["object"]
    return check_interaction(s, body)


def ex_schema_event_valid(s, bad):
    def mutate(p, events):
        if bad:
            events[_idx(events, p.grammar.status_update)]["status"] = 7
    return _stream(s, mutate)


def ex_schema_type_known(s, bad):
    p = s.profile
    body = _created(p)
    if bad:
        body[p.items_field].append({"type": "hologram", "data": "x"})
    return check_interaction(s, body)


def ex_schema_value_known(s, bad):
    body = _created(s.profile)
    body["role"] = "model"
    body["usage"] = dict(body["usage"], output_tokens_by_modality=[{"modality": "hologram" if bad else "text",
                                                                    "tokens": 1}])
    return check_interaction(s, body)


def ex_schema_field_known(s, bad):
    body = _created(s.profile)
    if bad:
        body["sparkle_level"] = 3
    return check_interaction(s, body)


def ex_schema_delete_empty_object(s, bad):
    return check_delete_body({"deleted": True} if bad else {})


def ex_error_envelope_shape(s, bad):
    body = {"message": "nope"} if bad else {"error": {"code": 400, "message": "input is required", "status": "INVALID_ARGUMENT"}}
    return check_error_body(s, 400, body)


def ex_error_bad_input_no_5xx(s, bad):
    ex = Exchange("POST", "/v1beta/interactions", request_body=None, request_raw=b"{not json",
                  status=500 if bad else 400, response_body={"error": {"code": 500 if bad else 400, "message": "x"}})
    return check_exchange(s, ex)


def ex_error_bad_input_rejected(s, bad):
    ex = Exchange("POST", "/v1beta/interactions", request_body=None, request_raw=b"{not json",
                  status=200 if bad else 400,
                  response_body=_created(s.profile) if bad else {"error": {"code": 400, "message": "bad JSON"}})
    return check_exchange(s, ex)


def ex_error_not_found_404(s, bad):
    return b.not_found_404(200 if bad else 404, what="GET of an unknown id")


def ex_auth_key_required(s, bad):
    return b.auth_key_required(200 if bad else 401)


def ex_request_valid_accepted(s, bad):
    return b.valid_request_accepted(400 if bad else 200, {"error": {"code": 400, "message": "x"}} if bad else {})


def ex_request_model_xor_agent(s, bad):
    return check_request(s, _req(s.profile, agent="deep-research-pro-preview-12-2025" if bad else None))


def ex_request_input_required(s, bad):
    body = _req(s.profile)
    if bad:
        del body["input"]
    return check_request(s, body)


def ex_request_store_false_no_background(s, bad):
    return check_request(s, _req(s.profile, store=False, background=True if bad else None))


def ex_request_store_false_no_previous(s, bad):
    state = ConversationState()
    state.record({"id": "v1_old"}, store=not bad)
    return check_request(s, _req(s.profile, previous_interaction_id="v1_old"), state=state)


def ex_request_agent_background(s, bad):
    return check_request(s, {"agent": "deep-research-pro-preview-12-2025", "input": "Research",
                             "background": not bad})


def ex_request_config_matches_kind(s, bad):
    body = {"agent": "deep-research-pro-preview-12-2025", "input": "x", "background": True}
    if bad:
        body["generation_config"] = {"temperature": 1}
    return check_request(s, body)


def ex_request_last_event_id_needs_stream(s, bad):
    return check_get_params({"last_event_id": "evt_3"} if bad else {"last_event_id": "evt_3", "stream": "true"})


def ex_request_function_result_call_id(s, bad):
    p = s.profile
    state = ConversationState()
    state.record(S.resource(p, [S.function_call_item(p, "call_1")], status="requires_action", iid="v1_fc"),
                 items_field=p.items_field)
    result = {"type": "function_result", "call_id": "call_9" if bad else "call_1", "name": "get_weather",
              "result": {"temp": 20}}
    return check_request(s, _req(p, input=[result], previous_interaction_id="v1_fc"), state=state)


def ex_request_generation_config_bounds(s, bad):
    return check_request(s, _req(s.profile, generation_config={"temperature": 3.5 if bad else 0.5}))


def ex_request_content_type_json(s, bad):
    return check_headers("POST", {"x-goog-api-key": "k", "content-type": "text/plain" if bad else "application/json"},
                         {}, True)


def ex_request_auth_key_present(s, bad):
    return check_headers("GET", {} if bad else {"x-goog-api-key": "k"}, {}, False)


def ex_request_response_format_mime_type(s, bad):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    return check_request(s, _req(s.profile, response_format=schema,
                                 response_mime_type=None if bad else "application/json"))


def ex_stream_content_type(s, bad):
    return _stream(s, content_type="text/plain" if bad else "text/event-stream; charset=utf-8")


def ex_stream_framing_json_data(s, bad):
    def mutate(p, events):
        data = S.to_bytes(events)
        return data.replace(b"data: {", b"data: {{", 1) if bad else data
    return _stream(s, mutate)


def ex_stream_framing_bare_json(s, bad):
    def mutate(p, events):
        data = S.to_bytes(events[:4])
        if bad:  # how a mid-stream refusal has been seen (js-genai#1973)
            data += b'{"error": {"code": "prohibited_content", "message": "refused"}}\n\n'
        return data + S.to_bytes(events[4:])
    return _stream(s, mutate)


def ex_stream_framing_utf8(s, bad):
    def mutate(p, events):
        data = S.to_bytes(events)
        # a heartbeat comment with Latin-1 bytes: the events themselves still parse
        return data.replace(b"\n\n", b"\n\n: caf\xe9\n\n" if bad else b"\n\n: caf\xc3\xa9\n\n", 1)
    return _stream(s, mutate)


def ex_schema_response_json(s, bad):
    from conformance.checks import check_json_answer
    from conformance.targets import parse_json_body

    raw = '{"id": "caf\xe9"}'.encode("latin-1") if bad else '{"id": "caf\xe9"}'.encode()
    body, problem = parse_json_body(raw)
    return check_json_answer("application/json; charset=utf-8", problem) + check_json_answer(
        "text/html" if bad else "application/problem+json", None)


def ex_stream_framing_done_frame(s, bad):
    strict = SchemaSet(s.profile, s.path, Strictness(done_frame="forbid"))
    def mutate(p, events):
        return S.to_bytes(events) + (b"event: done\ndata: [DONE]\n\n" if bad else b"")
    return _stream(strict, mutate)


def ex_stream_event_name_matches(s, bad):
    def mutate(p, events):
        i = _idx(events, p.grammar.block_delta)
        return b"".join(S.frame(e, "message" if bad and n == i else "same") for n, e in enumerate(events))
    return _stream(s, mutate)


def ex_stream_event_known_type(s, bad):
    other = get_profile("legacy" if s.profile.name != "legacy" else "2026-05-20")
    def mutate(p, events):
        if bad:
            events[0]["event_type"] = other.grammar.created
    return _stream(s, mutate)


def ex_stream_order_created_first(s, bad):
    def mutate(p, events):
        if bad:
            events[0], events[1] = events[1], events[0]
    return _stream(s, mutate)


def ex_stream_terminal_exactly_one(s, bad):
    def mutate(p, events):
        return events[:-1] if bad else events
    return _stream(s, mutate)


def ex_stream_terminal_last(s, bad):
    def mutate(p, events):
        if bad:
            events.append(dict(events[1]))
    return _stream(s, mutate)


def ex_stream_block_start_first(s, bad):
    def mutate(p, events):
        if bad:
            i = _idx(events, p.grammar.block_start, 1)
            events[i], events[i + 1] = events[i + 1], events[i]
    return _stream(s, mutate)


def ex_stream_block_index_consecutive(s, bad):
    def mutate(p, events):
        if bad:
            for e in events:
                if e.get("index") == 1:
                    e["index"] = 2
    return _stream(s, mutate)


def ex_stream_block_closed(s, bad):
    def mutate(p, events):
        if bad:
            del events[_idx(events, p.grammar.block_stop, 1)]
    return _stream(s, mutate)


def ex_stream_delta_type_matches(s, bad):
    def mutate(p, events):
        if bad:
            events[_idx(events, p.grammar.block_delta)]["delta"] = {"type": "text", "text": "oops"}
    return _stream(s, mutate)


def ex_stream_block_assembled_valid(s, bad):
    p = s.profile
    items = [S.function_call_item(p)]
    events = S.events_for(p, items, status="requires_action")
    if bad:
        if p.items_field == "steps":
            for e in events:
                if e.get("delta", {}).get("type") == "arguments_delta":
                    e["delta"]["arguments"] = "{broken"
        else:
            del events[_idx(events, p.grammar.block_delta)]["delta"]["arguments"]
    return check_stream_bytes(s, S.to_bytes(events)).violations


def ex_stream_event_id_unique(s, bad):
    def mutate(p, events):
        if bad:
            events[3]["event_id"] = events[2]["event_id"]
    return _stream(s, mutate)


def ex_stream_event_id_resumable(s, bad):
    from conformance.checks.resume import check_resume
    p = s.profile
    events = S.events_for(p, S.sample_items(p))
    cut = 4
    replay = events[cut + 1:] if not bad else events[cut:]
    return check_resume(events, events[cut]["event_id"], replay)


def ex_stream_interaction_id_consistent(s, bad):
    def mutate(p, events):
        if bad:
            events[1]["interaction_id"] = "v1_other"
    return _stream(s, mutate)


def ex_stream_status_legal_transition(s, bad):
    def mutate(p, events):
        if bad:
            events.insert(-1, {"event_type": p.grammar.status_update, "interaction_id": "v1_abc", "status": "in_progress"})
    return _stream(s, mutate)


def ex_stream_assembly_matches_resource(s, bad):
    p = s.profile
    items = S.sample_items(p)
    result = check_stream_bytes(s, S.to_bytes(S.events_for(p, items)))
    stored = copy.deepcopy(items)
    if bad:
        stored[-1] = S.text_item(p, "A different answer.")
    return compare_with_resource(p, result.items, S.resource(p, stored))


def _observe(p, statuses, **kw):
    t = LifecycleTracker(p)
    out = []
    for st in statuses:
        body = S.resource(p, [], status=st)
        body.update(kw)
        out += t.observe(body)
    return out


def ex_lifecycle_status_known(s, bad):
    # "COMPLETED" is a known status misspelt (wrong); a new lower-case value would be schema.value.known
    return _observe(s.profile, ["in_progress", "COMPLETED" if bad else "completed"])


def ex_lifecycle_transition_legal(s, bad):
    return _observe(s.profile, ["requires_action", "in_progress"] if not bad else ["in_progress", "queued"])


def ex_lifecycle_terminal_immutable(s, bad):
    return _observe(s.profile, ["in_progress", "completed", "failed" if bad else "completed"])


def ex_lifecycle_timestamps_ordered(s, bad):
    return _observe(s.profile, ["completed"], updated="2026-11-21T04:00:00Z" if bad else S.UPDATED)


def ex_lifecycle_id_stable(s, bad):
    p = s.profile
    t = LifecycleTracker(p)
    return t.observe(S.resource(p, [], status="in_progress")) + t.observe(
        S.resource(p, [], iid="v1_other" if bad else "v1_abc"))


def ex_store_default_retrievable(s, bad):
    return b.store_default_retrievable(404 if bad else 200)


def ex_store_false_not_retrievable(s, bad):
    return b.store_false_not_retrievable(200 if bad else 404)


def ex_background_create_in_progress(s, bad):
    p = s.profile
    return b.background_create_in_progress(p, S.resource(p, [], status="completed" if bad else "in_progress"))


def ex_background_poll_reaches_terminal(s, bad):
    return b.background_poll_reaches_terminal(s.profile, ["in_progress"] + ([] if bad else ["completed"]), 5)


def ex_cancel_running_cancelled(s, bad):
    p = s.profile
    return b.cancel_running_cancelled(200, S.resource(p, [], status="completed" if bad else "cancelled"))


def ex_cancel_finished_rejected(s, bad):
    return b.cancel_finished_rejected(200 if bad else 400)


def ex_delete_no_trace(s, bad):
    return b.delete_no_trace(200 if bad else 404, 404, 400)


def ex_timeline_post_model_only(s, bad):
    p = s.profile
    items = [S.text_item(p, "Hi")]
    if bad:
        items.insert(0, {"type": "user_input", "content": [{"type": "text", "text": "Hello"}]})
    return b.timeline_post_model_only(p, S.resource(p, items))


def ex_timeline_get_starts_with_input(s, bad):
    p = s.profile
    items = [S.text_item(p, "Hi")]
    if not bad:
        items.insert(0, {"type": "user_input", "content": [{"type": "text", "text": "Hello"}]})
    return b.timeline_get_starts_with_input(p, S.resource(p, items))


def ex_timeline_legacy_outputs_model_only(s, bad):
    p = s.profile
    body = S.resource(p, [S.text_item(p, "Hi")], **({"input": "Hello"} if bad else {}))
    return b.timeline_legacy_outputs_model_only(p, body, "Hello")


def ex_previous_context_carried(s, bad):
    return b.previous_context_carried("I don't know." if bad else "Your name is Ada.", "Ada")


def ex_previous_settings_not_inherited(s, bad):
    p = s.profile
    body = S.resource(p, [], **({"system_instruction": "Talk like a pirate."} if bad else {}))
    return b.previous_settings_not_inherited(body, {"input": "And now?"})


def ex_function_call_requires_action(s, bad):
    p = s.profile
    return b.function_call_requires_action(
        p, S.resource(p, [S.function_call_item(p)], status="completed" if bad else "requires_action"))


def ex_function_result_completes(s, bad):
    p = s.profile
    return b.function_result_completes(400 if bad else 200, {"error": {}} if bad else S.resource(p, []))


def ex_structured_output_valid(s, bad):
    p = s.profile
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    text = json.dumps({"n": "three"} if bad else {"n": 3})
    return b.structured_output_valid(p, S.resource(p, [S.text_item(p, text)]), schema)


def ex_usage_totals_add_up(s, bad):
    body = _created(s.profile)
    if bad:
        body["usage"] = dict(body["usage"], total_tokens=99)
    return check_interaction(s, body)


def ex_revision_header_honoured(s, bad):
    p = s.profile
    other = "outputs" if p.items_field == "steps" else "steps"
    body = _created(p)
    if bad:
        body[other] = body.pop(p.items_field)
    return [v for v in check_exchange(s, Exchange("GET", "/v1beta/interactions/v1_abc", status=200, response_body=body))
            if v.rule_id == "revision.header.honoured"]


def ex_revision_legacy_retired(s, bad):
    if bad:
        return legacy_retired(200, _created(s.profile))
    return legacy_retired(400, {"error": {"code": "invalid_request",
                                          "message": "The legacy Interactions API schema is no longer supported."}})


def _paused(p, token="tok_1", iid="v1_paused"):
    body = S.resource(p, [S.text_item(p, "The first half ")], status="requires_continuation", iid=iid)
    if token is not None:
        body["continuation_token"] = token
    return body


def ex_continuation_paused_token(s, bad):
    return check_interaction(s, _paused(s.profile, None if bad else "tok_1"))


def ex_continuation_hop_shape(s, bad):
    body = {"model": "gemini-3-flash-preview", "previous_interaction_id": "v1_paused", "continuation_token": "tok_1"}
    if bad:
        body["input"] = "Hello"
    return check_request(s, body)


def ex_continuation_hop_token_matches(s, bad):
    state = ConversationState()
    state.record(_paused(s.profile))
    body = {"model": "gemini-3-flash-preview", "previous_interaction_id": "v1_paused",
            "continuation_token": "tok_other" if bad else "tok_1"}
    return check_request(s, body, state=state)


def ex_continuation_chain_terminal(s, bad):
    p = s.profile
    last = S.resource(p, [S.text_item(p, "and the rest.")], status="in_progress" if bad else "completed")
    return check_continuation_chain(p, [_paused(p), last]) + hop_accepted(400 if bad else 200, {})


def ex_continuation_chain_text_adds_up(s, bad):
    p = s.profile
    last = S.resource(p, [S.text_item(p, "the rest." if bad else "and the rest.")])
    return check_continuation_chain(p, [_paused(p), last], whole_text="The first half and the rest.")


def ex_thought_signature_present(s, bad):
    p = s.profile
    thought = S.thought_item(p)
    if bad:
        del thought["signature"]
    return check_interaction(s, S.resource(p, [thought, S.text_item(p, "Hi")]))


def ex_thought_signature_sent_back(s, bad):
    p = s.profile
    thought = S.thought_item(p)
    if bad:
        thought["signature"] = ""
    steps = [{"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]}, thought,
             S.function_call_item(p),
             {"type": "function_result", "call_id": "call_1", "name": "get_weather", "result": {"t": 21}}]
    return check_request(s, _req(p, input=steps))
def ex_stream_completion_status_final(s, bad):
    def mutate(p, events):
        if bad:  # (the status updates before it are dropped, so the only finding is this rule's)
            events[:] = [e for e in events if e["event_type"] != p.grammar.status_update]
            events[-1]["interaction"]["status"] = "in_progress"
    return _stream(s, mutate)


def ex_stream_completion_matches_resource(s, bad):
    from conformance.checks.meaning import check_completion_matches

    p = s.profile
    result = check_stream_bytes(s, S.to_bytes(S.events_for(p, S.sample_items(p))))
    stored = S.resource(p, S.sample_items(p))
    if bad:
        stored["usage"] = dict(stored["usage"], total_thought_tokens=4, total_tokens=16)
    return check_completion_matches(result.completed_interaction, stored)


def _tool_pair(call_id="gs_1", result_call_id="gs_1"):
    return [{"type": "google_search_call", "id": call_id, "arguments": {"queries": ["tides"]}},
            {"type": "google_search_result", "call_id": result_call_id, "result": [{"search_suggestions": "tides"}]}]


def ex_timeline_call_id_unique(s, bad):
    p = s.profile
    items = [S.function_call_item(p, "call_1"), *_tool_pair("gs_1", "gs_1"),
             S.function_call_item(p, "call_1" if bad else "call_2")]
    body = S.resource(p, items, status="requires_action")
    return check_exchange(s, Exchange("GET", "/v1beta/interactions/v1_abc", status=200, response_body=body))


def ex_timeline_result_follows_call(s, bad):
    p = s.profile
    items = [*_tool_pair("gs_1", "gs_2" if bad else "gs_1"), S.text_item(p, "Canberra.")]
    body = S.resource(p, items)
    return check_exchange(s, Exchange("GET", "/v1beta/interactions/v1_abc", status=200, response_body=body))


def ex_usage_breakdown_consistent(s, bad):
    body = _created(s.profile)
    body["usage"] = dict(body["usage"], input_tokens_by_modality=[{"modality": "text", "tokens": 3},
                                                                  {"modality": "image", "tokens": 2}],
                         total_cached_tokens=2, output_tokens_by_modality=[{"modality": "text",
                                                                           "tokens": 8 if bad else 7}])
    return check_exchange(s, Exchange("GET", "/v1beta/interactions/v1_abc", status=200, response_body=body))


def ex_error_code_matches_status(s, bad):
    body = {"error": {"code": 404, "message": "no such interaction", "status": "NOT_FOUND"}}
    if bad:
        body["error"].update(code=500, status="INTERNAL")
    return check_exchange(s, Exchange("GET", "/v1beta/interactions/v1_nope", status=404, response_body=body))


def ex_function_call_declared(s, bad):
    p = s.profile
    request = {"model": "gemini-3-flash-preview", "input": "Weather in Paris?",
               "tools": [{"type": "function", "name": "get_weather", "description": "Weather.",
                          "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                         "required": ["city"]}}]}
    call = S.function_call_item(p, "call_1")
    if bad:
        call["arguments"] = {"town": "Paris"}
    body = S.resource(p, [call], status="requires_action")
    return check_exchange(s, Exchange("POST", "/v1beta/interactions", request_body=request, status=200,
                                      response_body=body))


EXAMPLES: dict[str, Check] = {
    name[3:].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("ex_")
}


def _rule_for(fn_key: str) -> str:
    """Map ``schema-request-valid`` back to ``schema.request.valid`` via the catalogue."""
    for rule in RULES:
        if rule.id.replace(".", "-") == fn_key:
            return rule.id
    raise KeyError(fn_key)


CASES = {_rule_for(k): fn for k, fn in EXAMPLES.items()}


def test_every_rule_has_examples():
    missing = sorted(r.id for r in RULES if r.id not in CASES)
    assert not missing, f"rules without a pass/fail example: {missing}"


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_conforming_and_catches_violation(rule_id, revision, schemas_for):
    if revision not in RULES[rule_id].revisions:
        pytest.skip(f"{rule_id} does not apply to {revision}")
    schemas = schemas_for(revision)
    good = CASES[rule_id](schemas, False)
    assert not good, f"conforming example flagged: {[str(v) for v in good]}"
    bad = CASES[rule_id](schemas, True)
    assert rule_id in {v.rule_id for v in bad}, f"violation not caught; got {[str(v) for v in bad]}"
    caught = next(v for v in bad if v.rule_id == rule_id)
    assert caught.message and (caught.location or caught.expected or caught.observed), "violation lacks evidence"
