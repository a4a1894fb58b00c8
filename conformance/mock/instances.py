"""A small deterministic JSON Schema instance generator.

Structured output must validate against the caller's schema, and the same
schema must always give the same answer. This covers the keywords response
schemas use in practice: type (also as a list), enum, const, properties,
required, items/prefixItems, min/max items/length/value, formats of common
strings, anyOf/oneOf/allOf and local ``$ref``. Every declared property is
filled (not only the required ones) so clients see a realistic object.
"""

from __future__ import annotations

from typing import Any

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
    def __init__(self, root: dict) -> None:
        self.root = root

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
                        if key == "properties":
                            merged.setdefault("properties", {}).update(value)
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
        extra = max(0, int(schema.get("minProperties", 0)) - len(out))
        for i in range(extra):
            out[f"{name}_{i}"] = self.gen(schema.get("additionalProperties", {}), name, depth + 1)
        return out

    def _array(self, schema: dict, name: str, depth: int) -> list:
        prefix = [self.gen(s, name, depth + 1) for s in schema.get("prefixItems", [])]
        count = max(int(schema.get("minItems", 1)), len(prefix))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
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
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None:
            text = text[: int(high)]
        return text

    def _number(self, schema: dict, name: str, depth: int) -> float | int:
        return self._numeric(schema, integer=False)

    def _integer(self, schema: dict, name: str, depth: int) -> int:
        return int(self._numeric(schema, integer=True))

    def _numeric(self, schema: dict, integer: bool) -> float | int:
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
            import math

            value = math.ceil(value) if low is not None else int(value)
        multiple = schema.get("multipleOf")
        if multiple:
            import math

            value = math.ceil(value / multiple) * multiple
            if integer:
                value = int(value)
        return value

    def _boolean(self, schema: dict, name: str, depth: int) -> bool:
        return True

    def _null(self, schema: dict, name: str, depth: int) -> None:
        return None


def instance_for(schema: Any) -> Any:
    """A JSON value that validates against ``schema`` (best effort for exotic keywords)."""
    return _Gen(schema if isinstance(schema, dict) else {}).gen(schema, "value")


def wrong_instance_for(schema: Any) -> Any:
    """A JSON value of the wrong type for ``schema`` (the structured.output.valid fault)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    return 12345 if str(kind).lower() == "string" else "not an instance of the requested schema"
