"""Request rules a server enforces: model xor agent, agents in the background, bounds, structured output,
malformed input, authentication. Every rejection must be a 400 in the Google error envelope, never a 5xx."""

from __future__ import annotations

import json

import pytest

from conformance.checks import behaviour
from conformance.suite.recipes import scripted, target_lacks

iconf = pytest.mark.iconf

AGENT_INPUT = "Research the history of the lighthouse in two paragraphs."


def _unless_agents_missing(answer) -> None:
    """Skip when the target's answer says it has no such agent or no agents at all (it demonstrably lacks them)."""
    lacks = target_lacks(answer, "agents", ("agent",))
    if lacks:
        pytest.skip(lacks)


@iconf(area="request", rules=["request.model-xor-agent"], needs=["agents"])
def test_model_and_agent_together_rejected(client, judge, revision):
    answer = client.create({"model": client.config.model, "agent": client.config.agent, "input": "Hi.",
                            "background": True})
    _unless_agents_missing(answer)
    judge.rejected("request.model-xor-agent", answer, "a request with both model and agent")


@iconf(area="request", rules=["request.model-xor-agent"])
def test_neither_model_nor_agent_rejected(client, judge, revision):
    judge.rejected("request.model-xor-agent", client.create({"input": "Hi."}), "a request with neither model nor agent")


@iconf(area="request", rules=["request.agent.background"], needs=["agents"])
def test_agent_without_background_rejected(client, judge, revision):
    answer = client.create({"agent": client.config.agent, "input": AGENT_INPUT})
    _unless_agents_missing(answer)
    judge.rejected("request.agent.background", answer, "a foreground agent call")


@iconf(area="request", rules=["background.create.in-progress", "request.valid.accepted"],
       needs=["agents", "background", "store"])
def test_agent_with_background_runs(client, judge, revision):
    request = {"agent": client.config.agent, "input": AGENT_INPUT, "background": True}
    answer = client.create(request)
    _unless_agents_missing(answer)
    body = judge.expect_ok(answer, "background agent create")
    judge.interaction(body, op="create", request=request)
    judge.rule(behaviour.background_create_in_progress, client.profile, body)
    cancel = client.cancel(body["id"])  # do not leave a long agent run going
    if cancel.ok:
        judge.interaction(cancel.body, op="cancel")


@iconf(area="request", rules=["request.config.matches-kind"], needs=["agents"])
def test_generation_config_with_an_agent_rejected(client, judge, revision):
    answer = client.create({"agent": client.config.agent, "input": AGENT_INPUT, "background": True,
                            "generation_config": {"temperature": 0.5}})
    _unless_agents_missing(answer)
    judge.rejected("request.config.matches-kind", answer, "generation_config sent with an agent")


@iconf(area="request", rules=["request.config.matches-kind"])
def test_agent_config_with_a_model_rejected(client, judge, revision):
    answer = client.create({"model": client.config.model, "input": "Hi.", "agent_config": {"type": "dynamic"}})
    judge.rejected("request.config.matches-kind", answer, "agent_config sent with a model")


@iconf(area="request", rules=["request.input.required"])
def test_missing_input_rejected(client, judge, revision):
    judge.rejected("request.input.required", client.create({"model": client.config.model}), "a request without input")


_BOUNDS = {"temperature": {"temperature": 5.0}, "top_p": {"top_p": 1.5}, "max_output_tokens": {"max_output_tokens": 0}}


@iconf(area="request", rules=["request.generation-config.bounds"])
@pytest.mark.parametrize("field", sorted(_BOUNDS))
def test_generation_config_out_of_bounds_rejected(client, judge, revision, field):
    answer = client.create({"model": client.config.model, "input": "Hi.", "generation_config": _BOUNDS[field]})
    judge.rejected("request.generation-config.bounds", answer, f"generation_config.{field} out of range")


@iconf(area="request", rules=["request.valid.accepted", "schema.interaction.valid"])
def test_generation_config_in_bounds_accepted(client, judge, revision):
    request = {"model": client.config.model, "input": "Hi.",
               "generation_config": {"temperature": 0.7, "top_p": 0.9, "max_output_tokens": 256, "seed": 7,
                                     "stop_sequences": ["\n\n\n"]}}
    body = judge.expect_ok(client.create(request), "create with generation_config")
    judge.interaction(body, op="create", request=request)


_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"},
                                            "tags": {"type": "array", "items": {"type": "string"}}},
           "required": ["city", "population"]}


@iconf(area="structured", rules=["structured.output.valid"], needs=["structured"])
def test_structured_output_matches_response_format(client, judge, revision):
    p = client.profile
    if p.name == "legacy":
        extra = {"response_format": _SCHEMA, "response_mime_type": "application/json"}
    else:
        extra = {"response_format": {"type": "text", "mime_type": "application/json", "schema": _SCHEMA}}
    request = scripted(client.config, "", "Give me one city as JSON.", **extra)
    answer = client.create(request)
    lacks = target_lacks(answer, "structured output", ("response_format", "response_mime_type", "schema"))
    if lacks:
        pytest.skip(lacks)
    body = judge.expect_ok(answer, "create with response_format")
    judge.interaction(body, op="create", request=request)
    judge.rule(behaviour.structured_output_valid, p, body, _SCHEMA)


def _malformed(model: str) -> dict[str, bytes]:
    """Bodies that break the request schema, each naming the configured model: a server that rejects unknown
    models must still be judged on the malformation itself."""
    return {
        "not_json": b'{"model": ' + json.dumps(model).encode() + b', "input": ',
        "array_body": b'["not", "an", "object"]',
        "input_number": json.dumps({"model": model, "input": 5}).encode(),
        "stream_string": json.dumps({"model": model, "input": "Hi", "stream": "yes"}).encode(),
        "store_string": json.dumps({"model": model, "input": "Hi", "store": "no"}).encode(),
        "tools_object": json.dumps({"model": model, "input": "Hi", "tools": {"type": "x"}}).encode(),
        "oversized_model": json.dumps({"model": "gemini-" + "x" * 20000, "input": "Hi"}).encode(),
    }


_MALFORMED_CASES = sorted(_malformed("m"))


@iconf(area="error", rules=["error.bad-input.rejected", "error.bad-input.no-5xx", "error.envelope.shape",
                            "error.code.matches-status"])
@pytest.mark.parametrize("case", _MALFORMED_CASES)
def test_malformed_request_rejected(client, judge, revision, case):
    answer = client.request("POST", raw=_malformed(client.config.model)[case])
    judge.covers("error.bad-input.rejected", "error.bad-input.no-5xx", "error.envelope.shape")
    if case == "oversized_model" and answer.status == 404:
        judge.error(answer, "oversized model name")  # an unknown model is a 404 on the real API
        return
    judge.rejected("error.bad-input.rejected", answer, f"malformed request ({case})")


@iconf(area="auth", rules=["auth.key.required", "error.envelope.shape"], needs=["auth"])
@pytest.mark.parametrize("how", ["missing", "wrong"])
def test_requests_without_a_valid_key_rejected(client, judge, revision, how):
    if how == "missing":
        answer = client.request("POST", json_body={"model": client.config.model, "input": "Hi."}, key=False)
    else:
        answer = client.request("POST", json_body={"model": client.config.model, "input": "Hi."},
                                headers={"x-goog-api-key": "iconf-wrong-key"})
    judge.rule(behaviour.auth_key_required, answer.status, what=f"a request with a {how} key")
    if answer.status >= 400:
        judge.error(answer, f"{how} key")
