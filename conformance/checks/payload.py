"""Checks on single JSON payloads: a create request, an Interaction, a DELETE answer, an error body.

Each ``check_*`` function is pure: payload in, list of violations out. Full
resources are judged strictly; anything partial is judged by ``required``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules import RULES, Violation, covers, violation
from ..schema import SchemaSet
from ..strictness import POLICY_RULES
from ._render import short

__all__ = [
    "schema_violations",
    "check_interaction",
    "check_partial_interaction",
    "check_item",
    "check_delete_body",
    "check_error_body",
    "check_usage",
    "status_violations",
    "paused_violations",
    "produced_item_violations",
]

#: how much of an offending payload goes into evidence
_EVIDENCE_CHARS = 2000


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
    answer: bool = True,
) -> list[Violation]:
    """Schema failures as violations of ``rule_id``, with the forward-compatibility policy applied.

    In a server's *answer* (``answer=True``) something the profile does not know is new, not
    wrong: an unknown type goes to ``schema.type.known``, an unknown enum value to
    ``schema.value.known``, an undeclared field to ``schema.field.known``, each at the level the
    strictness asks for (SHOULD by default). In a request (``answer=False``) an unknown value or
    field is the client's problem and stays ``rule_id``; unknown types keep their own rule.
    """
    errors = schemas.errors(component, instance, required=required, override=override)
    strict = schemas.strictness
    out: list[Violation] = []
    for err in errors:
        key = {"type": "unknown_types", "value": "unknown_values"}.get(err.unknown or "")
        if key == "unknown_values" and not answer:
            key = None
        if key is not None:
            level = strict.policy_level(key)
            if level is not None:
                out.append(_unknown(schemas, key, level, err, what or component, location))
            continue
        out.append(violation(
            rule_id, f"{what or component} does not match the schema: {err.message}",
            location=f"{location}{err.path}", expected=f"{component} ({schemas.path.name})",
            observed=err.message, evidence={"instance": short(instance, _EVIDENCE_CHARS)},
        ))
    if answer and strict.unknown_fields != "ignore":
        level = strict.policy_level("unknown_fields")
        for err in schemas.unknown_fields(component, instance, required=required, override=override):
            out.append(_unknown(schemas, "unknown_fields", level, err, what or component, location))
    return out


_UNKNOWN_WHAT = {"unknown_types": "type", "unknown_values": "value", "unknown_fields": "field"}


def _unknown(schemas: SchemaSet, key: str, level: str | None, err: Any, what: str, location: str) -> Violation:
    kind = _UNKNOWN_WHAT[key]
    return violation(
        POLICY_RULES[key], f"{what}: {kind} unknown to the {schemas.profile.name} profile "
        f"(forward-compatible; --strict {key}=must makes it fail): {err.message}",
        location=f"{location}{err.path}", expected=f"a {kind} the {schemas.profile.name} profile defines",
        observed=err.message, level_override="MUST" if level == "MUST" else None,
    )


@covers("schema.interaction.valid", "schema.interaction.object-field", "lifecycle.status.known",
        "continuation.paused.token", "thought.signature.present", "usage.totals.add-up",
        "schema.type.known", "schema.value.known", "schema.field.known")
def check_interaction(schemas: SchemaSet, body: Any, *, location: str = "") -> list[Violation]:
    """A full Interaction resource (non-streaming POST, GET, cancel): strict schema plus resource rules."""
    if not isinstance(body, Mapping):
        return [violation("schema.interaction.valid", "the Interaction is not a JSON object",
                          location=location or "/", observed=short(body))]
    profile = schemas.profile
    out = schema_violations(schemas, profile.resource_component, body, "schema.interaction.valid",
                            location=location, what="Interaction")
    out += status_violations(profile, body.get("status"), location=f"{location}/status")
    out += paused_violations(profile, body, location=location)
    items = body.get(profile.items_field)
    if isinstance(items, list):
        for i, item in enumerate(items):
            out += produced_item_violations(profile, item, location=f"{location}/{profile.items_field}/{i}")
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


def _applies(profile: Any, rule_id: str) -> bool:
    return profile.name in RULES[rule_id].revisions


def _folded(value: str) -> str:
    return value.casefold().replace("-", "_")


def status_violations(profile: Any, status: Any, *, location: str = "/status") -> list[Violation]:
    """``lifecycle.status.known``: a status the profile does not know, unless it is *new*.

    A new status (a string that is no known status in another spelling) is forward-compatible
    and reported by the schema's enum as ``schema.value.known``; a known status spelled
    differently (``IN_PROGRESS``, the google.rpc enum name) or an empty one is simply wrong.
    """
    if not isinstance(status, str) or profile.status.known(status):
        return []
    known = sorted(profile.status.statuses | profile.status.tolerated)
    if status and not any(_folded(status) == _folded(k) for k in known):
        return []
    return [violation("lifecycle.status.known", f"status {status!r} is not a {profile.name} status as spelled",
                      location=location, expected=", ".join(known), observed=status)]


def paused_violations(profile: Any, interaction: Any, *, location: str = "") -> list[Violation]:
    """``continuation.paused.token``: requires_continuation always comes with a token to continue from."""
    if not isinstance(interaction, Mapping) or interaction.get("status") != "requires_continuation":
        return []
    if not _applies(profile, "continuation.paused.token"):
        return []
    token = interaction.get("continuation_token")
    if isinstance(token, str) and token:
        return []
    return [violation("continuation.paused.token", "the interaction is paused (requires_continuation) "
                      "but carries no continuation_token to continue from", location=f"{location}/continuation_token",
                      expected="a non-empty continuation_token", observed=short(token))]


def produced_item_violations(profile: Any, item: Any, *, location: str = "") -> list[Violation]:
    """Rules on one item a server produced: a thought step is signed (``thought.signature.present``)."""
    if not isinstance(item, Mapping) or item.get("type") != "thought":
        return []
    if not _applies(profile, "thought.signature.present"):
        return []
    signature = item.get("signature")
    if isinstance(signature, str) and signature:
        return []
    return [violation("thought.signature.present", "a thought step has no signature; a client cannot send it "
                      "back and tool-call continuation breaks", location=f"{location}/signature",
                      expected="a non-empty signature", observed=short(signature))]


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
