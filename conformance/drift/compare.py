"""Compare an SDK's surface with a profile's, honouring the profile's allow-list.

The allow-list (``Profile.drift_allow``) maps an item or an ``fnmatch`` pattern
(``enum *.model=*``) to the reason it is deliberately not in the profile. An SDK item that is
neither in the profile nor allowed is *missing*: that is what fails ``iconf drift``. Items only the
profile has are listed too (our documented additions, fields the SDK dropped), for a person to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .surface import Surface

__all__ = ["Drift", "compare", "allowed_reason"]


def allowed_reason(item: str, allow: Mapping[str, str]) -> str | None:
    if item in allow:
        return allow[item]
    for pattern, reason in allow.items():
        if any(c in pattern for c in "*?[") and fnmatchcase(item, pattern):
            return reason
    return None


@dataclass
class Drift:
    sdk: Surface
    profile: Surface
    #: in the SDK, not in the profile, not allowed: (item, where in the SDK)
    missing: list[tuple[str, str]] = field(default_factory=list)
    #: in one side only, allowed: (item, where, reason)
    allowed: list[tuple[str, str, str]] = field(default_factory=list)
    #: in the profile, not in the SDK: (item, where in the profile)
    extra: list[tuple[str, str]] = field(default_factory=list)
    #: allow-list entries that matched nothing (stale: the profile caught up or the SDK dropped it)
    unused_allow: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


def compare(sdk: Surface, profile: Surface, allow: Mapping[str, str]) -> Drift:
    drift = Drift(sdk, profile)
    used: set[str] = set()
    for item in sdk:
        if item in profile:
            continue
        reason = allowed_reason(item, allow)
        if reason is None:
            drift.missing.append((item, sdk.items[item]))
        else:
            drift.allowed.append((item, sdk.items[item], reason))
            used.update(p for p in allow if p == item or fnmatchcase(item, p))
    for item in profile:
        if item in sdk:
            continue
        reason = allowed_reason(item, allow)
        if reason is None:
            drift.extra.append((item, profile.items[item]))
        else:  # e.g. model names only the profile's document lists: the same open list
            drift.allowed.append((item, profile.items[item], reason))
            used.update(p for p in allow if p == item or fnmatchcase(item, p))
    drift.unused_allow = sorted(p for p in allow if p not in used)
    return drift
