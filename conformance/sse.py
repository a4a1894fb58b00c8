"""An incremental Server-Sent Events parser: bytes in, events out.

Follows the WHATWG event-stream rules a conformance suite must not get
wrong: lines end in LF, CRLF or a lone CR (a CRLF may be split across two
chunks), ``data:`` lines of one event join with ``\\n``, a single space after
the colon is dropped, lines starting with ``:`` are comments (heartbeats),
``id:`` sets the last event id, ``retry:`` takes digits only, and a blank line
dispatches. Memory is bounded by the longest line, not the stream.

Written by hand (rather than httpx-sse) because the checker needs what a
client library hides: the raw ``event:`` field, whether ``id:`` was present
on *this* frame, comments, and the frame's position.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SSEEvent", "SSEParser", "parse_sse"]


class SSEEvent(NamedTuple):
    """One dispatched event.

    ``event`` is the raw ``event:`` field (None when the frame had none, which
    EventSource would call "message"); ``id`` is the frame's own ``id:``;
    ``last_event_id`` is the id in force after this frame; ``position`` counts
    dispatched events from 0. A NamedTuple: created once per event, so it
    must be cheap (a frozen dataclass costs several times more).
    """

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    last_event_id: str | None = None
    position: int = 0


class SSEParser:
    """Feed it chunks with :meth:`feed`; call :meth:`close` at end of stream."""

    __slots__ = ("_buf", "_pending_cr", "_data", "_event", "_id", "_retry", "_last_id", "_count", "comments")

    def __init__(self) -> None:
        self._buf = b""
        self._pending_cr = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._last_id: str | None = None
        self._count = 0
        #: number of comment lines seen (heartbeats)
        self.comments = 0

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            if buf[-1:] == b"\r":
                self._pending_cr = True
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        self._buf = lines.pop()
        out: list[SSEEvent] = []
        data = self._data
        for line in lines:
            # the common lines, inlined: blank, "data: ..." and "event: ..."
            if not line:
                if data:
                    out.append(SSEEvent("\n".join(data), self._event, self._id, self._retry, self._last_id,
                                        self._count))
                    self._count += 1
                    data = self._data = []
                self._event = self._id = self._retry = None
            elif line[:6] == b"data: ":
                data.append(line[6:].decode("utf-8", "replace"))
            elif line[:7] == b"event: ":
                self._event = line[7:].decode("utf-8", "replace")
            else:
                self._line(line, out)
                data = self._data
        return out

    def close(self) -> list[SSEEvent]:
        """End of stream: a trailing line without its newline is processed; an event never dispatched is dropped (per spec)."""
        out: list[SSEEvent] = []
        if self._buf:
            self._line(self._buf, out)
            self._buf = b""
        self._data, self._event, self._id, self._retry = [], None, None, None
        return out

    @property
    def pending(self) -> bool:
        """True when bytes of an undispatched event are buffered (a stream cut mid-event)."""
        return bool(self._buf or self._data)

    def _line(self, line: bytes, out: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                out.append(SSEEvent("\n".join(self._data), self._event, self._id, self._retry, self._last_id, self._count))
                self._count += 1
            self._data, self._event, self._id, self._retry = [], None, None, None
            return
        if line[:1] == b":":
            self.comments += 1
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self._id = self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value.isdigit():
                self._retry = int(value)
        # any other field name is ignored, as the spec says


def parse_sse(data: bytes) -> list[SSEEvent]:
    """Parse a whole captured stream at once."""
    parser = SSEParser()
    return parser.feed(data) + parser.close()
