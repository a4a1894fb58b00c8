"""Checks on single JSON payloads: a create request, an Interaction, a DELETE answer, an error body.

Each ``check_*`` function is pure: payload in, list of violations out. Full
resources are judged strictly; anything partial is judged by ``required``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..rules import Violation, violation
from ..schema import SchemaSet

__all__ = [
    "schema_violations",
    "check_interaction",
    "check_partial_interaction",
    "check_item",
    "check_delete_body",
    "check_error_body",
    "check_usage",
    "short",
]

#: how much of an offending payload goes into evidence
_EVIDENCE_CHARS = 2000


def short(value: Any, limit: int = 300) -> str:
    """A compact JSON rendering for messages and evidence, cut at ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_violations(
    schemas: SchemaSet,
    component: str,
    instance: Any,
    rule_id: str,
    *,
    location: str = "",
    required: list[str] | tuple[str, ...] | None = None,
    override: Mapping[str, Any] | None = None,
    what: str | None = None,
) -> list[Violation]:
    """Schema failures as violations of ``rule_id``; unknown discriminator values go to ``schema.type.known``."""
    errors = schemas.errors(component, instance, required=required, override=override)
    out: list[Violation] = []
    for err in errors:
        if err.unknown_type:
            if schemas.strictness.unknown_types == "ignore":
                continue
            out.append(violation(
                "schema.type.known", f"unknown type in {what or component}: {err.message}",
                location=f"{location}{err.path}", expected=f"a type defined by {schemas.profile.name}",
                observed=err.message,
            ))
        else:
            out.append(violation(
                rule_id, f"{what or component} does not match the schema: {err.message}",
                location=f"{location}{err.path}", expected=f"{component} ({schemas.path.name})",
                observed=err.message, evidence={"instance": short(instance, _EVIDENCE_CHARS)},
            ))
    return out


def check_interaction(schemas: SchemaSet, body: Any, *, location: str = "") -> list[Violation]:
    """A full Interaction resource (non-streaming POST, GET, cancel): strict schema plus resource rules."""
    if not isinstance(body, Mapping):
        return [violation("schema.interaction.valid", "the Interaction is not a JSON object",
                          location=location or "/", observed=short(body))]
    profile = schemas.profile
    out = schema_violations(schemas, profile.resource_component, body, "schema.interaction.valid",
                            location=location, what="Interaction")
    status = body.get("status")
    if isinstance(status, str) and not profile.status.known(status):
        out.append(violation("lifecycle.status.known", f"unknown status {status!r}", location=f"{location}/status",
                             expected=", ".join(sorted(profile.status.statuses)), observed=status))
    if schemas.strictness.object_field == "should" and body.get("object") != "interaction":
        out.append(violation("schema.interaction.object-field",
                             "the Interaction lacks object: \"interaction\"", location=f"{location}/object",
                             expected='"interaction"', observed=short(body.get("object"))))
    out += check_usage(body.get("usage"), location=f"{location}/usage")
    return out


def check_partial_interaction(schemas: SchemaSet, body: Any, *, location: str = "") -> list[Violation]:
    """The interaction inside lifecycle events: only id and status are promised (API-FACTS §8)."""
    if not isinstance(body, Mapping):
        return [violation("schema.event.valid", "the event's interaction is not a JSON object",
                          location=location, observed=short(body))]
    return schema_violations(schemas, schemas.profile.resource_component, body, "schema.event.valid",
                             location=location, required=("id", "status"), what="partial Interaction")


def check_item(schemas: SchemaSet, item: Any, *, location: str = "", partial: bool = False,
               rule_id: str = "schema.interaction.valid") -> list[Violation]:
    """One content block (legacy) or step (2026-05-20); ``partial`` checks only ``type`` is required."""
    profile = schemas.profile
    kind = profile.block_type_of(item) if isinstance(item, Mapping) else None
    spec = profile.blocks.get(kind) if kind else None
    if spec is None or not schemas.has(spec.component):
        return schema_violations(schemas, profile.item_union, item, rule_id, location=location,
                                 what=f"{profile.items_field[:-1]} item")
    return schema_violations(schemas, spec.component, item, rule_id, location=location,
                             required=("type",) if partial else None, what=f"{kind} {profile.items_field[:-1]}")


def check_delete_body(body: Any, *, location: str = "DELETE") -> list[Violation]:
    if body != {}:
        return [violation("schema.delete.empty-object", "DELETE did not answer an empty JSON object",
                          location=location, expected="{}", observed=short(body))]
    return []


def check_error_body(schemas: SchemaSet, status_code: int, body: Any, *, location: str = "") -> list[Violation]:
    """A 4xx/5xx body must be the error envelope; ``error.code`` per the error_code strictness."""
    if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return [violation("error.envelope.shape", f"HTTP {status_code} body is not an error envelope",
                          location=location, expected='{"error": {"code": ..., "message": "..."}}',
                          observed=short(body))]
    err = body["error"]
    out = schema_violations(schemas, schemas.profile.error_component, err, "error.envelope.shape",
                            location=f"{location}/error", what="error")
    for key in ("code", "message"):
        if key not in err:
            out.append(violation("error.envelope.shape", f"the error envelope lacks error.{key}",
                                 location=f"{location}/error/{key}", expected=f"error.{key}",
                                 observed=short(err)))
    return out


_USAGE_PARTS = ("total_input_tokens", "total_output_tokens", "total_thought_tokens", "total_tool_use_tokens")


def check_usage(usage: Any, *, location: str = "/usage") -> list[Violation]:
    """total_tokens should be the sum of its parts (the official examples add up this way)."""
    if not isinstance(usage, Mapping) or not isinstance(usage.get("total_tokens"), int):
        return []
    parts = [usage.get(k, 0) for k in _USAGE_PARTS]
    if not all(isinstance(p, int) for p in parts):
        return []
    if sum(parts) != usage["total_tokens"]:
        return [violation("usage.totals.add-up", "usage.total_tokens is not the sum of its parts",
                          location=location, expected=f"{' + '.join(_USAGE_PARTS)} = {sum(parts)}",
                          observed=str(usage["total_tokens"]))]
    return []
