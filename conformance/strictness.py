"""Explicit choices where the official documents are ambiguous or disagree with real traffic.

Each field names the ambiguity, the default we ship, and what the strict
alternative does. Defaults follow the live API (the reference
implementation): accept what it documentedly sends.

The three ``unknown_*`` keys are the forward-compatibility policy
(docs/forward-compatibility.md): the API grows inside one revision, so in a
server's answers a type, enum value or field the profile does not know is a
SHOULD warning by default, a MUST failure under ``=must`` and silent under
``=ignore``. A *known* thing with the wrong type or shape is always MUST.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

Policy = Literal["should", "must", "ignore"]

#: strictness key -> the rule it governs
POLICY_RULES = {
    "unknown_types": "schema.type.known",
    "unknown_values": "schema.value.known",
    "unknown_fields": "schema.field.known",
}


@dataclass(frozen=True)
class Strictness:
    #: error.code: the spec says a string ("not_found"); the Google envelope
    #: sends an integer (404) plus a status. "any" accepts both.
    error_code: Literal["any", "string", "integer"] = "any"
    #: "object": "interaction" is sent by the live API but undeclared in the
    #: spec. "should" reports a missing one at SHOULD level; "ignore" does not.
    object_field: Literal["should", "ignore"] = "should"
    #: a trailing "data: [DONE]" frame after the terminal event (later doc
    #: copies show it). "allow" skips it silently; "forbid" reports
    #: stream.framing.done-frame (SHOULD).
    done_frame: Literal["allow", "forbid"] = "allow"
    #: block/step/delta/event types the profile does not define (schema.type.known).
    unknown_types: Policy = "should"
    #: enum values the profile does not define, e.g. a new status (schema.value.known);
    #: a known value spelled differently ("IN_PROGRESS") is wrong, not new, and stays MUST.
    unknown_values: Policy = "should"
    #: fields the profile does not declare on an object it describes (schema.field.known).
    unknown_fields: Policy = "should"

    def policy_level(self, key: str) -> str | None:
        """The level a forward-compatibility finding is reported at: "MUST", "SHOULD" or None (not reported)."""
        value = getattr(self, key)
        return None if value == "ignore" else value.upper()

    @classmethod
    def from_options(cls, options: list[str] | None) -> Strictness:
        """Build from ``KEY=VALUE`` strings (``--strict error_code=integer``); a clear error names a bad key or value."""
        result = cls()
        for option in options or []:
            key, sep, value = option.partition("=")
            allowed = {f.name: f.type for f in fields(cls)}
            if not sep or key not in allowed:
                raise ValueError(f"--strict {option!r}: expected KEY=VALUE with KEY one of {', '.join(allowed)}")
            choices = _choices(key)
            if value not in choices:
                raise ValueError(f"--strict {key}: {value!r} is not one of {', '.join(choices)}")
            result = replace(result, **{key: value})
        return result


def _choices(key: str) -> tuple[str, ...]:
    policy = ("should", "must", "ignore")
    return {
        "error_code": ("any", "string", "integer"),
        "object_field": ("should", "ignore"),
        "done_frame": ("allow", "forbid"),
        "unknown_types": policy,
        "unknown_values": policy,
        "unknown_fields": policy,
    }[key]


def strict_help() -> str:
    """The --strict help line, from the table above (one place to change)."""
    return ", ".join(f"{f.name}={'|'.join(_choices(f.name))}" for f in fields(Strictness))
