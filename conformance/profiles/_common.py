"""Pieces both revisions share: the status machine and the built-in tool pairs."""

from __future__ import annotations

from ._model import StatusMachine

_TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})

#: in_progress moves to any outcome; requires_action (a pending function call)
#: may resume or end; terminal states never move. ``queued`` precedes the run
#: and ``requires_continuation``/``budget_exceeded`` come from newer typings.
STATUS_MACHINE = StatusMachine(
    statuses=frozenset({"in_progress", "requires_action"}) | _TERMINAL,
    initial=frozenset({"in_progress", "queued"}),
    terminal=_TERMINAL | {"budget_exceeded"},
    transitions={
        "queued": frozenset({"in_progress", "cancelled", "failed"}),
        "in_progress": frozenset({"requires_action", "requires_continuation", "budget_exceeded"}) | _TERMINAL,
        "requires_action": frozenset({"in_progress"}) | _TERMINAL,
        "requires_continuation": frozenset({"in_progress"}) | _TERMINAL,
    },
    tolerated=frozenset({"budget_exceeded", "requires_continuation", "queued"}),
)

#: 2026-05-20 as of the newest typings (API-FACTS §9): ``queued`` waits for
#: capacity before the run; ``requires_continuation`` pauses a long decode (the
#: resource carries a ``continuation_token``; a *new* interaction continues it,
#: so the paused one normally stays put); ``budget_exceeded`` ends the run on its
#: token budget; ``idle`` is a session at rest between turns (seen in Live
#: sessions), from which a new turn starts or the session ends.
_TERMINAL_R0520 = _TERMINAL | {"budget_exceeded"}
STATUS_MACHINE_R0520 = StatusMachine(
    statuses=frozenset({"queued", "in_progress", "requires_action", "requires_continuation", "idle"}) | _TERMINAL_R0520,
    initial=frozenset({"in_progress", "queued"}),
    terminal=_TERMINAL_R0520,
    transitions={
        "queued": frozenset({"in_progress", "cancelled", "failed"}),
        "in_progress": frozenset({"requires_action", "requires_continuation", "idle"}) | _TERMINAL_R0520,
        "requires_action": frozenset({"in_progress"}) | _TERMINAL_R0520,
        "requires_continuation": frozenset({"in_progress"}) | _TERMINAL_R0520,
        "idle": frozenset({"in_progress"}) | _TERMINAL_R0520,
    },
    # still widened into an older document's enum (e.g. --schema with the official download)
    tolerated=frozenset({"budget_exceeded", "requires_continuation", "queued", "idle"}),
)

#: built-in tools whose call/result come as a pair of blocks (or steps)
TOOL_PAIRS = ("code_execution", "url_context", "google_search", "mcp_server_tool", "file_search", "google_maps")

MEDIA_TYPES = ("image", "audio", "document", "video")


def camel(name: str) -> str:
    """``google_search_call`` -> ``GoogleSearchCall`` (component names follow this pattern)."""
    return "".join(part.capitalize() for part in name.split("_"))
