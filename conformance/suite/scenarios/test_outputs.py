"""Outputs: every block/step type a target can be asked for, every input form, stream vs stored equivalence."""

from __future__ import annotations

import base64

import pytest

from conformance.checks import behaviour
from conformance.suite.judge import RESOURCE_RULES, STREAM_RULES
from conformance.suite.recipes import (
    FEATURE_WORDS,
    OUTPUT_KINDS,
    Recipe,
    item_types,
    recipe,
    scripted,
    target_lacks,
)

iconf = pytest.mark.iconf

_PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


@iconf(area="outputs", rules=[*RESOURCE_RULES, *STREAM_RULES, "stream.assembly.matches-resource",
                              "stream.completion.matches-resource", "schema.response.json",
                              "timeline.post.model-only", "timeline.get.starts-with-input", "lifecycle.id.stable"],
       needs=["store"])
@pytest.mark.parametrize("kind", OUTPUT_KINDS)
def test_output_kind(client, judge, revision, kind):
    """Ask for one kind of output; the non-streaming answer, the stream and GET all conform and agree."""
    how = recipe(client.config, client.profile, kind)
    if isinstance(how, str):
        pytest.skip(how)
    assert isinstance(how, Recipe)
    p = client.profile
    answer = client.create(how.body)
    lacks = target_lacks(answer, f"{kind!r} output", FEATURE_WORDS.get(kind, (kind,)))
    if lacks and "scripted" not in client.config.capabilities:
        pytest.skip(lacks)
    body = judge.expect_ok(answer, f"create ({kind})")
    judge.interaction(body, op="create", request=how.body)
    got = item_types(p, body.get(p.items_field, []))
    if not how.expect & got:
        if "scripted" in client.config.capabilities:
            pytest.fail(f"asked for {kind!r} output, got item types {sorted(got)}", pytrace=False)
        pytest.skip(f"the target answered without {kind!r} output (types {sorted(got)})")
    if p.input_item_type:
        judge.rule(behaviour.timeline_post_model_only, p, body)
    stored = judge.fetch(client.get(body["id"]), "GET after create")
    if p.input_item_type:
        judge.rule(behaviour.timeline_get_starts_with_input, p, stored)

    streamed = client.create_stream(how.body)
    result = judge.stream(streamed, f"streamed create ({kind})")
    if result.interaction_id and result.terminal == p.grammar.completed:
        after = judge.fetch(client.get(result.interaction_id), "GET after stream")
        judge.matches(result.items, after, "stream vs GET")
        judge.completion(result, after, "completion event vs GET")


def _input_forms(profile) -> dict:
    text = {"type": "text", "text": "Describe this briefly."}
    forms = {
        "string": "Hello there.",
        "content": text,
        "content_list": [text, {"type": "text", "text": "Two sentences at most."}],
        "image_inline": [text, {"type": "image", "mime_type": "image/png", "data": _PNG_1PX}],
        "image_uri": [text, {"type": "image", "mime_type": "image/png",
                             "uri": "https://example.com/iconf/pixel.png"}],
        "document_uri": [text, {"type": "document", "mime_type": "application/pdf",
                                "uri": "https://example.com/iconf/page.pdf"}],
    }
    if profile.items_field == "outputs":
        forms["turns"] = [{"role": "user", "content": "My name is Ada."},
                          {"role": "model", "content": [{"type": "text", "text": "Hello Ada."}]},
                          {"role": "user", "content": "Say hi again."}]
    else:
        forms["steps"] = [{"type": "user_input", "content": [{"type": "text", "text": "My name is Ada."}]},
                          {"type": "model_output", "content": [{"type": "text", "text": "Hello Ada."}]},
                          {"type": "user_input", "content": [{"type": "text", "text": "Say hi again."}]}]
    return forms


_FORMS = ["string", "content", "content_list", "turns", "steps", "image_inline", "image_uri", "document_uri"]


@iconf(area="outputs", rules=["request.valid.accepted", "schema.interaction.valid"])
@pytest.mark.parametrize("form", _FORMS)
def test_input_form(client, judge, revision, form):
    """Every input form of the revision is accepted and answered with a conforming interaction."""
    forms = _input_forms(client.profile)
    if form not in forms:
        pytest.skip(f"the {client.profile.name} revision has no {form!r} input form")
    if form.startswith(("image", "document")) and "multimodal" not in client.config.capabilities:
        pytest.skip("the target lacks the 'multimodal' capability")
    request = {"model": client.config.model, "input": forms[form]}
    answer = client.create(request)
    lacks = target_lacks(answer, f"{form} input", ("image", "document", "mime", "uri", "url", "fetch", "file", "modalit"))
    if lacks and form.startswith(("image", "document")):
        pytest.skip(lacks)
    body = judge.expect_ok(answer, f"create with {form} input")
    judge.interaction(body, op="create", request=request)


@iconf(area="outputs", rules=["stream.assembly.matches-resource", "stream.completion.matches-resource",
                              "timeline.call-id.unique", "timeline.result.follows-call", *STREAM_RULES],
       needs=["scripted", "store"])
def test_everything_at_once_streams_like_it_stores(client, judge, revision):
    """One answer with every block/step type: the stream assembles to exactly what GET returns."""
    request = scripted(client.config, "all", tools=[{"type": "function", "name": "noop", "description": "unused",
                                                     "parameters": {"type": "object", "properties": {}}}])
    result = judge.stream(client.create_stream(request), "streamed create (all)")
    assert result.interaction_id, "the stream carried no interaction id"
    stored = judge.fetch(client.get(result.interaction_id), "GET after stream")
    judge.matches(result.items, stored, "stream vs GET")
    judge.completion(result, stored, "completion event vs GET")
    replay = judge.stream(client.get_stream(result.interaction_id), "GET ?stream=true replay")
    judge.matches(replay.items, stored, "GET stream vs GET")
