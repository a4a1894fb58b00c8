"""Validate one stored document (a JSON payload or a captured event stream): what ``iconf validate`` runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import DocumentError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..rules import Violation, violation
from ..schema import SchemaSet
from .body import MAX_JSON_DEPTH, TOO_DEEP, decode_json
from .lifecycle import LifecycleTracker
from .payload import check_error_body, check_interaction
from .request import check_request
from .stream import check_stream_bytes

KINDS = ("request", "interaction", "stream", "error")


def load_json(data: bytes) -> Any:
    """Parse a document as JSON (:func:`decode_json`), or raise DocumentError with one clear line."""
    value, problem = decode_json(data)
    if problem == TOO_DEEP:
        raise DocumentError(f"nests deeper than {MAX_JSON_DEPTH} levels (the suite's limit); cannot be judged")
    if problem is not None:
        raise DocumentError(f"{problem}; JSON documents are UTF-8" if problem.startswith("not UTF-8") else problem)
    return value


def _looks_like_stream(data: bytes) -> bool:
    head = data.lstrip()[:64]
    return head.startswith((b"event:", b"data:", b":", b"id:", b"retry:"))


def detect_kind(data: bytes) -> tuple[str, Any]:
    """The kind of a document and, for JSON, its parsed value."""
    if _looks_like_stream(data):
        return "stream", None
    try:
        value = load_json(data)
    except DocumentError as exc:
        if str(exc).startswith("not JSON"):
            raise DocumentError(f"neither JSON nor an event stream ({str(exc)[len('not JSON ('):-1]})") from None
        raise
    if isinstance(value, Mapping):
        if "error" in value and "id" not in value:
            return "error", value
        if "id" in value and "status" in value:
            return "interaction", value
        if "input" in value or "model" in value or "agent" in value:
            return "request", value
    raise DocumentError("cannot tell the kind: expected a request (input/model/agent), an interaction "
                        "(id/status), an error ({\"error\": ...}) or an event stream; pass --kind")


def _one_resource(schemas: SchemaSet, value: Any) -> list[Violation]:
    """What one stored Interaction can show beyond its schema: its shape's revision and its own timestamps."""
    if not isinstance(value, Mapping):
        return []
    profile = schemas.profile
    out: list[Violation] = []
    other = [f for f in ("steps", "outputs") if f != profile.items_field and f in value]
    if other:
        out.append(violation("revision.header.honoured",
                             f"the interaction has {other[0]}, the shape of another revision, not {profile.name}'s "
                             f"{profile.items_field}", location=f"/{other[0]}", expected=profile.items_field,
                             observed=other[0]))
    tracker = LifecycleTracker(profile)
    out += [replace(v, location=v.location.removeprefix("observation[0]"))
            for v in tracker.observe(value) if v.rule_id == "lifecycle.timestamps.ordered"]
    return out


def validate_document(schemas: SchemaSet, data: bytes, kind: str | None = None) -> tuple[str, list[Violation]]:
    """(kind, violations) for one document; raises DocumentError when it cannot be read as that kind."""
    value: Any = None
    if kind is None:
        kind, value = detect_kind(data)
    elif kind not in KINDS:
        raise DocumentError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == "stream":
        return kind, check_stream_bytes(schemas, data).violations
    if value is None:
        value = load_json(data)
    if kind == "request":
        return kind, check_request(schemas, value)
    if kind == "interaction":
        return kind, check_interaction(schemas, value) + _one_resource(schemas, value)
    return kind, check_error_body(schemas, 400, value)
