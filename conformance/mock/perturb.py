"""Stream faults: each one a small, local edit of a rendered event list.

Kept apart from render.py so the faithful rendering reads straight through,
and so each stream fault is visibly a single transformation. The edits run
on the list before event ids are assigned (so a fault that adds an event
shifts nothing that was already sent), except the id faults, which run
after. ``final`` is False for the prefix of a still-running interaction;
faults that touch blocks or the terminal event then wait for the full list.
Framing-level faults (Content-Type, the event: line, non-JSON data) are
marked here with private ``_sse_name`` / ``_raw`` keys that framing.py reads.
"""

from __future__ import annotations

import copy

from ..profiles import PROFILES, Profile
from .faults import ActiveFaults


def _is(ev: dict, name: str) -> bool:
    return ev.get("event_type") == name


def perturb_stream(evs: list[dict], profile: Profile, faults: ActiveFaults, *, final: bool) -> list[dict]:
    g = profile.grammar
    if faults.on("stream.status.legal-transition"):
        evs[0]["interaction"]["status"] = "queued"
        evs.insert(1, {"event_type": g.status_update, "interaction_id": evs[0]["interaction"]["id"],
                       "status": "requires_action"})
    if faults.on("stream.event.known-type"):
        other = next(p for p in PROFILES.values() if p.name != profile.name)
        evs.insert(1, {"event_type": other.grammar.created, "interaction": copy.deepcopy(evs[0]["interaction"])})
    if faults.on("stream.interaction-id.consistent"):
        for ev in evs:
            if _is(ev, g.status_update):
                ev["interaction_id"] += "-other"
    if faults.on("schema.event.valid"):
        first = next(ev for ev in evs if _is(ev, g.status_update))
        first["metadata"] = "not-an-object"
    if faults.on("stream.order.created-first"):
        at = next(i for i, ev in enumerate(evs) if _is(ev, g.status_update))
        evs.insert(0, evs.pop(at))
    if final:
        _final_faults(evs, profile, faults)
    if faults.on("stream.framing.json-data"):
        evs.insert(1, {"_raw": "keep-alive"})
    if faults.on("stream.framing.bare-json"):
        evs.insert(min(2, len(evs)), {"_bare": {"error": {"code": "prohibited_content",
                                                          "message": "iconf fault: a refusal outside SSE framing"}}})
    if faults.on("stream.framing.utf8"):
        evs.insert(1, {"_raw": b": caf\xe9 keep-alive\n\n"})
    if faults.on("stream.event.name-matches"):
        delta = next((ev for ev in evs if _is(ev, g.block_delta)), None)
        if delta is not None:
            delta["_sse_name"] = g.block_start
        elif final:
            evs[-1]["_sse_name"] = g.status_update
    n = 0
    for ev in evs:
        if "_raw" not in ev and "_bare" not in ev:
            n += 1
            ev["event_id"] = f"evt_{n:04d}"
    if faults.on("stream.event-id.unique") and len(evs) > 1:
        with_ids = [ev for ev in evs if "event_id" in ev]
        with_ids[1]["event_id"] = with_ids[0]["event_id"]
    return evs


def _final_faults(evs: list[dict], profile: Profile, faults: ActiveFaults) -> None:
    g = profile.grammar
    block_events = [ev for ev in evs if ev.get("event_type") in (g.block_start, g.block_delta, g.block_stop)]
    if faults.on("stream.delta.type-matches"):
        text_kinds = ("text", "model_output")
        start = next((ev for ev in block_events if _is(ev, g.block_start)
                      and ev[g.block_field]["type"] in text_kinds), None)
        if start is not None:
            at = evs.index(start) + 1
            evs.insert(at, {"event_type": g.block_delta, "index": start["index"],
                            "delta": {"type": "thought_signature", "signature": "aWNvbmYtZmF1bHQ="}})
    if faults.on("stream.block.assembled-valid"):
        start = next((ev for ev in block_events if _is(ev, g.block_start)
                      and ev[g.block_field]["type"] == "code_execution_call"), None)
        if start is not None:
            evs[:] = [ev for ev in evs if not (_is(ev, g.block_delta) and ev["index"] == start["index"])]
    if faults.on("stream.assembly.matches-resource"):
        texts = [ev for ev in evs if _is(ev, g.block_delta) and ev["delta"].get("type") == "text"]
        if texts:
            texts[-1]["delta"]["text"] += " [stream-only]"
    if faults.on("stream.block.start-first"):
        starts = [i for i, ev in enumerate(evs) if _is(ev, g.block_start)]
        if starts:
            s = starts[0]
            follower = next(i for i in range(s + 1, len(evs)) if evs[i].get("index") == evs[s]["index"])
            # a copy goes before the start; the original stays, so assembly is unaffected
            evs.insert(s, copy.deepcopy(evs[follower]))
    if faults.on("stream.block.index-consecutive"):
        for ev in evs:
            if ev.get("event_type") in (g.block_start, g.block_delta, g.block_stop):
                ev["index"] += 1
    if faults.on("stream.block.closed"):
        stops = [i for i, ev in enumerate(evs) if _is(ev, g.block_stop)]
        if stops:
            del evs[stops[-1]]
    terminal_at = next((i for i in range(len(evs) - 1, -1, -1) if evs[i].get("event_type") in g.terminal), None)
    if terminal_at is None:
        return
    terminal = evs[terminal_at]
    if _is(terminal, g.completed) and isinstance(terminal.get("interaction"), dict):
        if faults.on("stream.completion.status-final"):
            terminal["interaction"]["status"] = "in_progress"
        usage = terminal["interaction"].get("usage")
        if faults.on("stream.completion.matches-resource") and isinstance(usage, dict):
            usage["total_thought_tokens"] = usage.get("total_thought_tokens", 0) + 1
            usage["total_tokens"] = usage.get("total_tokens", 0) + 1
    if faults.on("stream.terminal.last"):
        status = terminal.get("interaction", {}).get("status", "failed")
        iid = next(ev["interaction"]["id"] for ev in evs if "interaction" in ev)
        evs.append({"event_type": g.status_update, "interaction_id": iid, "status": status})
    if faults.on("stream.terminal.exactly-one"):
        del evs[terminal_at]
