"""``iconf drift`` offline: the surface reader, the profile's surface, the comparison and the command."""

from __future__ import annotations

import json

import pytest

from conformance.cli import main
from conformance.drift import cli as drift_cli
from conformance.drift import sdk_surface
from conformance.drift.compare import compare
from conformance.drift.profile_surface import profile_surface
from conformance.drift.surface import Graph, Surface
from conformance.profiles import get_profile
from conformance.profiles.drift_allow import DRIFT_ALLOW_2026_05_20, DRIFT_ALLOW_LEGACY


def _lit(v: str) -> dict:
    return {"const": v, "type": "string"}


def _nullable(s: dict) -> dict:
    return {"anyOf": [s, {"type": "null"}]}


#: a description as the SDK scripts print it (pydantic style: nullable unions, an Unknown catch-all)
DESCRIPTION = {
    "sdk": "fake-genai", "version": "9.0.0",
    "roots": {"resource": "Interaction", "create": ["CreateModel"], "events": "Events"},
    "sources": {"Interaction": "fake.Interaction"},
    "$defs": {
        "Interaction": {"type": "object", "properties": {
            "id": {"type": "string"},
            "status": {"anyOf": [{"enum": ["in_progress", "completed", "paused"], "type": "string"}, {"type": "string"}]},
            "steps": _nullable({"type": "array", "items": {"anyOf": [
                {"$ref": "#/$defs/ModelOutputStep"}, {"$ref": "#/$defs/ThoughtStep"}, {"$ref": "#/$defs/UnknownStep"}]}}),
        }},
        "ModelOutputStep": {"type": "object", "properties": {
            "type": _lit("model_output"),
            "content": {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/TextContent"}]}}}},
        "ThoughtStep": {"type": "object", "properties": {"type": _lit("thought"), "signature": {"type": "string"}}},
        "UnknownStep": {"type": "object", "properties": {"type": _lit("UNKNOWN"), "raw": {}}},
        "TextContent": {"type": "object", "properties": {
            "type": _lit("text"), "text": {"type": "string"},
            "annotations": _nullable({"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/UrlCitation"}]}})}},
        "UrlCitation": {"type": "object", "properties": {"type": _lit("url_citation"), "url": {"type": "string"}}},
        "CreateModel": {"type": "object", "properties": {
            "model": {"type": "string"}, "input": {"type": "string"},
            "generation_config": {"$ref": "#/$defs/GenerationConfig"},
            "tools": _nullable({"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/GoogleSearch"}]}})}},
        "GenerationConfig": {"type": "object", "properties": {
            "thinking_level": _nullable({"type": "string", "enum": ["low", "high"]})}},
        "GoogleSearch": {"type": "object", "properties": {"type": _lit("google_search")}},
        "Events": {"anyOf": [{"$ref": "#/$defs/StepDelta"}, {"$ref": "#/$defs/Done"}]},
        "StepDelta": {"type": "object", "properties": {
            "event_type": _lit("step.delta"), "index": {"type": "integer"},
            "delta": {"anyOf": [{"$ref": "#/$defs/TextDelta"}]}}},
        "TextDelta": {"type": "object", "properties": {"type": _lit("text"), "text": {"type": "string"}}},
        "Done": {"type": "object", "properties": {"event_type": _lit("interaction.completed")}},
    },
}


def _surface() -> Surface:
    return sdk_surface.surface_from_description(DESCRIPTION, items_field="steps", block_delta="step.delta")


def test_surface_items_of_every_kind():
    items = set(_surface())
    assert {"status in_progress", "status completed", "status paused"} <= items
    assert {"step model_output", "step thought", "content text", "annotation url_citation", "tool google_search",
            "event step.delta", "event interaction.completed", "delta text"} <= items
    assert {"field Interaction.id", "field Interaction.steps", "field CreateInteraction.model",
            "field step:thought.signature", "field event:step.delta.index", "field content:text.text"} <= items
    assert {"enum CreateInteraction.generation_config.thinking_level=low",
            "enum CreateInteraction.generation_config.thinking_level=high"} <= items
    # catch-alls and discriminators are not items
    assert not [i for i in items if "UNKNOWN" in i or i.endswith(".type") or i.endswith(".event_type")]


def test_surface_says_where_each_item_was_found():
    s = _surface()
    assert s.items["field Interaction.id"] == "fake.Interaction.id"
    assert s.items["step thought"] == "ThoughtStep"


def test_graph_reads_openapi_style_unions():
    g = Graph({"U": {"oneOf": [{"$ref": "#/components/schemas/A"}], "discriminator": {"propertyName": "type"}},
               "A": {"type": "object", "properties": {"type": {"type": "string", "enum": ["a"]}}}})
    assert [v for v, _m, _n in g.typed_members({"$ref": "#/components/schemas/U"})] == ["a"]


@pytest.mark.parametrize(("revision", "expected"), [
    ("2026-05-20", {"event step.start", "step model_output", "step function_call", "content text", "delta text",
                    "status completed", "status requires_continuation", "field Interaction.steps",
                    "field CreateInteraction.previous_interaction_id", "tool google_search",
                    "annotation url_citation"}),
    ("legacy", {"event content.start", "content function_call", "content text", "delta text",
                "field Interaction.outputs", "tool google_search"}),
])
def test_profile_surface(revision, expected):
    items = set(profile_surface(get_profile(revision)))
    assert expected <= items
    # readOnly fields of the resource are not fields of the create request
    assert "field CreateInteraction.created" not in items


def test_compare_with_allow_list():
    sdk = Surface("sdk", {"a 1": "x", "enum X.model=m1": "y", "field I.new": "z"})
    prof = Surface("profile", {"a 1": "p", "field I.ours": "q"})
    drift = compare(sdk, prof, {"enum *.model=*": "open list", "field I.gone": "stale entry"})
    assert drift.missing == [("field I.new", "z")]
    assert drift.allowed == [("enum X.model=m1", "y", "open list")]
    assert drift.extra == [("field I.ours", "q")]
    assert drift.unused_allow == ["field I.gone"]
    assert not drift.ok


@pytest.mark.parametrize("allow", [DRIFT_ALLOW_2026_05_20, DRIFT_ALLOW_LEGACY])
def test_allow_list_entries_have_reasons(allow):
    for item, reason in allow.items():
        assert item.split(" ", 1)[0] in {"status", "event", "step", "content", "delta", "annotation", "tool",
                                         "field", "enum"}, item
        assert len(reason) > 20, item


def test_profiles_expose_their_allow_list():
    assert get_profile("2026-05-20").drift_allow is DRIFT_ALLOW_2026_05_20
    assert get_profile("legacy").drift_allow is DRIFT_ALLOW_LEGACY


def test_drift_command_offline(monkeypatch, capsys):
    monkeypatch.setattr(sdk_surface, "read_description", lambda spec: DESCRIPTION)
    assert main(["drift", "--sdk", "fake-genai==9.0.0"]) == 1
    out = capsys.readouterr().out
    assert "fake-genai 9.0.0" in out and "vs profile 2026-05-20" in out
    assert "status paused" in out and "fake.Interaction.status" in out
    assert main(["drift", "--sdk", "fake-genai==9.0.0", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)[0]
    assert {"item": "status paused", "where": "fake.Interaction.status"} in report["missing"]


def test_drift_revision_follows_the_sdk_major(monkeypatch, capsys):
    monkeypatch.setattr(sdk_surface, "read_description", lambda spec: DESCRIPTION)
    main(["drift", "--sdk", "fake-genai==1.2.0"])
    assert "vs profile legacy" in capsys.readouterr().out
    assert drift_cli._revision_for("python", "3.6.1", None) == "2026-05-20"


def test_drift_install_failure_exits_2(monkeypatch, capsys):
    def fail(spec):
        raise sdk_surface.SdkInstallError("pip install fake-genai==9 failed (exit 1): no such version")

    monkeypatch.setattr(sdk_surface, "read_description", fail)
    assert main(["drift", "--sdk", "fake-genai==9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such version" in err[0]


def test_drift_bad_spec_exits_2(capsys):
    assert main(["drift", "--sdk", "!!!"]) == 2
    assert "SDK spec" in capsys.readouterr().err


def test_drift_bad_schema_exits_2_before_installing(monkeypatch, tmp_path, capsys):
    def never(spec):
        raise AssertionError("must not install")

    monkeypatch.setattr(sdk_surface, "read_description", never)
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [")
    assert main(["drift", "--sdk", "fake-genai==9.0.0", "--schema", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_newest_spec_asks_the_registry_clients(monkeypatch):
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        if "npm" in cmd[0] or cmd[0].endswith("npm"):
            return "3.3.0\n"
        return "google-genai (3.6.1)\nAvailable versions: 3.6.1, 3.6.0\n"

    monkeypatch.setattr(sdk_surface, "_run", fake_run)
    monkeypatch.setattr(sdk_surface.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert sdk_surface.newest_spec("python", "google-genai") == "google-genai==3.6.1"
    assert sdk_surface.newest_spec("node", "@google/genai") == "@google/genai@3.3.0"
    assert calls[0][1:4] == ["-m", "pip", "index"] and calls[1][1:3] == ["view", "@google/genai"]
