"""Revision profiles: one per API revision, looked up by name, alias or Api-Revision header value."""

from __future__ import annotations

from pathlib import Path

from ..errors import UnknownRevisionError  # noqa: F401 - defined in conformance.errors, re-exported here
from ._common import MEDIA_TYPES, TOOL_PAIRS, camel
from ._model import BlockSpec, DeltaSpec, Grammar, Profile, StatusMachine
from .legacy import LEGACY
from .rev_2026_05_20 import R2026_05_20

#: every registered profile, oldest first: the one place a revision is registered
_OLDEST_FIRST: tuple[Profile, ...] = (LEGACY, R2026_05_20)
#: every registered profile, by canonical name, newest first; the first is the default
PROFILES: dict[str, Profile] = {p.name: p for p in reversed(_OLDEST_FIRST)}
DEFAULT_REVISION = next(iter(PROFILES))
#: every revision name, oldest first (the order the rule catalogue and docs/rules.md list them in)
REVISION_NAMES: tuple[str, ...] = tuple(p.name for p in _OLDEST_FIRST)


def schema_dir() -> Path:
    """Where the authored OpenAPI documents live.

    In a source checkout that is the top-level ``schemas/``; an installed
    package carries a copy in ``conformance/_schemas``.
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "schemas", here / "_schemas"):
        if candidate.is_dir():
            return candidate
    return here.parent / "schemas"


def get_profile(name: str | None = None) -> Profile:
    """The profile for a revision name, alias or Api-Revision header value (default: 2026-05-20)."""
    if name is None or name == "":
        return PROFILES[DEFAULT_REVISION]
    for profile in PROFILES.values():
        if name == profile.name or name in profile.aliases or name == profile.header_value:
            return profile
    known = ", ".join(f"{p.name} (aliases: {', '.join(p.aliases)})" for p in PROFILES.values())
    raise UnknownRevisionError(f"unknown revision {name!r}; known revisions: {known}")


def revision_names(spec: str) -> list[str]:
    """Expand a ``--revision`` value (a name, ``all``, or a comma list) into canonical names."""
    if spec == "all":
        return list(PROFILES)
    return [get_profile(part.strip()).name for part in spec.split(",") if part.strip()]


__all__ = [
    "BlockSpec", "DeltaSpec", "Grammar", "Profile", "StatusMachine",
    "PROFILES", "DEFAULT_REVISION", "REVISION_NAMES", "UnknownRevisionError", "get_profile", "revision_names", "schema_dir",
    "LEGACY", "R2026_05_20", "MEDIA_TYPES", "TOOL_PAIRS", "camel",
]
