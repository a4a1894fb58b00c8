"""``stream.event-id.resumable``: a resumed stream replays exactly what followed the given event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..rules import Violation, violation
from ._render import short

__all__ = ["check_resume"]


def _key(event: Mapping) -> tuple:
    return (event.get("event_id"), event.get("event_type"), event.get("index"))


def check_resume(original: Sequence[Mapping], last_event_id: str, replay: Sequence[Mapping],
                 *, location: str = "resume") -> list[Violation]:
    """Compare a replay (GET ?stream=true&last_event_id=X) with the events that followed X originally."""
    ids = [e.get("event_id") for e in original]
    if last_event_id not in ids:
        return [violation("stream.event-id.resumable", f"event_id {last_event_id!r} is not in the original stream",
                          location=location, expected="an event_id the stream carried", observed=last_event_id)]
    expected = [_key(e) for e in original[ids.index(last_event_id) + 1:]]
    got = [_key(e) for e in replay]
    if got == expected:
        return []
    first = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), min(len(got), len(expected)))
    return [violation(
        "stream.event-id.resumable", f"the replay after {last_event_id!r} differs from the original at event {first}",
        location=f"{location} event[{first}]", expected=short(expected[first:first + 3]),
        observed=short(got[first:first + 3]),
        evidence={"expected_count": len(expected), "replayed_count": len(got)},
    )]
