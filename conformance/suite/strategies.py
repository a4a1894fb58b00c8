"""Hypothesis strategies for create requests, built from the profile's OpenAPI document.

Nothing here spells out a request shape by hand: every piece is drawn with
hypothesis-jsonschema from a component of the document the run validates
against (``SchemaSet``), after two steps:

1. **inline** — ``$ref``\\ s resolved, the SchemaSet's rewritten discriminated
   unions (``if type == X then $ref X``) turned back into plain ``anyOf``
   unions a generator can draw from, OpenAPI number formats turned into
   bounds (``int32``) or dropped (``float``), annotations stripped;
2. **narrow** — the schema is cut down to what any conforming server can
   answer with the model under test: no output-only fields, no agent fields,
   no ``stream``/``previous_interaction_id`` (the scenarios control those),
   text and image input only (the image a fixed 1x1 PNG, since a real model
   rejects random bytes), user/model steps and turns only, built-in tools a
   model serves on any account, sampling settings within their documented
   bounds, short strings and lists, no undeclared properties (Google APIs
   reject unknown fields). Narrowing only ever removes instances, so every
   request drawn is valid against the original component.

Semantic rules the schema cannot express are kept by small ``map`` steps
(store=false never goes with background=true; a conversation ends on a user
turn; unique function names; no ``[iconf: ...]`` directive in any text, which
would steer the scripted mock). Because the strategies are composed from
small pieces (optional keys, short lists), Hypothesis shrinks a failing
request to the fewest fields that still fail.

``invalid_create_requests`` draws requests that break exactly one thing:
a wrong JSON type for a declared field, no input, a forbidden combination,
malformed JSON, or an integer beyond the ``int32`` the schema declares.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from hypothesis import Phase, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ..schema import SchemaSet

__all__ = [
    "BadRequest", "CORE_GENERATION_FIELDS", "INVALID_KINDS", "PNG_1X1", "defang", "inline", "invalid_create_requests",
    "request_schema", "run_settings", "semantic_excuse", "valid_create_requests", "wrong_type_fields",
]

_REF = "#/components/schemas/"
_DROP_KEYS = {"description", "title", "deprecated", "example", "examples", "$comment", "writeOnly", "externalDocs",
              "discriminator", "nullable"}
_INT_BOUNDS = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1),
               "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 64 - 1)}
#: the only string formats kept (the rest are annotations to a generator)
_KEPT_FORMATS = {"byte", "date-time", "date", "uri", "email"}

#: a valid 1x1 PNG: real models reject random bytes labelled image/png, so inline media is this one image
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
#: generation_config fields every model takes; the others (speech, image, tool_choice) depend on the model
CORE_GENERATION_FIELDS = ("temperature", "top_p", "seed", "stop_sequences", "max_output_tokens", "thinking_level",
                          "thinking_summaries")
#: documented ranges (rule request.generation-config.bounds) the schema does not declare
_GENERATION_BOUNDS = {"temperature": {"minimum": 0, "maximum": 2}, "top_p": {"minimum": 0, "maximum": 1},
                      "max_output_tokens": {"minimum": 1, "maximum": 4096}}
#: built-in tools a model serves without per-account resources (no MCP URL, file store, maps key, VM)
_SAFE_TOOLS = ("function", "google_search", "code_execution", "url_context")
_FORMATS = {"byte": st.binary(min_size=1, max_size=12).map(lambda b: base64.b64encode(b).decode())}
_DIRECTIVE = re.compile(r"\[(\s*iconf)", re.IGNORECASE)
_MAX_TEXT = 40
_MAX_ITEMS = 3


def run_settings(max_requests: int | None, name: str) -> Callable[[Callable], Callable]:
    """Decorator (above ``@given``) for a property against a target.

    The loaded profile's settings, plus a seed fixed by ``name``: the profile's ``derandomize``
    seeds from the test function's source, so any edit of a test would change its examples and
    orphan its recorded cassettes; a named seed changes only when the strategy does. Under a
    request budget (live) the shrink and explain phases are left out, as every step would be
    another paid request (the failing example is reported as found).
    """
    chosen = settings()
    if max_requests is not None:
        chosen = settings(chosen, phases=[p for p in Phase if p not in (Phase.shrink, Phase.explain)])

    def decorate(test: Callable) -> Callable:
        return seed(zlib.crc32(name.encode()))(chosen(test))
    return decorate


# --- schema plumbing ----------------------------------------------------------------------------------


def inline(schemas: SchemaSet, name: str) -> dict:
    """Component ``name`` as a self-contained JSON Schema (draft 7) a generator can draw from."""
    return copy.deepcopy(_inline_cached(schemas, name))


@lru_cache(maxsize=256)
def _inline_cached(schemas: SchemaSet, name: str) -> dict:
    return _walk(schemas, schemas.component(name), (name,))


def _walk(schemas: SchemaSet, node: Any, stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_walk(schemas, item, stack) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        target = ref[len(_REF):]
        if target in stack:  # a recursive schema: stop here (no instance needs to recurse)
            return False
        out = _walk(schemas, schemas.component(target), (*stack, target))
        if node.get("readOnly") and isinstance(out, dict):
            out = {**out, "readOnly": True}
        return out
    out: dict = {}
    for key, value in node.items():
        if key in _DROP_KEYS or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: _walk(schemas, v, stack) for k, v in value.items()}
        else:
            out[key] = _walk(schemas, value, stack)
    _undo_discriminator(out)
    fmt = out.get("format")
    if isinstance(fmt, str):
        if fmt in _INT_BOUNDS and out.get("type") == "integer":
            low, high = _INT_BOUNDS[fmt]
            out.setdefault("minimum", low)
            out.setdefault("maximum", high)
        if fmt not in _KEPT_FORMATS:
            del out["format"]
    return out


def _undo_discriminator(out: dict) -> None:
    """``allOf: [{if type==X, then S_X}, ..., guard]`` (SchemaSet's rewrite) back into ``anyOf: [S_X, ...]``."""
    parts = out.get("allOf")
    if not isinstance(parts, list) or not parts:
        return
    branches = [p["then"] for p in parts if isinstance(p, dict) and "if" in p and "then" in p]
    if not branches:
        return
    rest = [p for p in parts if not (isinstance(p, dict) and "if" in p and "then" in p) and not _is_guard(p)]
    del out["allOf"]
    if rest:
        out["allOf"] = rest
    out["anyOf"] = [*out.pop("anyOf", []), *branches]


def _is_guard(part: Any) -> bool:
    # the guard branch ({"properties": {"type": {"enum": [...]}}}) lost its $comment in _walk; it only restates the tags
    return (isinstance(part, dict) and set(part) == {"properties"}
            and set(part["properties"]) == {"type"} and "enum" in part["properties"]["type"])


def _tag(member: Any) -> str | None:
    """The discriminator value of a union member: properties.type.const (or a one-value enum)."""
    if not isinstance(member, Mapping):
        return None
    node = member.get("properties", {}).get("type", {})
    if not isinstance(node, Mapping):
        return None
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    return enum[0] if isinstance(enum, list) and len(enum) == 1 else None


def _members(node: Mapping) -> list:
    return list(node.get("anyOf", []))


def _tags(node: Any) -> set[str]:
    return {t for t in (_tag(m) for m in _members(node)) if t} if isinstance(node, Mapping) else set()


def _keep_tags(union: dict, keep: dict[str, Any]) -> dict:
    """The union cut to the members tagged in ``keep``; each member passed through ``keep[tag]``."""
    members = [keep[_tag(m)](m) for m in _members(union) if _tag(m) in keep]
    out = {k: v for k, v in union.items() if k != "anyOf"}
    out["anyOf"] = members
    return out


def _closed(node: Any) -> Any:
    """Every object schema with declared properties forbids others (Google APIs reject unknown fields)."""
    if isinstance(node, list):
        return [_closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: (_closed(v) if k not in ("properties", "const", "enum") else v) for k, v in node.items()}
    if "properties" in node:
        out["properties"] = {k: _closed(v) for k, v in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    return out


def _short_string(node: dict, *, min_length: int = 1, max_length: int = _MAX_TEXT) -> dict:
    if "enum" in node or "const" in node:
        return node
    return {**node, "type": "string", "minLength": max(min_length, node.get("minLength", 0)),
            "maxLength": min(max_length, node.get("maxLength", max_length))}


def _short_array(node: dict, items: Any, *, min_items: int = 1, max_items: int = _MAX_ITEMS) -> dict:
    return {**node, "type": "array", "items": items, "minItems": max(min_items, node.get("minItems", 0)),
            "maxItems": min(max_items, node.get("maxItems", max_items))}


def _only(node: dict, props: dict[str, Any], required: list[str]) -> dict:
    """An object schema keeping the properties named in ``props`` (value: a narrowing function or a schema)."""
    declared = node.get("properties", {})
    kept = {}
    for name, how in props.items():
        if name in declared:
            kept[name] = how(declared[name]) if callable(how) else how
    return {"type": "object", "properties": kept, "required": [r for r in required if r in kept],
            "additionalProperties": False}


# --- narrowing: what any conforming server can answer --------------------------------------------------


def _text_block(member: dict) -> dict:
    return _only(member, {"type": lambda s: s, "text": _short_string}, ["type", "text"])


def _image_block(member: dict) -> dict:
    return _only(member, {"type": lambda s: s, "data": {"const": PNG_1X1}, "mime_type": {"const": "image/png"}},
                 ["type", "data", "mime_type"])


def _content(union: dict, *, media: bool = True) -> dict:
    keep = {"text": _text_block}
    if media:
        keep["image"] = _image_block
    return _keep_tags(union, keep)


def _content_list(node: dict, *, media: bool = True) -> dict:
    return _short_array(node, _content(node["items"], media=media))


def _step(union: dict) -> dict:
    def step(kind: str, media: bool):
        return lambda m: _only(m, {"type": lambda s: s, "content": lambda c: _content_list(c, media=media)},
                               ["type", "content"])
    return _keep_tags(union, {"user_input": step("user_input", True), "model_output": step("model_output", False)})


def _turn(node: dict) -> dict:
    def content(c: dict) -> dict:
        out = []
        for member in _members(c):
            if member.get("type") == "array":
                out.append(_content_list(member))
            elif member.get("type") == "string":
                out.append(_short_string(member))
        return {"anyOf": out}
    return _only(node, {"role": {"enum": ["user", "model"]}, "content": content}, ["role", "content"])


def _input(node: dict) -> dict:
    """The input union, every form kept: text, one block, a block list, a step list or a turn list."""
    forms = []
    for member in _members(node):
        kind = member.get("type")
        items = member.get("items") if kind == "array" else None
        if kind == "string":
            forms.append(_short_string(member))
        elif kind == "array" and "user_input" in _tags(items):
            forms.append(_short_array(member, _step(items)))
        elif kind == "array" and "text" in _tags(items):
            forms.append(_content_list(member))
        elif kind == "array" and isinstance(items, Mapping) and "role" in items.get("properties", {}):
            forms.append(_short_array(member, _turn(items)))
        elif "text" in _tags(member):
            forms.append(_content(member))
    return {"anyOf": forms}


def _function_tool(member: dict) -> dict:
    # the API takes function names matching [a-zA-Z_][a-zA-Z0-9_.-]{0,63}; parameters is a JSON Schema of the arguments
    params = {"enum": [{"type": "object", "properties": {}},
                       {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                       {"type": "object", "properties": {"n": {"type": "integer"}, "exact": {"type": "boolean"}}}]}
    return _only(member, {"type": lambda s: s, "name": {"enum": ["get_weather", "lookup_city", "add_numbers", "f"]},
                          "description": _short_string, "parameters": params}, ["type", "name"])


def _search_tool(member: dict) -> dict:
    return _only(member, {"type": lambda s: s, "search_types": lambda a: {
        "type": "array", "items": {"enum": ["web_search"]}, "minItems": 1, "maxItems": 1}}, ["type"])


def _bare_tool(member: dict) -> dict:
    return _only(member, {"type": lambda s: s}, ["type"])


def _tools(node: dict) -> dict:
    keep = {"function": _function_tool, "google_search": _search_tool, "code_execution": _bare_tool,
            "url_context": _bare_tool}
    return _short_array(node, _keep_tags(node["items"], {k: v for k, v in keep.items() if k in _SAFE_TOOLS}),
                        max_items=2)


def _generation_config(node: dict) -> dict:
    def bounded(name: str):
        def narrow(s: dict) -> dict:
            s = {**s, **_GENERATION_BOUNDS.get(name, {})}
            if name == "stop_sequences":
                s = _short_array(s, _short_string(s.get("items", {}), max_length=8), max_items=3)
            return s
        return narrow
    return _only(node, {name: bounded(name) for name in CORE_GENERATION_FIELDS}, [])


def _modalities(node: dict) -> dict:
    items = node.get("items", {})
    allowed = [v for v in items.get("enum", []) if v == "text"]
    return {"type": "array", "items": {"enum": allowed or ["text"]}, "minItems": 1, "maxItems": 1}


@lru_cache(maxsize=16)
def _request_schema_cached(schemas: SchemaSet, model: str) -> str:
    component = inline(schemas, schemas.profile.request_components["model"])
    props = component.get("properties", {})
    narrowers = {
        "model": lambda _s: {"const": model},
        "input": _input,
        "system_instruction": _short_string,
        "tools": _tools,
        "generation_config": _generation_config,
        "response_modalities": _modalities,
        "store": lambda s: s,
        "background": lambda s: s,
        "service_tier": lambda s: s,
    }
    out = {}
    for name, narrow in narrowers.items():
        if name in props and not props[name].get("readOnly"):
            out[name] = _closed(narrow(props[name]))
    schema = {"type": "object", "properties": out, "required": ["model", "input"], "additionalProperties": False}
    return json.dumps(schema)


def request_schema(schemas: SchemaSet, model: str) -> dict:
    """The narrowed JSON Schema valid requests are drawn from (a subset of CreateModelInteractionParams)."""
    return json.loads(_request_schema_cached(schemas, model))


# --- semantic fix-ups (rules the schema cannot say) ----------------------------------------------------


def defang(value: Any) -> Any:
    """Every string with ``[iconf`` made harmless: the scripted mock reads ``[iconf: ...]`` as a directive."""
    if isinstance(value, str):
        return _DIRECTIVE.sub(r"(\1", value)
    if isinstance(value, list):
        return [defang(v) for v in value]
    if isinstance(value, dict):
        return {k: defang(v) for k, v in value.items()}
    return value


_FOLLOW_UP = "Please answer briefly."


def _ends_with_user(value: Any) -> Any:
    """A step or turn list ends on the user's side (a model cannot be asked to answer itself)."""
    if not isinstance(value, list) or not value or not isinstance(value[-1], dict):
        return value
    last = value[-1]
    if last.get("type") == "model_output":
        return [*value, {"type": "user_input", "content": [{"type": "text", "text": _FOLLOW_UP}]}]
    if last.get("role") == "model":
        return [*value, {"role": "user", "content": _FOLLOW_UP}]
    return value


def _unique_functions(tools: list) -> list:
    seen, out = set(), []
    for tool in tools:
        name = tool.get("name") if tool.get("type") == "function" else None
        key = ("function", name) if name else ("builtin", tool.get("type"))
        if key not in seen:
            seen.add(key)
            out.append(tool)
    return out


def _semantic(request: dict) -> dict:
    request = dict(request)
    if request.get("store") is False and request.get("background") is True:
        del request["background"]  # rule request.store-false.no-background
    if isinstance(request.get("tools"), list):
        request["tools"] = _unique_functions(request["tools"])
    return defang(request)


def _strategy(schema: dict) -> st.SearchStrategy:
    return from_schema(schema, custom_formats=_FORMATS, allow_x00=False)


@lru_cache(maxsize=16)
def _valid_cached(schemas: SchemaSet, model: str) -> st.SearchStrategy:
    schema = request_schema(schemas, model)
    props = schema["properties"]
    pieces = {name: _strategy(sub) for name, sub in props.items() if name not in ("model", "input")}
    required = {"model": st.just(model), "input": _strategy(props["input"]).map(_ends_with_user)}
    return st.fixed_dictionaries(required, optional=pieces).map(_semantic)


def valid_create_requests(schemas: SchemaSet, model: str) -> st.SearchStrategy[dict]:
    """Create requests for ``model`` that every conforming server must accept (stream is left to the caller)."""
    return _valid_cached(schemas, model)


def semantic_excuse(request: Mapping, status: int, body: Any) -> str | None:
    """Why a 4xx for a generated valid request is not the server's fault, or None.

    The strategy excludes every semantic rule the documents state. What it
    cannot exclude is a setting whose support depends on the model or the
    account (a thinking level a model lacks, a service tier not offered, a
    tool a model cannot combine with another): a 400 whose message names such
    a field the request uses is excused; any other 4xx is a violation.
    """
    if not 400 <= status < 500 or status in (401, 403, 404, 429):
        return None
    error = body.get("error") if isinstance(body, Mapping) else None
    message = str(error.get("message", "")).lower() if isinstance(error, Mapping) else ""
    config = request.get("generation_config") if isinstance(request.get("generation_config"), Mapping) else {}
    used = [k for k in _MODEL_DEPENDENT if k in config or k in request]
    for name in used:
        if any(word in message for word in _MODEL_DEPENDENT[name]):
            return f"HTTP {status} names {name!r}, a setting whose support depends on the model: {message[:200]}"
    return None


#: settings whose support depends on the model or account, and the words a refusal names them by
_MODEL_DEPENDENT = {
    "thinking_level": ("thinking",), "thinking_summaries": ("thinking", "summar"), "seed": ("seed",),
    "service_tier": ("service_tier", "service tier", "tier"), "tools": ("tool",),
    "response_modalities": ("modalit",),
}


# --- invalid requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadRequest:
    """One request that breaks exactly one thing, and the rule that says it must be rejected.

    ``kind``: one of INVALID_KINDS (a non-object JSON body counts as malformed-json).
    Sent as ``raw`` bytes when set, else ``body`` as JSON; ``query`` makes it a GET of a stored interaction.
    """

    kind: str
    rule_id: str
    what: str
    body: Any = None
    raw: bytes | None = None
    query: Mapping[str, str] | None = field(default=None)
    needs: tuple[str, ...] = ()

    def content(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


def _json_types(node: Any) -> set[str] | None:
    """The JSON types a (resolved) schema admits, or None when it admits any."""
    if not isinstance(node, Mapping):
        return None
    if "const" in node:
        return {_type_of(node["const"])}
    if "enum" in node:
        return {_type_of(v) for v in node["enum"]}
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind} | ({"number"} if kind == "integer" else set())
    if isinstance(kind, list):
        return set(kind)
    if "anyOf" in node:
        out: set[str] = set()
        for member in node["anyOf"]:
            sub = _json_types(member)
            if sub is None:
                return None
            out |= sub
        return out or None
    if "properties" in node:
        return {"object"}
    return None


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object", type(None): "null"}.get(type(value), "?")


# Wrong values that no reading of the field accepts. Left out on purpose, because the API's protobuf JSON
# mapping accepts them: null (means "absent"), digit strings for numbers, numbers for enum fields, "true"/"false".
_WRONG = {
    "string": st.sampled_from([7, 2.5, -1]),
    "boolean": st.sampled_from([True, False]),
    "integer": st.sampled_from([7, 0, 2048]),
    "number": st.sampled_from([2.5, 0.1]),
    "array": st.sampled_from([[], ["x"], [1, 2]]),
    "object": st.sampled_from([{}, {"x": 1}]),
    "word": st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
}


def _wrong_values(allowed: set[str], enum: bool) -> st.SearchStrategy:
    options = []
    if "string" not in allowed:
        options.append(_WRONG["word"].filter(lambda s: s not in ("true", "false")))
    if not allowed & {"integer", "number"} and not enum:
        options.append(_WRONG["string"])
    if "integer" in allowed and "number" in allowed and allowed == {"integer", "number"}:
        options.append(st.sampled_from([2.5, 0.25]))  # a fraction is not an integer
    if "boolean" not in allowed:
        options.append(_WRONG["boolean"])
    if "array" not in allowed:
        options.append(_WRONG["array"])
    if "object" not in allowed:
        options.append(_WRONG["object"])
    return st.one_of(options)


def wrong_type_fields(schemas: SchemaSet) -> list[tuple[tuple[str, ...], set[str], bool]]:
    """(path, allowed JSON types, is-enum) of every typed field a wrong-type request may break.

    Top-level request fields (output-only, ``stream`` and agent fields left out) and the core
    generation_config fields; untyped fields (legacy ``response_format``) accept anything.
    """
    component = inline(schemas, schemas.profile.request_components["model"])
    props = component.get("properties", {})
    out = []
    for name, sub in props.items():
        if sub.get("readOnly") or name in ("stream", "response_format"):
            continue
        allowed = _json_types(sub)
        if allowed:
            out.append(((name,), allowed, "enum" in sub or "const" in sub))
    config = props.get("generation_config", {}).get("properties", {})
    for name in CORE_GENERATION_FIELDS:
        allowed = _json_types(config.get(name))
        if allowed:
            out.append((("generation_config", name), allowed, "enum" in config[name]))
    return out


def _with(body: dict, path: tuple[str, ...], value: Any) -> dict:
    out = copy.deepcopy(body)
    node = out
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value
    return out


def _minimal(model: str) -> dict:
    return {"model": model, "input": "Say hello."}


#: the kinds of invalid request, one strategy each (``invalid_create_requests(..., kind=...)``)
INVALID_KINDS = ("wrong-type", "missing-input", "forbidden", "malformed-json", "oversized")


@lru_cache(maxsize=16)
def _invalid_cached(schemas: SchemaSet, model: str, agent: str | None, stored: bool, background: bool) -> dict:
    base = st.one_of(st.just(_minimal(model)), valid_create_requests(schemas, model))
    fields = wrong_type_fields(schemas)

    @st.composite
    def wrong_type(draw) -> BadRequest:
        path, allowed, enum = draw(st.sampled_from(fields))
        value = draw(_wrong_values(allowed, enum))
        return BadRequest("wrong-type", "error.bad-input.rejected", f"{'.'.join(path)} as {_type_of(value)}",
                          body=_with(draw(base), path, value))

    @st.composite
    def nested_wrong_type(draw) -> BadRequest:
        where = draw(st.sampled_from(["text", "function name"]))
        value = draw(st.one_of(_WRONG["string"], _WRONG["array"], _WRONG["object"], _WRONG["boolean"]))
        if where == "text":
            # a single block: in legacy, a list item without "role" may still read as a (field-less) Turn
            body = {"model": model, "input": {"type": "text", "text": value}}
        else:
            body = {**_minimal(model), "tools": [{"type": "function", "name": value}]}
        return BadRequest("wrong-type", "error.bad-input.rejected", f"{where} as {_type_of(value)}", body=body)

    def without(key: str):
        return lambda b: {k: v for k, v in b.items() if k != key}

    missing_input = base.map(without("input")).map(
        lambda b: BadRequest("missing-input", "request.input.required", "a request without input", body=b))
    no_model = base.map(without("model")).map(
        lambda b: BadRequest("forbidden", "request.model-xor-agent", "neither model nor agent", body=b))
    store_background = base.map(lambda b: {**b, "store": False, "background": True}).map(
        lambda b: BadRequest("forbidden", "request.store-false.no-background", "store=false with background=true",
                             body=b))
    agent_config = base.map(lambda b: {**b, "agent_config": {"type": "dynamic"}}).map(
        lambda b: BadRequest("forbidden", "request.config.matches-kind", "agent_config with a model", body=b))
    last_event = st.sampled_from(["1", "false", "0"]).map(
        lambda stream: BadRequest("forbidden", "request.last-event-id.needs-stream",
                                  f"GET with last_event_id and stream={stream}",
                                  query={"last_event_id": "1", **({"stream": stream} if stream != "1" else {})},
                                  needs=("store",)))
    # store=false + background=true is only "forbidden" where background runs exist: a target without them
    # (--capability -background) may refuse background=true for that reason, which this rule cannot judge
    forbidden = [no_model, *([store_background] if background else []), agent_config,
                 *([last_event] if stored else [])]
    if agent:
        forbidden.append(base.map(lambda b: {**b, "agent": agent, "background": True}).map(
            lambda b: BadRequest("forbidden", "request.model-xor-agent", "both model and agent", body=b)))
        forbidden.append(st.sampled_from(["Research tides.", "Summarise the history of maps."]).map(
            lambda text: BadRequest("forbidden", "request.agent.background", "an agent without background",
                                    body={"agent": agent, "input": text}, needs=("agents",))))

    @st.composite
    def truncated(draw) -> BadRequest:
        text = json.dumps(draw(base))
        cut = draw(st.integers(min_value=1, max_value=len(text) - 1))
        return BadRequest("malformed-json", "error.bad-input.rejected", f"JSON cut after {cut} characters",
                          raw=text[:cut].encode())

    garbage = st.one_of(
        st.binary(min_size=1, max_size=24).filter(_not_json),
        st.sampled_from([b"{", b"{'model': 'x'}", b"model=gemini&input=hi", b"\xff\xfe{}", b"{\"input\": \"hi\",}"]),
    ).map(lambda raw: BadRequest("malformed-json", "error.bad-input.rejected", "bytes that are not JSON", raw=raw))
    non_object = st.one_of(
        st.lists(st.integers(0, 9), max_size=3), st.text(max_size=8), st.integers(), st.booleans(),
    ).map(lambda v: BadRequest("malformed-json", "error.bad-input.rejected", f"a JSON {_type_of(v)} as the body", body=v))

    int32_paths = [p for p, allowed, _ in fields if allowed == {"integer", "number"}
                   and _int_bounds(schemas, p) is not None]

    @st.composite
    def oversized(draw) -> BadRequest:
        path = draw(st.sampled_from(int32_paths))
        value = draw(st.integers(min_value=2 ** 64, max_value=10 ** 30))
        return BadRequest("oversized", "error.bad-input.rejected", f"{'.'.join(path)} = {value} (beyond int32)",
                          body=_with(draw(base), path, value))

    kinds = {
        "wrong-type": st.one_of(wrong_type(), wrong_type(), nested_wrong_type()),  # top-level fields weighted up
        "missing-input": missing_input,
        "forbidden": st.one_of(forbidden),
        "malformed-json": st.one_of(truncated(), garbage, non_object),
    }
    if int32_paths:
        kinds["oversized"] = oversized()
    return kinds


def _int_bounds(schemas: SchemaSet, path: tuple[str, ...]) -> tuple[int, int] | None:
    """The range an integer field's ``format`` (int32, ...) declares, read from the document itself."""
    node: Any = schemas.component(schemas.profile.request_components["model"])
    for part in path:
        node = node.get("properties", {}).get(part) if isinstance(node, Mapping) else None
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            node = schemas.component(node["$ref"][len(_REF):])
    fmt = node.get("format") if isinstance(node, Mapping) else None
    return _INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None


def int_bounds(schemas: SchemaSet, path: tuple[str, ...]) -> tuple[int, int] | None:
    return _int_bounds(schemas, path)


def _not_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return True
    return False


def invalid_create_requests(schemas: SchemaSet, model: str, agent: str | None = None, stored: bool = True,
                            kind: str | None = None, background: bool = True) -> st.SearchStrategy[BadRequest]:
    """Requests a conforming server must answer with a 4xx in the error envelope (never 2xx, 5xx or silence).

    ``agent`` (an agent the target runs) adds the agent combinations: model+agent, agent without
    background; ``stored`` (the target keeps interactions) adds GET with last_event_id and no stream;
    ``background`` (the target runs in the background) adds store=false with background=true.
    ``kind`` (one of INVALID_KINDS) draws only that kind; ``st.nothing()`` when the document gives
    none (no int32 field to oversize).
    """
    kinds = _invalid_cached(schemas, model, agent, stored, background)
    if kind is None:
        return st.one_of(list(kinds.values()))
    if kind not in INVALID_KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(INVALID_KINDS)}")
    return kinds.get(kind, st.nothing())
