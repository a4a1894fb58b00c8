"""Explicit choices where the official documents are ambiguous or disagree with real traffic.

Each field names the ambiguity, the default we ship, and what the strict
alternative does. Defaults follow the live API (the reference
implementation): accept what it documentedly sends.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal


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
    #: block/step/delta types the revision does not define: "should" reports
    #: schema.type.known at SHOULD level (forward compatibility); "ignore" does not.
    unknown_types: Literal["should", "ignore"] = "should"

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
    return {
        "error_code": ("any", "string", "integer"),
        "object_field": ("should", "ignore"),
        "done_frame": ("allow", "forbid"),
        "unknown_types": ("should", "ignore"),
    }[key]
