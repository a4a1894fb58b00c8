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
import jsonschema_rs
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


@lru_cache(maxsize=4)
def _components(schema_path: str) -> dict:
    with open(schema_path, encoding="utf-8") as fh:
        return _relax(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["components"])


@lru_cache(maxsize=16)
def _validator(schema_path: str, component: str) -> jsonschema.protocols.Validator:
    """The reference validator: slow, but its errors are the ones best_match turns into a message."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": _components(schema_path)}
    return jsonschema.Draft202012Validator(schema, format_checker=_format_checker())


def _ranged(node: Any) -> Any:
    """A copy where every integer-range format also carries its range as minimum/maximum.

    jsonschema-rs checks formats on strings only, while int32/int64 constrain numbers; the bounds
    say the same thing in keywords it does evaluate (they only narrow integers, as the format does:
    non-integers are left to the ``type`` keyword either way).
    """
    if isinstance(node, dict):
        out = {k: _ranged(v) for k, v in node.items()}
        bounds = _BOUNDS.get(out.get("format")) if isinstance(out.get("format"), str) else None
        if bounds is not None and out.get("type") == "integer":
            low, high = bounds
            out["minimum"] = max(low, out["minimum"]) if isinstance(out.get("minimum"), (int, float)) else low
            out["maximum"] = min(high, out["maximum"]) if isinstance(out.get("maximum"), (int, float)) else high
        return out
    if isinstance(node, list):
        return [_ranged(v) for v in node]
    return node


@lru_cache(maxsize=16)
def _fast(schema_path: str, component: str) -> Any:
    """The same schema compiled by jsonschema-rs, for the yes/no answer on every request.

    Formats other than the integer ranges are not checked, exactly like the reference validator.
    Where the two could still disagree, a "no" is rechecked by the reference validator, and its
    verdict wins.
    """
    components = _ranged(_components(schema_path))
    schema = {"$ref": f"#/components/schemas/{component}", "components": components}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


def _first_error(schema_path: str, component: str, instance: Any) -> Any:
    """None when ``instance`` is valid; otherwise the reference validator's best error (None if it disagrees)."""
    if _fast(schema_path, component).is_valid(instance):
        return None
    return _best(_validator(schema_path, component).iter_errors(instance))


def _best(errors: Any) -> Any:
    """best_match, then into the one union branch whose ``type`` tag matched.

    jsonschema's heuristics give up on a union of many tagged members with
    overlapping fields ("not valid under any of the given schemas"); the tag
    says which member was meant, so its own error is the useful one.
    """
    error = best_match(errors)
    while error is not None and error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        tagged = [subs for subs in branches.values()
                  if not any(list(e.relative_path) == ["type"] and e.validator == "const" for e in subs)]
        if len(tagged) != 1:
            break
        error = best_match(tagged[0])
    return error


def _path(parts: deque) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


_PATHS: dict[str, str] = {}


def _schema_path(profile: Profile) -> str:
    """``profile.schema_path`` resolves (imports, stats) on every call: once per profile is enough."""
    path = _PATHS.get(profile.name)
    if path is None:
        path = _PATHS[profile.name] = str(profile.schema_path)
    return path


def warm(profiles) -> None:
    """Load and compile every request validator now (a server calls this before it accepts connections).

    Otherwise the first create of each revision pays for reading the OpenAPI document while other clients wait.
    """
    for profile in profiles:
        path = _schema_path(profile)
        for component in set(profile.request_components.values()):
            _fast(path, component)
            _validator(path, component)


def check_item(item: dict, profile: Profile, component: str, where: str) -> None:
    """Raise a 400 naming ``where`` + the path inside ``item`` when it breaks ``component`` (Content, Step)."""
    error = _first_error(_schema_path(profile), component, item)
    if error is None:
        return
    inner = _path(error.absolute_path)
    path = where if inner == "body" else f"{where}{'' if inner.startswith('[') else '.'}{inner}"
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    raise invalid(f"Invalid value at '{path}': {message}")


def check_request(body: dict, profile: Profile, kind: str, *, continuation_hop: bool = False) -> None:
    """Raise a 400 naming the first field of ``body`` that breaks the revision's create schema.

    A continuation hop (``continuation_token`` without ``input``) is exempt from ``input`` being required,
    whether or not the revision's document already says so: it is validated as if it had a text input.
    """
    component = profile.request_components[kind]
    cleaned = {k: v for k, v in body.items() if v is not None}
    if continuation_hop and "input" not in cleaned:
        cleaned["input"] = ""
    error = _first_error(_schema_path(profile), component, cleaned)
    if error is None:
        return
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    raise invalid(f"Invalid value at '{_path(error.absolute_path)}': {message}")
