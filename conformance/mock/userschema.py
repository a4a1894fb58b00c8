"""Check the JSON Schemas a caller hands the model (tool parameters, response_format) before using them.

The scripted model generates function-call arguments and structured output
from these schemas (instances.py). A schema is user data like any other, so
a malformed one (``properties`` that is not an object, ``required`` that is
not a list of strings, ``minItems: "ten"``) or an expensive one
(``minItems: 10000000``, thousands of nodes) must be a 400 naming the field,
decided before any generation starts. Only the keywords the generator reads
are checked for type; unknown keywords are left alone, as JSON Schema says.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import invalid
from .limits import Limits

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("prefixItems", "anyOf", "oneOf", "allOf")
_SCHEMA_ONE = ("additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
               "unevaluatedItems", "unevaluatedProperties", "additionalItems")
_COUNTS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties", "minContains",
           "maxContains")
_NUMBERS = ("minimum", "maximum")
_STRINGS = ("$ref", "format", "pattern")


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and abs(value) < 1e300


def check_schema(schema: Any, where: str, limits: Limits) -> None:
    """Raise a 400 naming ``where`` + the path of the first problem in the user schema ``schema``."""
    stack: list[tuple[Any, str]] = [(schema, where)]
    nodes = 0
    while stack:
        node, path = stack.pop()
        nodes += 1
        if nodes > limits.max_schema_nodes:
            raise invalid(f"Invalid value at '{where}': the schema has more than {limits.max_schema_nodes} "
                          "subschemas (limit max_schema_nodes)")
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            raise invalid(f"Invalid value at '{path}': a schema must be an object or a boolean")
        for key in _SCHEMA_MAPS:
            if key in node:
                value = node[key]
                if not isinstance(value, dict):
                    raise invalid(f"Invalid value at '{path}.{key}': expected an object mapping names to schemas")
                stack.extend((sub, f"{path}.{key}.{name}") for name, sub in value.items())
        for key in _SCHEMA_LISTS:
            if key in node:
                value = node[key]
                if not isinstance(value, list):
                    raise invalid(f"Invalid value at '{path}.{key}': expected an array of schemas")
                stack.extend((sub, f"{path}.{key}[{i}]") for i, sub in enumerate(value))
        for key in _SCHEMA_ONE:
            if key in node:
                stack.append((node[key], f"{path}.{key}"))
        if "items" in node:
            items = node["items"]
            if isinstance(items, list):  # draft-04 tuple form
                stack.extend((sub, f"{path}.items[{i}]") for i, sub in enumerate(items))
            else:
                stack.append((items, f"{path}.items"))
        if "required" in node:
            required = node["required"]
            if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
                raise invalid(f"Invalid value at '{path}.required': expected an array of strings")
        if "type" in node:
            kind = node["type"]
            if not (isinstance(kind, str) or (isinstance(kind, list) and all(isinstance(k, str) for k in kind))):
                raise invalid(f"Invalid value at '{path}.type': expected a string or an array of strings")
        if "enum" in node and not isinstance(node["enum"], list):
            raise invalid(f"Invalid value at '{path}.enum': expected an array")
        for key in _COUNTS:
            if key in node:
                value = node[key]
                if not _is_int(value) or value < 0:
                    raise invalid(f"Invalid value at '{path}.{key}': expected a non-negative integer")
        for key, cap, name in (("minItems", limits.max_generated_items, "max_generated_items"),
                               ("minProperties", limits.max_generated_items, "max_generated_items"),
                               ("minContains", limits.max_generated_items, "max_generated_items"),
                               ("minLength", limits.max_generated_string, "max_generated_string")):
            if key in node and node[key] > cap:
                raise invalid(f"Invalid value at '{path}.{key}': {node[key]:g} is more than the mock generates; at "
                              f"most {cap} (limit {name})")
        for key in _NUMBERS:
            if key in node and not _is_number(node[key]):
                raise invalid(f"Invalid value at '{path}.{key}': expected a finite number")
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            if key in node and not (isinstance(node[key], bool) or _is_number(node[key])):
                raise invalid(f"Invalid value at '{path}.{key}': expected a finite number (or a boolean)")
        if "multipleOf" in node and not (_is_number(node["multipleOf"]) and node["multipleOf"] > 0):
            raise invalid(f"Invalid value at '{path}.multipleOf': expected a number greater than 0")
        for key in _STRINGS:
            if key in node and not isinstance(node[key], str):
                raise invalid(f"Invalid value at '{path}.{key}': expected a string")


def user_schemas(body: dict, revision: str) -> list[tuple[Any, str]]:
    """(schema, field path) of every user schema in a create body the model may generate from."""
    found: list[tuple[Any, str]] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        for i, tool in enumerate(tools):
            if isinstance(tool, dict) and "parameters" in tool and tool["parameters"] is not None:
                found.append((tool["parameters"], f"tools[{i}].parameters"))
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        # the model reads a typed entry's "schema" in either revision, and a bare dict as the schema itself
        if revision == "legacy" or fmt.get("type") not in ("text", "image", "audio", "video", "document"):
            found.append((fmt, "response_format"))
        if "schema" in fmt and fmt["schema"] is not None:
            found.append((fmt["schema"], "response_format.schema"))
    elif isinstance(fmt, list):
        for i, entry in enumerate(fmt):
            if isinstance(entry, dict) and "schema" in entry and entry["schema"] is not None:
                found.append((entry["schema"], f"response_format[{i}].schema"))
    return found


def check_user_schemas(body: dict, revision: str, limits: Limits) -> None:
    for schema, where in user_schemas(body, revision):
        check_schema(schema, where, limits)
