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

#: built-in tools whose call/result come as a pair of blocks (or steps)
TOOL_PAIRS = ("code_execution", "url_context", "google_search", "mcp_server_tool", "file_search", "google_maps")

MEDIA_TYPES = ("image", "audio", "document", "video")


def camel(name: str) -> str:
    """``google_search_call`` -> ``GoogleSearchCall`` (component names follow this pattern)."""
    return "".join(part.capitalize() for part in name.split("_"))
