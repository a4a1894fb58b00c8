"""A small deterministic JSON Schema instance generator.

Structured output must validate against the caller's schema, and the same
schema must always give the same answer. This covers the keywords response
schemas use in practice: type (also as a list), enum, const, properties,
required, items/prefixItems, min/max items/length/value, formats of common
strings, anyOf/oneOf/allOf and local ``$ref``. Every declared property is
filled (not only the required ones) so clients see a realistic object.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Any

from .errors import invalid
from .limits import DEFAULT_LIMITS, Limits

#: the limits of the server generating (set per request by the app; the defaults otherwise)
LIMITS: ContextVar[Limits] = ContextVar("iconf_mock_limits", default=DEFAULT_LIMITS)
_INT64 = 2 ** 63 - 1

_FORMATS = {
    "date-time": "2026-05-20T12:00:00Z",
    "date": "2026-05-20",
    "time": "12:00:00Z",
    "email": "ada@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "hostname": "example.com",
}


class _Gen:
    """Generation with hard caps: counts are clamped and the total output is budgeted, whatever the schema.

    userschema.py rejects over-limit schemas with a 400 naming the field first; these caps are the
    backstop that keeps generation bounded in time and memory even for a schema that got past it.
    """

    def __init__(self, root: dict, limits: Limits | None = None) -> None:
        self.root = root
        self.limits = limits or LIMITS.get()
        self.budget = self.limits.max_generated_nodes
        self.chars = self.limits.max_generated_string

    def resolve(self, ref: str) -> dict:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return {}
            node = node[part]
        return node if isinstance(node, dict) else {}

    def gen(self, schema: Any, name: str = "value", depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise invalid(f"Invalid value at 'schema': generating an instance needs more than "
                          f"{self.limits.max_generated_nodes} values (limit max_generated_nodes)")
        if schema is True or not isinstance(schema, dict):
            return name
        if depth > 12:
            return None
        if "$ref" in schema:
            return self.gen(self.resolve(schema["$ref"]), name, depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part["$ref"]) if isinstance(part, dict) and "$ref" in part else part
                if isinstance(part, dict):
                    for key, value in part.items():
                        if key == "properties" and isinstance(value, dict):
                            # a new dict: the caller's schema (kept in the stored request) is never mutated
                            merged["properties"] = {**(merged.get("properties") or {}), **value}
                        elif key == "required":
                            merged["required"] = list(merged.get("required", [])) + list(value)
                        else:
                            merged.setdefault(key, value)
            return self.gen(merged, name, depth + 1)
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                options = [o for o in schema[key] if not (isinstance(o, dict) and o.get("type") == "null")]
                return self.gen((options or schema[key])[0], name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        kind = str(kind).lower()  # Gemini-style schemas use OBJECT / STRING
        return getattr(self, "_" + kind, self._string)(schema, name, depth)

    def _object(self, schema: dict, name: str, depth: int) -> dict:
        props = schema.get("properties") or {}
        out = {key: self.gen(sub, key, depth + 1) for key, sub in props.items()}
        for key in schema.get("required") or []:
            out.setdefault(key, key)
        extra = max(0, min(_count(schema.get("minProperties")), self.limits.max_generated_items) - len(out))
        for i in range(extra):
            out[f"{name}_{i}"] = self.gen(schema.get("additionalProperties", {}), name, depth + 1)
        return out

    def _array(self, schema: dict, name: str, depth: int) -> list:
        prefix = [self.gen(s, name, depth + 1) for s in schema.get("prefixItems", [])]
        count = max(_count(schema.get("minItems"), 1), len(prefix))
        if "maxItems" in schema:
            count = min(count, _count(schema["maxItems"], count))
        count = min(count, self.limits.max_generated_items)
        items = schema.get("items", {})
        out = prefix[:count]
        while len(out) < count:
            value = self.gen(items, name, depth + 1)
            if schema.get("uniqueItems") and value in out:
                value = self._distinct(items, value, len(out))
            out.append(value)
        return out

    def _distinct(self, schema: Any, value: Any, n: int) -> Any:
        if isinstance(schema, dict) and schema.get("enum") and len(schema["enum"]) > n:
            return schema["enum"][n]
        if isinstance(value, str):
            return f"{value}-{n}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value + n
        return value

    def _string(self, schema: dict, name: str, depth: int) -> str:
        text = _FORMATS.get(schema.get("format", ""), f"example {name}")
        low = min(_count(schema.get("minLength")), self.limits.max_generated_string)
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if "maxLength" in schema:
            text = text[: _count(schema["maxLength"], len(text))]
        self.chars -= len(text)
        if self.chars < 0:
            raise invalid(f"Invalid value at 'schema': generating an instance needs more than "
                          f"{self.limits.max_generated_string} characters of strings (limit max_generated_string)")
        return text

    def _number(self, schema: dict, name: str, depth: int) -> float | int:
        return self._numeric(schema, integer=False)

    def _integer(self, schema: dict, name: str, depth: int) -> int:
        return int(self._numeric(schema, integer=True))

    def _numeric(self, schema: dict, integer: bool) -> float | int:
        try:
            value = self._numeric_unchecked(schema, integer)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            value = 1
        if isinstance(value, float) and not math.isfinite(value):
            value = 1
        if integer and abs(value) > _INT64:
            value = 1
        return value

    def _numeric_unchecked(self, schema: dict, integer: bool) -> float | int:
        low = schema.get("minimum")
        if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
            low = schema["exclusiveMinimum"] + 1
        high = schema.get("maximum")
        if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
            high = schema["exclusiveMaximum"] - 1
        value = 1 if low is None else low
        if high is not None and value > high:
            value = high
        if integer:
            value = math.ceil(value) if low is not None else int(value)
        multiple = schema.get("multipleOf")
        if multiple:
            value = math.ceil(value / multiple) * multiple
            if integer:
                value = int(value)
        return value

    def _boolean(self, schema: dict, name: str, depth: int) -> bool:
        return True

    def _null(self, schema: dict, name: str, depth: int) -> None:
        return None


def _count(value: Any, default: int = 0) -> int:
    """A schema count keyword as a non-negative int (userschema.py has rejected wrong types with a 400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return max(0, int(value))


def instance_for(schema: Any) -> Any:
    """A JSON value that validates against ``schema`` (best effort for exotic keywords)."""
    return _Gen(schema if isinstance(schema, dict) else {}).gen(schema, "value")


def wrong_instance_for(schema: Any) -> Any:
    """A JSON value of the wrong type for ``schema`` (the structured.output.valid fault)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    return 12345 if str(kind).lower() == "string" else "not an instance of the requested schema"
