"""Checks for our authored OpenAPI documents in ``schemas/``.

* Both documents load, declare OpenAPI 3.0.3 and every ``$ref`` resolves.
* Structural facts equal the official documents (names, properties, types,
  formats, enums, consts, required lists, flags, unions, discriminators,
  paths, operations, parameters), except for the deliberate, documented
  differences listed below.
* Every example embedded in the official documents validates against *our*
  schemas, except an exact allow-list of examples that break the official
  schema too.
* No official description prose was copied.

The fact and example tests need the vendored official documents in
``<repo>/../shared/reference/openapi/`` and skip when it is absent (CI).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
OFFICIAL_DIR = Path(__file__).resolve().parents[2] / "shared/reference/openapi"

REVISIONS = ("legacy", "2026-05-20")
OURS_FILE = {rev: SCHEMAS / f"interactions-{rev}.openapi.yaml" for rev in REVISIONS}
OFFICIAL_FILE = {rev: OFFICIAL_DIR / f"interactions-{rev}.openapi.json" for rev in REVISIONS}

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PROSE = {"description", "summary", "example", "examples"}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


# ---------------------------------------------------------------------------------------------
# Our deliberate differences (each one is also marked with `x-iconf-note` in the YAML).
# ---------------------------------------------------------------------------------------------

_EVENTS = {
    "InteractionStartEvent",
    "InteractionCompleteEvent",
    "InteractionCreatedEvent",
    "InteractionCompletedEvent",
    "InteractionStatusUpdate",
    "ContentStart",
    "ContentDelta",
    "ContentStop",
    "StepStart",
    "StepDelta",
    "StepStop",
    "ErrorEvent",
}
# Properties we add: component -> {property: exact schema facts}.
ADDED_PROPERTIES: dict[str, dict[str, Any]] = {
    "Interaction": {"object": {"type": "string", "enum": ["interaction"]}},
    "Error": {"status": {"type": "string"}},
    **{ev: {"metadata": {"type": "object"}} for ev in _EVENTS},
    # the result delta requires `result`, so an assembled file_search_result step carries it
    "FileSearchResultStep": {"result": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/FileSearchResult"}}},
    # step.delta metadata is typed by the newer SDKs: {total_usage: Usage} (API-FACTS §9)
    "StepDelta": {"metadata": {"type": "object",
                               "properties": {"total_usage": {"$ref": "#/components/schemas/Usage"}}}},
}
# Properties whose schema we change: component -> {property: exact schema facts}.
CHANGED_PROPERTIES: dict[str, dict[str, Any]] = {
    "Error": {"code": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
}
# Components that exist only in our documents.
ADDED_COMPONENTS = {"legacy": {"ErrorResponse", "Empty"}, "2026-05-20": {"ErrorResponse"}}

# Facts newer than the official document (API-FACTS §9: the google-genai 3.6.1 and
# @google/genai 3.3.0 typings) are additions marked in the YAML itself:
#   x-iconf-added: SOURCE            on a new component or a new property
#   x-iconf-added-values: [...]      enum values appended to an official enum
#   x-iconf-added-members: [...]     members appended to an official oneOf/anyOf
# `without_additions` removes exactly those before the fact comparison, so everything
# official still has to match and every addition has to say where it comes from.
ADDED_MARKS = ("x-iconf-added", "x-iconf-added-values", "x-iconf-added-members")


def without_additions(node: Any, names: bool = False) -> Any:
    """The document as it was before the marked additions (see ADDED_MARKS)."""
    if isinstance(node, list):
        return [without_additions(v) for v in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {k: without_additions(v) for k, v in node.items()
                if not (isinstance(v, dict) and "x-iconf-added" in v)}
    out = {k: without_additions(v, names=(k == "properties")) for k, v in node.items()}
    for value in node.get("x-iconf-added-values", []):
        out["enum"] = [e for e in out["enum"] if e != value]
    for member in node.get("x-iconf-added-members", []):
        for key in ("oneOf", "anyOf"):
            if key in out:
                out[key] = [m for m in out[key] if m != member]
    return out


def added_components(rev: str) -> set[str]:
    return {n for n, s in _load_ours(rev)["components"]["schemas"].items() if "x-iconf-added" in s}


# ---------------------------------------------------------------------------------------------
# Official examples that fail against OUR document. Every one of them fails against the
# official document too (checked below): they are inconsistencies inside Google's file, not
# differences we introduced. (revision, location) -> (why, fragment of the expected error).
# The set must stay exact: a new failure or a fixed one both fail the test.
# ---------------------------------------------------------------------------------------------
KNOWN_BAD_OFFICIAL_EXAMPLES: dict[tuple[str, str], tuple[str, str]] = {
    # Start events carry a type-only block; TextContent requires `text` (API-FACTS §8).
    ("legacy", "components/ContentStart/examples/content_start"): (
        "content.start with {type: text} and no text",
        "is not valid under any of the given schemas",
    ),
    ("2026-05-20", "components/ContentStart/examples/content_start"): (
        "content.start with {type: text} and no text",
        "is not valid under any of the given schemas",
    ),
    # Lifecycle events carry a partial Interaction, but the schema is the full resource (§8).
    ("legacy", "components/InteractionStartEvent/examples/interaction_start"): (
        "partial interaction lacks created/updated",
        "'created' is a required property",
    ),
    ("2026-05-20", "components/InteractionCreatedEvent/examples/interaction_created"): (
        "partial interaction lacks steps",
        "'steps' is a required property",
    ),
    ("2026-05-20", "components/InteractionCompletedEvent/examples/interaction_completed"): (
        "completed event omits steps to save bytes",
        "'steps' is a required property",
    ),
    # The cancel response example has no `steps`, yet Interaction requires it in 2026-05-20.
    ("2026-05-20", "POST /{api_version}/interactions/{id}/cancel 200 examples/cancel"): (
        "cancel example lacks steps",
        "'steps' is a required property",
    ),
    # Upper-case status in the example; the enum is lower-case.
    ("legacy", "components/UrlContextResultContent/examples/url_context_result"): (
        "url_context result status 'SUCCESS' vs lower-case enum",
        "'SUCCESS' is not one of",
    ),
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


@cache
def _load_ours(rev: str) -> dict:
    return yaml.load(OURS_FILE[rev].read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506


@cache
def _load_official(rev: str) -> dict:
    return json.loads(OFFICIAL_FILE[rev].read_text(encoding="utf-8"))


def ours(rev: str) -> dict:
    return copy.deepcopy(_load_ours(rev))


def official(rev: str) -> dict:
    if not OFFICIAL_FILE[rev].is_file():
        pytest.skip(f"official reference document not available: {OFFICIAL_FILE[rev]}")
    return copy.deepcopy(_load_official(rev))


def facts(node: Any, names: bool = False) -> Any:
    """Structure without prose: drop description/summary/examples and every ``x-*`` key.

    Schema-aware: inside ``properties`` the keys are property *names* (a property may be
    called ``description`` or ``summary``) and are kept.
    """
    if isinstance(node, dict):
        if names:
            return {k: facts(v) for k, v in node.items()}
        return {
            k: facts(v, names=(k == "properties"))
            for k, v in node.items()
            if k not in _PROSE and not k.startswith("x-")
        }
    if isinstance(node, list):
        return [facts(v) for v in node]
    return node


def prose(node: Any, names: bool = False) -> Iterator[str]:
    """Every description/summary string (keyword position only)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if names:
                yield from prose(v)
            elif k in ("example", "examples", "x-codeSamples"):
                continue
            elif k in ("description", "summary") and isinstance(v, str):
                yield v
            else:
                yield from prose(v, names=(k == "properties"))
    elif isinstance(node, list):
        for v in node:
            yield from prose(v)


def keywords(node: Any, names: bool = False, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every keyword position (property names excluded)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if names:
                yield from keywords(v, path=f"{path}/{k}")
                continue
            yield path, k, v
            yield from keywords(v, names=(k == "properties"), path=f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from keywords(v, path=f"{path}/{i}")


def diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Readable differences between two fact trees (a = official, b = ours)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in b:
                out.append(f"{path}/{k}: missing in ours (official {json.dumps(a[k])[:120]})")
            elif k not in a:
                out.append(f"{path}/{k}: only in ours ({json.dumps(b[k])[:120]})")
            else:
                out += diff(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in diff(x, y, f"{path}/{i}")]
    return [] if a == b else [f"{path or '/'}: official {json.dumps(a)[:120]} != ours {json.dumps(b)[:120]}"]


def resolve_pointer(doc: dict, ref: str) -> Any:
    assert ref.startswith("#/"), f"only local refs are used: {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def effective_parameters(doc: dict, path: str, method: str) -> dict[tuple[str, str], dict]:
    """Path-level parameters overridden by operation-level ones, refs resolved."""
    item = doc["paths"][path]
    out: dict[tuple[str, str], dict] = {}
    for p in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        if "$ref" in p:
            p = resolve_pointer(doc, p["$ref"])
        out[(p["name"], p["in"])] = p
    return out


def operations(doc: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in _METHODS:
                yield path, method, op


# ---------------------------------------------------------------------------------------------
# Loading, header, refs, hygiene (always run)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rev", REVISIONS)
def test_document_header(rev):
    doc = ours(rev)
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["title"] == f"Gemini Interactions API (interactions-conformance authored, {rev})"
    assert doc["info"]["version"] == rev
    assert doc["x-iconf-revision"] == rev
    assert [s["url"] for s in doc["servers"]] == ["https://generativelanguage.googleapis.com"]
    api = doc["components"]["parameters"]["api_version"]
    assert (api["name"], api["in"], api["required"]) == ("api_version", "path", True)
    assert api["schema"] == {"type": "string", "enum": ["v1beta", "v1"], "default": "v1beta"}


@pytest.mark.parametrize("rev", REVISIONS)
def test_every_ref_resolves(rev):
    doc = ours(rev)
    refs = [(p, v) for p, k, v in keywords(doc) if k == "$ref"]
    assert len(refs) > 100
    for where, ref in refs:
        try:
            resolve_pointer(doc, ref)
        except (KeyError, IndexError, ValueError) as exc:
            pytest.fail(f"{where}: $ref {ref} does not resolve ({exc!r})")


@pytest.mark.parametrize("rev", REVISIONS)
def test_hygiene(rev):
    """No copied examples or vendor extensions; no strictness the official lacks; short prose."""
    doc = ours(rev)
    for where, key, value in keywords(doc):
        assert key not in ("example", "examples", "x-codeSamples", "x-google-enum-descriptions"), where
        assert not key.startswith("x-stainless"), where
        assert not (key == "additionalProperties" and value is False), where
        assert key not in ("maxProperties", "nullable"), where
    for text in prose(doc):
        assert "\n" not in text and len(text) <= 200, text
    for name, schema in doc["components"]["schemas"].items():
        assert schema.get("description"), f"{name} has no description"


@pytest.mark.parametrize("rev", REVISIONS)
def test_additions_are_marked(rev):
    """Every component we add or change carries x-iconf-note, and nothing else does."""
    schemas = ours(rev)["components"]["schemas"]
    expected = ADDED_COMPONENTS[rev] | ((set(ADDED_PROPERTIES) | set(CHANGED_PROPERTIES)) & set(schemas))
    if rev == "2026-05-20":
        expected.discard("Empty")  # official there; only the legacy document lacks it
    assert {n for n, s in schemas.items() if "x-iconf-note" in s} == expected
    assert facts(schemas["ErrorResponse"]) == {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/Error"}},
    }
    assert facts(schemas["Empty"]) == {"type": "object"}
    for path, method, op in operations(ours(rev)):
        default = op["responses"]["default"]["content"]["application/json"]["schema"]
        assert default == {"$ref": "#/components/schemas/ErrorResponse"}, f"{method} {path}"
    for path in ("/{api_version}/interactions/{id}",):
        delete = ours(rev)["paths"][path]["delete"]["responses"]["200"]["content"]["application/json"]
        assert delete["schema"] == {"$ref": "#/components/schemas/Empty"}


# ---------------------------------------------------------------------------------------------
# Fact equality with the official documents
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rev", REVISIONS)
def test_component_names_match_official(rev):
    off = set(official(rev)["components"]["schemas"])
    mine = set(ours(rev)["components"]["schemas"])
    assert off - mine == set(), "official components missing in ours"
    assert mine - off == ADDED_COMPONENTS[rev] | added_components(rev), "components only in ours"


def _component_cases() -> list:
    return [
        pytest.param(rev, name, id=f"{rev}:{name}")
        for rev in REVISIONS
        for name in _load_ours(rev)["components"]["schemas"]
    ]


@pytest.mark.parametrize("rev,name", _component_cases())
def test_component_facts_match_official(rev, name):
    """Deep equality of everything but prose: property names, type, format, enum, const,
    default, required, readOnly/writeOnly/deprecated, items, additionalProperties,
    oneOf/anyOf members and discriminators, titles."""
    if name in ADDED_COMPONENTS[rev]:
        pytest.skip("our own component (see ADDED_COMPONENTS)")
    if name in added_components(rev):
        pytest.skip("newer than the official document (x-iconf-added)")
    off = facts(official(rev)["components"]["schemas"][name])
    mine = facts(without_additions(ours(rev)["components"]["schemas"][name]))
    props = mine.get("properties", {})
    for prop, expected in {**ADDED_PROPERTIES.get(name, {}), **CHANGED_PROPERTIES.get(name, {})}.items():
        assert props.get(prop) == expected, f"{name}.{prop}: deliberate difference changed"
        del props[prop]
        if prop in CHANGED_PROPERTIES.get(name, {}):
            del off["properties"][prop]
    problems = diff(off, mine)
    assert not problems, f"{rev} {name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("rev", REVISIONS)
def test_paths_and_parameters_match_official(rev):
    off, mine = official(rev), ours(rev)
    assert set(off["paths"]) == set(mine["paths"])
    off_ops = {(p, m): op for p, m, op in operations(off)}
    my_ops = {(p, m): op for p, m, op in operations(mine)}
    assert set(off_ops) == set(my_ops)
    problems: list[str] = []
    for (path, method), o in off_ops.items():
        me = my_ops[(path, method)]
        where = f"{method.upper()} {path}"
        for key in ("operationId", "x-internal", "deprecated"):
            if o.get(key) != me.get(key):
                problems.append(f"{where}: {key} {o.get(key)!r} != {me.get(key)!r}")
        op_params, my_params = (
            effective_parameters(off, path, method),
            effective_parameters(mine, path, method),
        )
        if set(op_params) != set(my_params):
            problems.append(f"{where}: parameters {sorted(op_params)} != {sorted(my_params)}")
            continue
        for key, p in op_params.items():
            q = my_params[key]
            if key == ("api_version", "path"):
                # Deliberate: we add required: true (mandatory for path params) and the enum.
                if p["schema"]["type"] != q["schema"]["type"] or not q.get("required"):
                    problems.append(f"{where}: api_version parameter changed")
                continue
            for attr in ("required", "deprecated"):
                if bool(p.get(attr)) != bool(q.get(attr)):
                    problems.append(f"{where}: param {key} {attr} differs")
            problems += [f"{where}: param {key}{d}" for d in diff(facts(p["schema"]), facts(q["schema"]))]
        ob, mb = o.get("requestBody"), me.get("requestBody")
        if (ob is None) != (mb is None):
            problems.append(f"{where}: requestBody presence differs")
        elif ob:
            if bool(ob.get("required")) != bool(mb.get("required")):
                problems.append(f"{where}: requestBody.required differs")
            problems += [f"{where}: body{d}" for d in diff(facts(ob["content"]), facts(mb["content"]))]
        problems += [f"{where}: {p}" for p in _response_problems(o["responses"], me["responses"])]
    assert not problems, "\n".join(problems)


_INLINE_ERROR = {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/Error"}}}
_ERROR_RESPONSE = {"$ref": "#/components/schemas/ErrorResponse"}


def _response_problems(off: dict, mine: dict) -> list[str]:
    """Map official responses to ours under our documented rules:

    * official inline ``{error: Error}`` default -> our ``default`` is ErrorResponse;
    * official success body under ``default`` (webhooks) -> ours under ``200``;
    * official inline ``{type: object}`` delete body -> our Empty component;
    * anything else must be identical.
    """
    problems = []
    expected: dict[str, Any] = {}
    for code, resp in off.items():
        schema = facts(resp["content"]["application/json"]["schema"])
        if schema == _INLINE_ERROR:
            expected[code] = _ERROR_RESPONSE
        elif code == "default":
            expected["200"] = schema
            expected["default"] = _ERROR_RESPONSE
        elif schema == {"type": "object"}:
            expected[code] = {"$ref": "#/components/schemas/Empty"}
        else:
            expected[code] = schema
    got = {code: facts(r["content"]["application/json"]["schema"]) for code, r in mine.items()}
    if expected != got:
        problems.append(f"responses {expected} != {got}")
    for code, resp in mine.items():
        if set(resp["content"]) != {"application/json"}:
            problems.append(f"response {code}: media types {sorted(resp['content'])}")
    return problems


# ---------------------------------------------------------------------------------------------
# Official examples validate against our schemas
# ---------------------------------------------------------------------------------------------


def official_examples(doc: dict) -> Iterator[tuple[str, dict, Any]]:
    """(location, target, value); target is {"component": name} or {"pointer": json-pointer}."""
    for name, schema in doc["components"]["schemas"].items():
        if "example" in schema:
            yield f"components/{name}/example", {"component": name}, schema["example"]
        examples = schema.get("examples", [])
        for entry in examples if isinstance(examples, list) else [examples]:
            named = entry.items() if isinstance(entry, dict) else []
            for key, ex in named:
                if isinstance(ex, dict) and "value" in ex:
                    yield f"components/{name}/examples/{key}", {"component": name}, ex["value"]
                else:
                    raise AssertionError(f"unexpected example shape in {name}: {key}")
    for path, method, op in operations(doc):
        for code, resp in op.get("responses", {}).items():
            for media, content in resp.get("content", {}).items():
                target = {"response": (path, method, code, media)}
                if "example" in content:
                    yield f"{method.upper()} {path} {code} example", target, content["example"]
                for key, ex in content.get("examples", {}).items():
                    yield f"{method.upper()} {path} {code} examples/{key}", target, ex["value"]
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            target = {"request": (path, method, media)}
            if "example" in content:
                yield f"{method.upper()} {path} request example", target, content["example"]
            for key, ex in content.get("examples", {}).items():
                yield f"{method.upper()} {path} request examples/{key}", target, ex["value"]


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _validator_for(doc: dict, target: dict) -> Draft202012Validator:
    """A 2020-12 validator whose $ref targets ``doc``; ``discriminator`` is an unknown
    keyword to jsonschema, i.e. a no-op."""
    uri = "urn:iconf:document"
    registry = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
    if "component" in target:
        pointer = _pointer("components", "schemas", target["component"])
    elif "response" in target:
        path, method, code, media = target["response"]
        responses = doc["paths"][path][method]["responses"]
        if code not in responses:
            code = "200"
        pointer = _pointer("paths", path, method, "responses", code, "content", media, "schema")
    else:
        path, method, media = target["request"]
        pointer = _pointer("paths", path, method, "requestBody", "content", media, "schema")
    resolve_pointer(doc, pointer)  # fail loudly if the target is missing
    return Draft202012Validator({"$ref": uri + pointer}, registry=registry)


def _failures(examples_from: dict, validate_against: dict) -> dict[str, list[str]]:
    out = {}
    for where, target, value in official_examples(examples_from):
        errors = [e.message for e in _validator_for(validate_against, target).iter_errors(value)]
        if errors:
            out[where] = errors
    return out


@pytest.mark.parametrize("rev", REVISIONS)
def test_official_examples_validate_against_ours(rev):
    off = official(rev)
    found = list(official_examples(off))
    assert len(found) >= 20, "expected the official document to embed examples"
    failures = _failures(off, ours(rev))
    allowed = {loc: v for (r, loc), v in KNOWN_BAD_OFFICIAL_EXAMPLES.items() if r == rev}
    unexpected = {k: v for k, v in failures.items() if k not in allowed}
    assert not unexpected, f"official examples rejected by our {rev} schemas: {unexpected}"
    stale = sorted(set(allowed) - set(failures))
    assert not stale, f"allow-listed examples now validate; remove them from the allow-list: {stale}"
    for loc, (_why, fragment) in allowed.items():
        assert any(fragment in msg for msg in failures[loc]), (
            f"{loc}: fails for another reason: {failures[loc]}"
        )


@pytest.mark.parametrize("rev", REVISIONS)
def test_allow_listed_examples_fail_against_official_too(rev):
    """The allow-list only excuses inconsistencies inside the official document."""
    off = official(rev)
    failures = _failures(off, off)
    allowed = {loc for (r, loc) in KNOWN_BAD_OFFICIAL_EXAMPLES if r == rev}
    assert set(failures) == allowed


def test_allow_list_is_exact():
    assert len(KNOWN_BAD_OFFICIAL_EXAMPLES) == 7
    assert {r for r, _ in KNOWN_BAD_OFFICIAL_EXAMPLES} == set(REVISIONS)


# ---------------------------------------------------------------------------------------------
# No copied prose
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rev", REVISIONS)
def test_no_official_prose_copied(rev):
    long_official: set[str] = set()
    for r in REVISIONS:
        long_official |= {t.strip() for t in prose(official(r)) if len(t.strip()) > 40}
    mine = [t.strip() for t in prose(ours(rev))]
    mine += [v.strip() for _, k, v in keywords(ours(rev)) if k == "x-iconf-note"]
    copied = [t for t in mine if t in long_official]
    assert not copied, f"descriptions equal to official prose: {copied}"
    contained = [o for o in long_official for t in mine if len(t) > 40 and o in t]
    assert not contained, f"descriptions containing official prose: {contained}"
