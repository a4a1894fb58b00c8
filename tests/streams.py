"""Build conforming event streams and resources for either revision, for the core's tests.

Independent of the mock server on purpose: the checkers are tested against
hand-built transcripts shaped like the documented real ones (API-FACTS §5).
"""

from __future__ import annotations

import json

from conformance.profiles import Profile

CREATED = "2026-11-21T05:00:00Z"
UPDATED = "2026-11-21T05:00:01Z"
USAGE = {"total_input_tokens": 5, "total_output_tokens": 7, "total_thought_tokens": 3, "total_tool_use_tokens": 0,
         "total_tokens": 15}


def resource(profile: Profile, items: list, *, status: str = "completed", iid: str = "v1_abc", **extra) -> dict:
    body = {"id": iid, "object": "interaction", "status": status, "model": "gemini-3-flash-preview",
            "created": CREATED, "updated": UPDATED, "role": "model", "usage": USAGE,
            profile.items_field: items}
    body.update(extra)
    return body


def text_item(profile: Profile, text: str) -> dict:
    if profile.items_field == "steps":
        return {"type": "model_output", "content": [{"type": "text", "text": text}]}
    return {"type": "text", "text": text}


def thought_item(profile: Profile) -> dict:
    return {"type": "thought", "signature": "c2lnbmF0dXJl", "summary": [{"type": "text", "text": "Thinking it over."}]}


def function_call_item(profile: Profile, call_id: str = "call_1") -> dict:
    return {"type": "function_call", "id": call_id, "name": "get_weather", "arguments": {"city": "Paris"}}


def frame(event: dict, name: str | None = "same") -> bytes:
    head = f"event: {event['event_type'] if name == 'same' else name}\n" if name is not None else ""
    return (head + "data: " + json.dumps(event) + "\n\n").encode()


def events_for(profile: Profile, items: list, *, status: str = "completed", iid: str = "v1_abc") -> list[dict]:
    """The event sequence a conforming server sends for a resource with ``items``."""
    g = profile.grammar
    n = 0

    def eid() -> str:
        nonlocal n
        n += 1
        return f"evt_{n}"

    out = [
        {"event_type": g.created, "event_id": eid(),
         "interaction": {"id": iid, "status": "in_progress", "object": "interaction", "model": "gemini-3-flash-preview"}},
        {"event_type": g.status_update, "event_id": eid(), "interaction_id": iid, "status": "in_progress"},
    ]
    for index, item in enumerate(items):
        kind = item["type"]
        start: dict = {"type": kind}
        deltas: list[dict] = []
        if kind == "text":
            text = item["text"]
            deltas = [{"type": "text", "text": text[: len(text) // 2]}, {"type": "text", "text": text[len(text) // 2:]}]
        elif kind == "model_output":
            for c in item["content"]:
                if c["type"] == "text":
                    t = c["text"]
                    deltas += [{"type": "text", "text": t[: len(t) // 2]}, {"type": "text", "text": t[len(t) // 2:]}]
                else:
                    deltas.append(dict(c))
        elif kind == "thought":
            deltas = [{"type": "thought_summary", "content": s} for s in item.get("summary", [])]
            if "signature" in item:
                deltas.append({"type": "thought_signature", "signature": item["signature"]})
        elif kind == "function_call" and profile.items_field == "steps":
            start = {"type": kind, "id": item["id"], "name": item["name"]}
            args = json.dumps(item["arguments"])
            deltas = [{"type": "arguments_delta", "arguments": args[:5]}, {"type": "arguments_delta", "arguments": args[5:]}]
        else:
            deltas = [dict(item)]
        out.append({"event_type": g.block_start, "event_id": eid(), "index": index, g.block_field: start})
        out += [{"event_type": g.block_delta, "event_id": eid(), "index": index, "delta": d} for d in deltas]
        out.append({"event_type": g.block_stop, "event_id": eid(), "index": index})
    if status != "in_progress":
        out.append({"event_type": g.status_update, "event_id": eid(), "interaction_id": iid, "status": status})
    final = {"id": iid, "status": status, "object": "interaction", "model": "gemini-3-flash-preview",
             "created": CREATED, "updated": UPDATED, "usage": USAGE}
    out.append({"event_type": g.completed, "event_id": eid(), "interaction": final})
    return out


def to_bytes(events: list[dict]) -> bytes:
    return b"".join(frame(e) for e in events)


def sample_items(profile: Profile) -> list:
    return [thought_item(profile), text_item(profile, "Hello there, this is a streamed answer.")]
