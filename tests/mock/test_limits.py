"""Each request limit answers a prompt 4xx in the envelope naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockConfig
from conformance.mock.limits import Limits

from .helpers import MODEL, Client


@pytest.fixture
def client():
    c = Client(MockConfig(), revision="2026-05-20")
    yield c
    c.close()


def _deep(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def _post(client, body: object) -> tuple[int, dict]:
    r = client.post("/v1beta/interactions", content=json.dumps(body), headers={"Content-Type": "application/json"})
    return r.status_code, r.json()


def _fn_tool(parameters: object) -> list:
    return [{"type": "function", "name": "f", "parameters": parameters}]


@pytest.mark.parametrize("body, status, field", [
    ({"model": MODEL, "input": "x", "extra": _deep(250)}, 400, "extra"),
    ({"model": MODEL, "input": [{"type": "text", "text": "t"}] * 3000}, 400, "input"),
    ({"model": MODEL, "input": "x", "tools": [{"type": "google_search"}] * 500}, 400, "tools"),
    ({"model": MODEL, "input": "[iconf: function_call]", "tools": _fn_tool({"type": "object", "properties": [1]})},
     400, "tools[0].parameters.properties"),
    ({"model": MODEL, "input": "[iconf: function_call]", "tools": _fn_tool({"type": "object", "required": [1]})},
     400, "tools[0].parameters.required"),
    ({"model": MODEL, "input": "[iconf: function_call]",
      "tools": _fn_tool({"type": "object", "properties": {"a": {"type": "array", "minItems": 10_000_000}}})},
     400, "tools[0].parameters.properties.a.minItems"),
    ({"model": MODEL, "input": "x", "response_format": {"type": "text", "mime_type": "application/json",
                                                        "schema": {"type": "string", "minLength": 10 ** 9}}},
     400, "response_format.schema.minLength"),
    ({"model": MODEL, "input": "x", "response_format": {"type": "text", "mime_type": "application/json",
                                                        "schema": {"type": "object", "minProperties": 1e8}}},
     400, "response_format.schema.minProperties"),
])
def test_limits_answer_4xx_naming_the_field(client, body, status, field):
    code, answer = _post(client, body)
    assert code == status, answer
    assert f"'{field}" in answer["error"]["message"], answer
    assert client.app.state.mock.store.count() == 0


def test_a_body_over_the_size_limit_is_413_before_it_is_read():
    c = Client(MockConfig(limits=Limits(max_body_bytes=1000)), revision="2026-05-20")
    try:
        r = c.post("/v1beta/interactions", content=json.dumps({"model": MODEL, "input": "x" * 5000}),
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "max_body_bytes" in r.json()["error"]["message"]
    finally:
        c.close()


def test_a_self_referencing_schema_generates_within_the_node_budget(client):
    schema = {"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}, "c": {"$ref": "#"}},
              "required": ["a", "b", "c"]}
    code, answer = _post(client, {"model": MODEL, "input": "x", "response_format": {
        "type": "text", "mime_type": "application/json", "schema": schema}})
    assert code in (200, 400), answer
    if code == 400:
        assert "max_generated_nodes" in answer["error"]["message"]


def test_huge_numbers_in_a_schema_still_render(client):
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1e300, "multipleOf": 1e-300}}}
    code, answer = _post(client, {"model": MODEL, "input": "x", "response_format": {
        "type": "text", "mime_type": "application/json", "schema": schema}})
    assert code in (200, 400), answer
    if code == 200:
        assert client.get(f"/v1beta/interactions/{answer['id']}").status_code == 200


def test_legacy_typed_response_format_schema_is_checked_too():
    c = Client(MockConfig(), revision="legacy")
    try:
        code, answer = _post(c, {"model": MODEL, "input": "json please", "response_format": {
            "type": "text", "mime_type": "application/json", "schema": {"type": "object", "properties": [1, 2]}}})
        assert code == 400 and "'response_format.schema.properties'" in answer["error"]["message"], answer
    finally:
        c.close()
