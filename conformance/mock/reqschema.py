"""Structural validation of create bodies against the revision's OpenAPI request schema.

The explicit checks in parse.py give the common mistakes friendly messages;
this catches everything else the schema forbids (a wrong type deep inside
generation_config, tools or webhook_config, an int32 overflow) so the mock
never accepts a body the real API would reject. It reads the authored
OpenAPI document the profile points at (data) with plain jsonschema.

Two deliberate relaxations: ``oneOf`` is read as ``anyOf`` (the legacy
``Turn`` has no required fields, so a Content[] list also reads as Turn[]
and a strict oneOf would reject every list input), and ``null`` values are
treated as absent, like the real API does for unset fields.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from ..profiles import Profile
from .errors import invalid

_BOUNDS = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1),
           "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 64 - 1)}


def _relax(node: Any) -> Any:
    if isinstance(node, dict):
        out = {("anyOf" if k == "oneOf" else k): _relax(v) for k, v in node.items() if k != "discriminator"}
        return out
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, (low, high) in _BOUNDS.items():
        def check(value: Any, low: int = low, high: int = high) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high
        checker.checks(name)(check)
    return checker


@lru_cache(maxsize=8)
def _validator(schema_path: str, component: str) -> jsonschema.protocols.Validator:
    with open(schema_path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    schema = {"$ref": f"#/components/schemas/{component}", "components": _relax(doc["components"])}
    return jsonschema.Draft202012Validator(schema, format_checker=_format_checker())


def _path(parts: deque) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def check_item(item: dict, profile: Profile, component: str, where: str) -> None:
    """Raise a 400 naming ``where`` + the path inside ``item`` when it breaks ``component`` (Content, Step)."""
    error = best_match(_validator(str(profile.schema_path), component).iter_errors(item))
    if error is None:
        return
    inner = _path(error.absolute_path)
    path = where if inner == "body" else f"{where}{'' if inner.startswith('[') else '.'}{inner}"
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    raise invalid(f"Invalid value at '{path}': {message}")


def check_request(body: dict, profile: Profile, kind: str) -> None:
    """Raise a 400 naming the first field of ``body`` that breaks the revision's create schema."""
    component = profile.request_components[kind]
    cleaned = {k: v for k, v in body.items() if v is not None}
    error = best_match(_validator(str(profile.schema_path), component).iter_errors(cleaned))
    if error is None:
        return
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    raise invalid(f"Invalid value at '{_path(error.absolute_path)}': {message}")
