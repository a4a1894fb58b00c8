"""The request strategies (conformance.suite.strategies): valid requests pass the request rules, invalid ones fail them."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conformance.checks import check_get_params, check_request
from conformance.rules import RULES
from conformance.suite import strategies as S

MODEL = "gemini-3-flash-preview"
AGENT = "deep-research-pro-preview-12-2025"
REVISIONS = ["2026-05-20", "legacy"]
FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


@pytest.mark.parametrize("revision", REVISIONS)
def test_valid_requests_break_no_must_rule(schemas_for, revision):
    schemas = schemas_for(revision)
    component = schemas.profile.request_components["model"]

    @FAST
    @given(S.valid_create_requests(schemas, MODEL))
    def check(request):
        must = [v for v in check_request(schemas, request) if v.level == "MUST"]
        assert not must, (request, [str(v) for v in must])
        assert schemas.is_valid(component, request)
        assert request["model"] == MODEL
        assert not {"stream", "previous_interaction_id", "agent", "agent_config"} & set(request)
        assert not (request.get("store") is False and request.get("background") is True)
        assert not any("[iconf" in s.lower() for s in _strings(request))
        json.dumps(request)

    check()


@pytest.mark.parametrize("revision", REVISIONS)
def test_narrowed_schema_is_self_contained(schemas_for, revision):
    schema = S.request_schema(schemas_for(revision), MODEL)
    text = json.dumps(schema)
    assert "$ref" not in text and '"if"' not in text and '"then"' not in text
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert not {"id", "status", "created", "updated", "usage", "role", "steps", "outputs"} & set(props)
    assert len(props["input"]["anyOf"]) == 4  # every input form is kept


def _must_reject(schemas, bad: S.BadRequest) -> bool:
    if bad.query is not None:
        return bool(check_get_params(bad.query))
    if bad.kind == "malformed-json":
        try:
            body = json.loads(bad.content())
        except ValueError:
            return True  # not JSON at all
        return not isinstance(body, dict) and bool(check_request(schemas, body))
    if bad.kind == "oversized":
        return _beyond_declared_range(schemas, bad.body)
    violations = check_request(schemas, bad.body)
    return any(RULES[v.rule_id].party == "both" or v.rule_id == "schema.request.valid" for v in violations)


def _beyond_declared_range(schemas, body) -> bool:
    """An integer outside the range its field's format (int32) declares in the document."""
    for path, _allowed, _enum in S.wrong_type_fields(schemas):
        node = body
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        bounds = S.int_bounds(schemas, path)
        if isinstance(node, int) and bounds and not bounds[0] <= node <= bounds[1]:
            return True
    return False


@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("kind", S.INVALID_KINDS)
def test_invalid_requests_are_invalid(schemas_for, revision, kind):
    schemas = schemas_for(revision)

    @FAST
    @given(S.invalid_create_requests(schemas, MODEL, AGENT, kind=kind))
    def check(bad):
        assert bad.kind == kind
        assert bad.rule_id in RULES
        assert _must_reject(schemas, bad), bad
        if bad.body is not None and RULES[bad.rule_id].party == "both":
            assert bad.rule_id in {v.rule_id for v in check_request(schemas, bad.body)}, bad

    check()


def test_every_invalid_kind_is_drawn(schemas_for):
    schemas = schemas_for("2026-05-20")
    seen = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(S.invalid_create_requests(schemas, MODEL, AGENT))
    def collect(bad):
        seen.add((bad.kind, bad.rule_id))

    collect()
    assert {k for k, _ in seen} == set(S.INVALID_KINDS)
    assert {"request.input.required", "request.model-xor-agent", "request.store-false.no-background",
            "request.agent.background", "request.last-event-id.needs-stream"} <= {r for _, r in seen}


def test_agent_and_stored_cases_only_when_the_target_can(schemas_for):
    schemas = schemas_for("2026-05-20")

    @FAST
    @given(S.invalid_create_requests(schemas, MODEL, None, stored=False, kind="forbidden"))
    def check(bad):
        assert bad.query is None
        assert "agent" not in (bad.body or {})

    check()


@pytest.mark.parametrize("revision", REVISIONS)
def test_shrinking_gives_the_minimal_request(schemas_for, revision):
    """A property failing on any temperature shrinks to model, the simplest input and that one field."""
    schemas = schemas_for(revision)
    minimal = find(S.valid_create_requests(schemas, MODEL),
                   lambda r: "temperature" in r.get("generation_config", {}),
                   settings=settings(database=None, derandomize=True, suppress_health_check=list(HealthCheck)))
    assert set(minimal) == {"model", "input", "generation_config"}
    assert minimal["generation_config"] == {"temperature": 0}
    shrunk = minimal["input"]  # one of the simplest inputs: a one-character text or one block
    assert (isinstance(shrunk, str) and len(shrunk) == 1) or (isinstance(shrunk, dict) and len(shrunk) <= 3), shrunk


def test_defang_removes_directives():
    assert S.defang({"input": ["[iconf: fail] hi", {"text": "[ICONF:thought]"}]}) == \
        {"input": ["(iconf: fail] hi", {"text": "(ICONF:thought]"}]}
    assert S.defang("[ iconf: x]") == "( iconf: x]"
    assert S.defang("[other]") == "[other]"


@given(st.text())
@settings(max_examples=200, database=None, derandomize=True)
def test_defang_leaves_no_directive(text):
    from conformance.mock.parse import _DIRECTIVE

    assert not _DIRECTIVE.search(S.defang(text))


def test_semantic_excuse_only_for_model_dependent_settings():
    request = {"model": MODEL, "input": "hi", "generation_config": {"thinking_level": "minimal"}}
    body = {"error": {"code": 400, "message": "thinking_level minimal is not supported by this model"}}
    assert S.semantic_excuse(request, 400, body)
    assert S.semantic_excuse(request, 500, body) is None
    assert S.semantic_excuse({"model": MODEL, "input": "hi"}, 400, body) is None
    assert S.semantic_excuse(request, 400, {"error": {"code": 400, "message": "Invalid value at 'input'"}}) is None
