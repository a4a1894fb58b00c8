"""SSE framing: one event dict -> the bytes of one frame.

``event: <event_type>`` then ``data: <json>`` then a blank line, as the
streaming page documents. The private keys ``_sse_name``, ``_raw`` (a data line, or bytes sent
as they are) and ``_bare`` are set only by stream faults (perturb.py) to mis-frame an event on purpose.
"""

from __future__ import annotations

import orjson

MEDIA_TYPE = "text/event-stream"


def frame(event: dict) -> bytes:
    if "_bare" in event:  # a JSON line with no SSE field at all (fault stream.framing.bare-json)
        return orjson.dumps(event["_bare"]) + b"\n\n"
    if "_raw" in event:
        raw = event["_raw"]
        return raw if isinstance(raw, bytes) else b"data: " + str(raw).encode() + b"\n\n"
    name = event.get("_sse_name", event["event_type"])
    payload = {k: v for k, v in event.items() if not k.startswith("_")}
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"
