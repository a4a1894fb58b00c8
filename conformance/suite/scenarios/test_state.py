"""Server-side state: store, delete, not-found, previous_interaction_id chains."""

from __future__ import annotations

import pytest

from conformance.checks import behaviour, check_delete_body
from conformance.checks.behaviour import output_text
from conformance.suite.recipes import WEATHER_TOOL, scripted

iconf = pytest.mark.iconf


@iconf(area="store", rules=["store.default.retrievable"], needs=["store"])
def test_store_defaults_to_true(client, judge, revision):
    request = scripted(client.config, "", "Remember this.")
    body = judge.expect_ok(client.create(request), "create without store")
    judge.interaction(body, op="create", request=request)
    got = client.get(body["id"])
    judge.rule(behaviour.store_default_retrievable, got.status)
    if got.ok:
        judge.fetch(got, "GET of a stored interaction")


@iconf(area="store", rules=["store.false.not-retrievable"], needs=["store"])
def test_store_false_is_not_retrievable(client, judge, revision):
    request = scripted(client.config, "", "Forget this.", store=False)
    body = judge.expect_ok(client.create(request), "create with store=false")
    judge.interaction(body, op="create", request=request, track=False)
    got = client.get(body["id"])
    judge.rule(behaviour.store_false_not_retrievable, got.status)
    if got.status >= 400:
        judge.error(got, "GET of a store=false interaction")


@iconf(area="store", rules=["request.store-false.no-background"], needs=["background"])
def test_store_false_with_background_rejected(client, judge, revision):
    answer = client.create(scripted(client.config, "", "Hi.", store=False, background=True))
    judge.rejected("request.store-false.no-background", answer, "store=false with background=true")


@iconf(area="store", rules=["request.store-false.no-previous"], needs=["store"])
def test_store_false_cannot_be_previous(client, judge, revision):
    first = judge.expect_ok(client.create(scripted(client.config, "", "Hi.", store=False)), "create store=false")
    answer = client.create(scripted(client.config, "", "Again.", previous_interaction_id=first["id"]))
    judge.rejected("request.store-false.no-previous", answer, "previous_interaction_id of a store=false interaction")


@iconf(area="store", rules=["delete.no-trace", "schema.delete.empty-object"], needs=["store"])
def test_delete_leaves_no_trace(client, judge, revision):
    body = judge.expect_ok(client.create(scripted(client.config, "", "Delete me.")), "create")
    deleted = judge.expect_ok(client.delete(body["id"]), "DELETE")
    judge.add(check_delete_body(deleted, location="DELETE"), "schema.delete.empty-object")
    get, again = client.get(body["id"]), client.delete(body["id"])
    chained = client.create(scripted(client.config, "", "Continue.", previous_interaction_id=body["id"]))
    judge.rule(behaviour.delete_no_trace, get.status, again.status, chained.status)
    for answer, what in ((get, "GET after DELETE"), (again, "second DELETE"), (chained, "chain after DELETE")):
        if answer.status >= 400:
            judge.error(answer, what)


@iconf(area="error", rules=["error.not-found.404", "error.envelope.shape", "error.code.matches-status"], needs=["store"])
@pytest.mark.parametrize("op", ["get", "delete", "cancel"])
def test_unknown_id_is_404(client, judge, revision, op):
    answer = getattr(client, op)("v1_iconf-does-not-exist")
    judge.rule(behaviour.not_found_404, answer.status, what=f"{op} of an unknown id")
    if answer.status >= 400:
        judge.error(answer, f"{op} of an unknown id")


@iconf(area="previous", rules=["previous.context.carried", "lifecycle.transition.legal"], needs=["store"])
def test_previous_interaction_carries_context(client, judge, revision):
    p = client.profile
    first = judge.expect_ok(client.create(scripted(client.config, "", "My name is Ada. Please remember it.")),
                            "first turn")
    request = scripted(client.config, "", "What is my name? Answer with the name only.",
                       previous_interaction_id=first["id"])
    second = judge.expect_ok(client.create(request), "chained turn")
    judge.interaction(second, op="create", request=request)
    judge.rule(behaviour.previous_context_carried, output_text(p, second), "Ada")
    stored = judge.fetch(client.get(second["id"]), "GET of the chained interaction")
    if p.input_item_type:
        judge.rule(behaviour.timeline_get_starts_with_input, p, stored)


@iconf(area="previous", rules=["previous.settings.not-inherited"], needs=["store"])
def test_settings_are_not_inherited(client, judge, revision):
    p = client.profile
    first_req = scripted(client.config, "", "Hello.", system_instruction="Answer like a pirate.",
                         tools=[WEATHER_TOOL], generation_config={"temperature": 0.2})
    first = judge.expect_ok(client.create(first_req), "first turn with settings")
    request = scripted(client.config, "echo", "And now?", previous_interaction_id=first["id"])
    second = judge.expect_ok(client.create(request), "chained turn without settings")
    stored = judge.expect_ok(client.get(second["id"]), "GET of the chained interaction")
    judge.rule(behaviour.previous_settings_not_inherited, stored, request)
    if "scripted" in client.config.capabilities:
        echoed = output_text(p, second)
        if "pirate" in echoed or "get_weather" in echoed:
            judge.rule(behaviour.previous_settings_not_inherited, {"system_instruction": echoed}, {})


@iconf(area="timeline", rules=["timeline.legacy.outputs-model-only"], needs=["store"])
def test_legacy_outputs_hold_model_output_only(client, judge, revision):
    p = client.profile
    if p.name != "legacy":
        pytest.skip("include_input and outputs belong to the legacy revision")
    request = scripted(client.config, "", "Say something.")
    body = judge.expect_ok(client.create(request), "create")
    judge.rule(behaviour.timeline_legacy_outputs_model_only, p, body, request["input"])
    with_input = judge.fetch(client.get(body["id"], include_input=True), "GET include_input=true")
    judge.rule(behaviour.timeline_legacy_outputs_model_only, p, with_input, request["input"], include_input=True)
