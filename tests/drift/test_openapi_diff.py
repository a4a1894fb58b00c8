"""``iconf schema diff``: every change class on small documents, and the two authored revisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.drift.classify import BREAKS_CLIENTS, BREAKS_SERVERS, CHECKS, COMPATIBLE
from conformance.drift.loader import load_openapi
from conformance.drift.openapi_diff import diff_documents

from .docs import OBJ, document, obj, write

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "schemas" / "interactions-legacy.openapi.yaml"
STEPS = ROOT / "schemas" / "interactions-2026-05-20.openapi.yaml"

S = {"type": "string"}
TYPED = {
    "A": obj({"type": {"type": "string", "enum": ["a"]}, "x": S}, ["type"]),
    "B": obj({"type": {"type": "string", "enum": ["b"]}, "y": S}, ["type"]),
    "C": obj({"type": {"type": "string", "enum": ["c"]}}, ["type"]),
}
UNION_AB = {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
            "discriminator": {"propertyName": "type"}}
UNION_AC = {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/C"}],
            "discriminator": {"propertyName": "type"}}


def _diff(tmp_path, old: dict, new: dict):
    return diff_documents(load_openapi(write(tmp_path, "old.yaml", old)), load_openapi(write(tmp_path, "new.json", new)))


def _ids(changes) -> set[str]:
    return {c.id for c in changes}


def _req(old_req, new_req):
    return document(req=old_req), document(req=new_req)


def _res(old_res, new_res):
    return document(res=old_res), document(res=new_res)


def _without_body(doc: dict) -> dict:
    del doc["paths"]["/things"]["post"]["requestBody"]
    return doc


def _with_status(doc: dict, status: str) -> dict:
    doc["paths"]["/things"]["post"]["responses"][status] = {"description": "x"}
    return doc


def _with_param(doc: dict, *, required: bool) -> dict:
    doc["paths"]["/things"]["post"]["parameters"] = [
        {"name": "q", "in": "query", "required": required, "schema": {"type": "string"}}]
    return doc


# (name, (old doc, new doc), expected check id, expected level)
CASES = [
    # paths and operations
    ("path removed", (document(), document(paths={})), "api-path-removed", BREAKS_CLIENTS),
    ("operation added", (document(), document(paths={"/things": {**document()["paths"]["/things"],
                                                                 "get": {"responses": {"200": {"description": "x"}}}}})),
     "endpoint-added", BREAKS_SERVERS),
    ("operation removed", (document(paths={"/things": {**document()["paths"]["/things"],
                                                       "get": {"responses": {"200": {"description": "x"}}}}}),
                           document()), "api-removed", BREAKS_CLIENTS),
    # request properties
    ("required request property added", _req(OBJ, obj({"a": S, "b": S}, ["a", "b"])),
     "new-required-request-property", BREAKS_CLIENTS),
    ("optional request property added", _req(OBJ, obj({"a": S, "b": S}, ["a"])),
     "new-optional-request-property", COMPATIBLE),
    ("optional request property added to a closed object",
     _req(obj({"a": S}, ["a"], additionalProperties=False), obj({"a": S, "b": S}, ["a"], additionalProperties=False)),
     "new-optional-request-property-closed", BREAKS_SERVERS),
    ("request property removed", _req(obj({"a": S, "b": S}, ["a"]), OBJ), "request-property-removed", BREAKS_CLIENTS),
    ("request property became required", _req(obj({"a": S, "b": S}, ["a"]), obj({"a": S, "b": S}, ["a", "b"])),
     "request-property-became-required", BREAKS_CLIENTS),
    ("request property became optional", _req(OBJ, obj({"a": S})), "request-property-became-optional", BREAKS_SERVERS),
    # response properties
    ("required response property added", _res(OBJ, obj({"a": S, "b": S}, ["a", "b"])),
     "response-required-property-added", BREAKS_SERVERS),
    ("optional response property added", _res(OBJ, obj({"a": S, "b": S}, ["a"])),
     "response-optional-property-added", COMPATIBLE),
    ("required response property removed", _res(obj({"a": S, "b": S}, ["a", "b"]), OBJ),
     "response-required-property-removed", BREAKS_CLIENTS),
    ("optional response property removed", _res(obj({"a": S, "b": S}, ["a"]), OBJ),
     "response-optional-property-removed", BREAKS_CLIENTS),
    ("response property became optional", _res(OBJ, obj({"a": S})), "response-property-became-optional", BREAKS_CLIENTS),
    ("response property became required", _res(obj({"a": S}), OBJ), "response-property-became-required", BREAKS_SERVERS),
    # types and formats
    ("request type changed", _req(OBJ, obj({"a": {"type": "integer"}}, ["a"])),
     "request-property-type-changed", BREAKS_CLIENTS),
    ("request type generalized", _req(obj({"a": {"type": "integer"}}), obj({"a": {"type": "number"}})),
     "request-property-type-generalized", BREAKS_SERVERS),
    ("response type generalized", _res(obj({"a": {"type": "integer"}}), obj({"a": {"type": "number"}})),
     "response-property-type-generalized", BREAKS_CLIENTS),
    ("response type specialized", _res(obj({"a": {"type": "number"}}), obj({"a": {"type": "integer"}})),
     "response-property-type-specialized", BREAKS_SERVERS),
    ("any value became a union", _req(obj({"a": {}}), obj({"a": {"oneOf": [S, {"type": "integer"}]}})),
     "request-property-type-specialized", BREAKS_CLIENTS),
    ("format changed", _res(obj({"a": {"type": "string", "format": "date"}}), obj({"a": {"type": "string",
                                                                                     "format": "date-time"}})),
     "response-property-format-changed", BREAKS_CLIENTS),
    ("became nullable (response)", _res(OBJ, obj({"a": {"type": "string", "nullable": True}}, ["a"])),
     "response-property-became-nullable", BREAKS_CLIENTS),
    ("became not nullable (request)", _req(obj({"a": {"type": "string", "nullable": True}}), obj({"a": S})),
     "request-property-became-not-nullable", BREAKS_CLIENTS),
    # enums
    ("request enum value added", _req(obj({"a": {"type": "string", "enum": ["x"]}}),
                                      obj({"a": {"type": "string", "enum": ["x", "y"]}})),
     "request-property-enum-value-added", BREAKS_SERVERS),
    ("request enum value removed", _req(obj({"a": {"type": "string", "enum": ["x", "y"]}}),
                                        obj({"a": {"type": "string", "enum": ["x"]}})),
     "request-property-enum-value-removed", BREAKS_CLIENTS),
    ("response enum value added", _res(obj({"a": {"type": "string", "enum": ["x"]}}),
                                       obj({"a": {"type": "string", "enum": ["x", "y"]}})),
     "response-property-enum-value-added", BREAKS_CLIENTS),
    ("response enum value removed", _res(obj({"a": {"type": "string", "enum": ["x", "y"]}}),
                                         obj({"a": {"type": "string", "enum": ["x"]}})),
     "response-property-enum-value-removed", BREAKS_SERVERS),
    ("request became enum", _req(OBJ, obj({"a": {"type": "string", "enum": ["x"]}}, ["a"])),
     "request-property-became-enum", BREAKS_CLIENTS),
    ("const changed (response)", _res(obj({"a": {"const": "x"}}), obj({"a": {"const": "y"}})),
     "response-property-enum-value-added", BREAKS_CLIENTS),
    # unions and discriminators
    ("response oneOf member added", (document(res=obj({"u": {"$ref": "#/components/schemas/U"}}),
                                              extra={**TYPED, "U": {"oneOf": UNION_AB["oneOf"][:1]}}),
                                     document(res=obj({"u": {"$ref": "#/components/schemas/U"}}),
                                              extra={**TYPED, "U": UNION_AB})),
     "response-body-one-of-added", BREAKS_CLIENTS),
    ("request oneOf member removed", (document(req=obj({"u": UNION_AB}), extra=TYPED),
                                      document(req=obj({"u": UNION_AC}), extra=TYPED)),
     "request-property-one-of-removed", BREAKS_CLIENTS),
    ("request anyOf member added", _req(obj({"u": {"anyOf": [S]}}), obj({"u": {"anyOf": [S, {"type": "integer"}]}})),
     "request-property-any-of-added", BREAKS_SERVERS),
    ("discriminator renamed", (document(res=obj({"u": {**UNION_AB, "discriminator": {"propertyName": "type"}}}),
                                        extra=TYPED),
                               document(res=obj({"u": {**UNION_AB, "discriminator": {"propertyName": "kind"}}}),
                                        extra=TYPED)),
     "response-property-discriminator-property-name-changed", BREAKS_CLIENTS),
    # bounds, patterns, defaults, additionalProperties
    ("request maxLength decreased", _req(obj({"a": {"type": "string", "maxLength": 10}}),
                                         obj({"a": {"type": "string", "maxLength": 5}})),
     "request-property-max-length-decreased", BREAKS_CLIENTS),
    ("request minItems increased", _req(obj({"a": {"type": "array", "items": S, "minItems": 1}}),
                                        obj({"a": {"type": "array", "items": S, "minItems": 2}})),
     "request-property-min-items-increased", BREAKS_CLIENTS),
    ("response maxLength unset", _res(obj({"a": {"type": "string", "maxLength": 5}}), obj({"a": S})),
     "response-property-max-length-unset", BREAKS_CLIENTS),
    ("request minimum set", _req(obj({"a": {"type": "integer"}}), obj({"a": {"type": "integer", "minimum": 1}})),
     "request-property-min-set", BREAKS_CLIENTS),
    ("response maximum increased", _res(obj({"a": {"type": "integer", "maximum": 1}}),
                                        obj({"a": {"type": "integer", "maximum": 2}})),
     "response-property-max-increased", BREAKS_CLIENTS),
    ("request pattern added", _req(obj({"a": S}), obj({"a": {"type": "string", "pattern": "^x"}})),
     "request-property-pattern-added", BREAKS_CLIENTS),
    ("request default changed", _req(obj({"a": {"type": "boolean", "default": True}}),
                                     obj({"a": {"type": "boolean", "default": False}})),
     "request-property-default-value-changed", BREAKS_CLIENTS),
    ("request object closed", _req(OBJ, {**OBJ, "additionalProperties": False}),
     "request-body-additional-properties-forbidden", BREAKS_CLIENTS),
    # bodies, responses, parameters
    ("request body removed", (document(), _without_body(document())), "request-body-removed", BREAKS_CLIENTS),
    ("success status added", (document(), _with_status(document(), "201")), "response-success-status-added",
     BREAKS_CLIENTS),
    ("error status added", (document(), _with_status(document(), "404")), "response-non-success-status-added",
     COMPATIBLE),
    ("required query parameter added", (document(), _with_param(document(), required=True)),
     "new-required-request-parameter", BREAKS_CLIENTS),
    ("optional query parameter added", (document(), _with_param(document(), required=False)),
     "new-optional-request-parameter", COMPATIBLE),
    ("component added", (document(), document(extra={"New": OBJ})), "api-schema-added", COMPATIBLE),
]



@pytest.mark.parametrize(("name", "docs", "cid", "level"), CASES, ids=[c[0] for c in CASES])
def test_change_class(tmp_path, name, docs, cid, level):
    changes = _diff(tmp_path, *docs)
    found = [c for c in changes if c.id == cid]
    assert found, f"{name}: expected {cid}, got {sorted(_ids(changes))}"
    assert found[0].level == level == CHECKS[cid].level
    assert found[0].reason


def test_catalogue_is_complete():
    for cid, chk in CHECKS.items():
        assert chk.id == cid and chk.level in (BREAKS_CLIENTS, BREAKS_SERVERS, COMPATIBLE) and chk.reason
        assert cid.startswith(("request-", "response-", "new-", "api-", "endpoint-")), cid


def test_every_change_has_a_catalogued_check(tmp_path):
    for _name, docs, _cid, _level in CASES:
        for change in _diff(tmp_path, *docs):
            assert change.id in CHECKS


def test_same_document_reports_nothing_and_exits_0(capsys):
    assert main(["schema", "diff", str(STEPS), str(STEPS)]) == 0
    assert "0 change(s)" in capsys.readouterr().out
    assert main(["schema", "diff", str(LEGACY), str(LEGACY), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []


def test_legacy_to_steps_reports_the_known_breaking_changes(capsys):
    assert main(["schema", "diff", str(LEGACY), str(STEPS), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["breaking"] is True
    seen = {(c["id"], c["location"], c["message"]) for c in report["changes"]}

    def has(cid: str, location: str, needle: str) -> bool:
        return any(i == cid and loc == location and needle in msg for i, loc, msg in seen)

    # outputs -> steps
    assert has("response-optional-property-removed", "#/components/schemas/Interaction/properties/outputs", "outputs")
    assert has("response-required-property-added", "#/components/schemas/Interaction/properties/steps", "steps")
    # content.* -> step.* events (the event union is not referenced by an operation: judged as a response)
    for old in ("content.start", "content.delta", "content.stop", "interaction.start", "interaction.complete"):
        assert has("response-body-one-of-removed", "#/components/schemas/InteractionSseEvent", f"event_type={old}")
    for new in ("step.start", "step.delta", "step.stop", "interaction.created", "interaction.completed"):
        assert has("response-body-one-of-added", "#/components/schemas/InteractionSseEvent", f"event_type={new}")
    # Turn[] input removed
    assert has("request-body-one-of-removed", "#/components/schemas/InteractionsInput", "array of Turn")
    # content blocks that became steps left the Content union
    assert has("request-body-one-of-removed", "#/components/schemas/Content", "type=function_call")
    levels = {c["level"] for c in report["changes"]}
    assert {BREAKS_CLIENTS, BREAKS_SERVERS, COMPATIBLE} <= levels


def test_changes_in_a_shared_component_are_reported_once_with_their_operations(tmp_path):
    old = document(req=obj({"r": {"$ref": "#/components/schemas/Shared"}}),
                   res=obj({"r": {"$ref": "#/components/schemas/Shared"}}), extra={"Shared": OBJ})
    new = document(req=obj({"r": {"$ref": "#/components/schemas/Shared"}}),
                   res=obj({"r": {"$ref": "#/components/schemas/Shared"}}), extra={"Shared": obj({"a": S})})
    changes = [c for c in _diff(tmp_path, old, new) if "Shared" in c.location]
    assert sorted(c.id for c in changes) == ["request-property-became-optional", "response-property-became-optional"]
    assert all(c.operations == {"POST /things"} for c in changes)


def test_inline_members_with_the_same_type_are_kept_apart(tmp_path):
    two = {"oneOf": [obj({"a": S}), obj({"b": S})]}
    two_changed = {"oneOf": [obj({"a": S}), obj({"b": {"type": "integer"}})]}
    changes = _diff(tmp_path, document(res=obj({"u": two})), document(res=obj({"u": two_changed})))
    assert [c.id for c in changes] == ["response-property-type-changed"]


def test_recursive_schema_terminates(tmp_path):
    node = obj({"child": {"$ref": "#/components/schemas/Node"}, "v": S})
    node2 = obj({"child": {"$ref": "#/components/schemas/Node"}, "v": {"type": "integer"}})
    changes = _diff(tmp_path, document(res=obj({"n": {"$ref": "#/components/schemas/Node"}}), extra={"Node": node}),
                    document(res=obj({"n": {"$ref": "#/components/schemas/Node"}}), extra={"Node": node2}))
    assert [c.id for c in changes] == ["response-property-type-changed"]


def test_external_ref_is_resolved(tmp_path):
    (tmp_path / "common.yaml").write_text("Thing:\n  type: object\n  properties:\n    a: {type: string}\n")
    (tmp_path / "common2.yaml").write_text("Thing:\n  type: object\n  properties:\n    a: {type: integer}\n")
    old = document(res={"$ref": "common.yaml#/Thing"})
    new = document(res={"$ref": "common2.yaml#/Thing"})
    assert "response-property-type-changed" in _ids(_diff(tmp_path, old, new))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_formats(tmp_path, capsys, fmt):
    old, new = write(tmp_path, "o.yaml", document()), write(tmp_path, "n.yaml", document(req=obj({"a": S, "b": S},
                                                                                               ["a", "b"])))
    assert main(["schema", "diff", str(old), str(new), "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "new-required-request-property" in out
    if fmt == "markdown":
        assert "| Level | Check |" in out and "breaking for clients" in out
    if fmt == "json":
        assert json.loads(out)["changes"][0]["level"] == BREAKS_CLIENTS


def test_fail_on(tmp_path):
    old, new = write(tmp_path, "o.yaml", document()), write(tmp_path, "n.yaml", _with_status(document(), "201"))
    assert main(["schema", "diff", str(old), str(new), "--fail-on", "servers"]) == 0
    assert main(["schema", "diff", str(old), str(new), "--fail-on", "clients"]) == 1
    assert main(["schema", "diff", str(old), str(new), "--fail-on", "none"]) == 0


def test_compatible_only_exits_0(tmp_path):
    old, new = write(tmp_path, "o.yaml", document()), write(tmp_path, "n.yaml", document(extra={"New": OBJ}))
    assert main(["schema", "diff", str(old), str(new)]) == 0


@pytest.mark.parametrize("content", ["{not json", "a: [1", "just: a mapping\n", "- a list\n", "swagger: '2.0'\n"])
def test_unreadable_input_exits_2_with_one_line(tmp_path, capsys, content):
    bad = tmp_path / ("bad.json" if content.startswith("{") else "bad.yaml")
    bad.write_text(content)
    assert main(["schema", "diff", str(bad), str(STEPS)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad." in err[0] and "Traceback" not in err[0]


def test_missing_file_and_dangling_ref_exit_2(tmp_path, capsys):
    assert main(["schema", "diff", str(tmp_path / "nope.yaml"), str(STEPS)]) == 2
    dangling = write(tmp_path, "d.yaml", document(res={"$ref": "#/components/schemas/Nope"}))
    assert main(["schema", "diff", str(dangling), str(dangling)]) == 2
    assert "cannot resolve $ref" in capsys.readouterr().err
