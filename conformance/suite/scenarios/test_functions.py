"""Function calling: requires_action, a matching function_result completes, a wrong call_id is refused."""

from __future__ import annotations

import pytest

from conformance.checks import behaviour
from conformance.checks.behaviour import output_items
from conformance.suite.recipes import WEATHER_TOOL, scripted, target_lacks

iconf = pytest.mark.iconf


def _call(client, judge):
    p = client.profile
    # a real model is made to call the function by tool_choice "any" (the mock by its directive)
    forcing = {} if "scripted" in client.config.capabilities else {"generation_config": {"tool_choice": "any"}}
    request = scripted(client.config, "function_call", "What is the weather in Paris? Use the tool.",
                       tools=[WEATHER_TOOL], **forcing)
    answer = client.create(request)
    lacks = target_lacks(answer, "function calling", ("function", "tool"))
    if lacks:
        pytest.skip(lacks)
    body = judge.expect_ok(answer, "create with a function tool")
    judge.interaction(body, op="create", request=request)
    calls = [i for i in output_items(p, body) if i.get("type") == "function_call"]
    if not calls and "scripted" not in client.config.capabilities:
        pytest.skip("the model answered without calling the function although tool_choice was \"any\"")
    judge.rule(behaviour.function_call_requires_action, p, body)
    return body, calls


def _result(call_id: str) -> dict:
    return {"type": "function_result", "call_id": call_id, "name": "get_weather",
            "result": {"temperature_c": 18, "sky": "clear"}}


@iconf(area="function", rules=["function.call.requires-action", "function.call.declared", "function.result.completes",
                               "request.function-result.call-id"], needs=["functions", "store"])
def test_function_call_round_trip(client, judge, revision):
    body, calls = _call(client, judge)
    if not calls:
        return
    request = {"model": client.config.model, "previous_interaction_id": body["id"],
               "input": [_result(str(calls[0].get("id")))], "tools": [WEATHER_TOOL]}
    answer = client.create(request)
    if answer.ok:
        judge.interaction(judge.expect_ok(answer, "create with the function result"), op="create", request=request)
    judge.rule(behaviour.function_result_completes, answer.status, answer.body)
    if answer.ok:
        judge.fetch(client.get(answer.body["id"]), "GET of the answered call")


@iconf(area="function", rules=["request.function-result.call-id"], needs=["functions", "store"])
def test_function_result_with_unknown_call_id_rejected(client, judge, revision):
    body, calls = _call(client, judge)
    if not calls:
        return
    request = {"model": client.config.model, "previous_interaction_id": body["id"],
               "input": [_result("iconf-no-such-call")], "tools": [WEATHER_TOOL]}
    judge.rejected("request.function-result.call-id", client.create(request), "function_result with a wrong call_id")
