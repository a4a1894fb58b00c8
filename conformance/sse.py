"""An incremental Server-Sent Events parser: bytes in, events out.

Follows the WHATWG event-stream rules a conformance suite must not get
wrong: lines end in LF, CRLF or a lone CR (a CRLF may be split across two
chunks), ``data:`` lines of one event join with ``\\n``, a single space after
the colon is dropped, lines starting with ``:`` are comments (heartbeats),
``id:`` sets the last event id, ``retry:`` takes digits only, and a blank line
dispatches. A line that is a bare JSON value (no field name: how a mid-stream
refusal has been seen) is ignored as the spec says, but kept in ``stray`` so a
checker can report it. Memory is bounded by the longest line (plus 64 KiB), not the stream.

An event stream is always UTF-8. Bytes that do not decode are replaced with
U+FFFD (as a browser does) *and counted* in :attr:`SSEParser.invalid_utf8`
(with the event position of the first one), so a checker can report them
instead of never knowing they were there. The check is one incremental UTF-8
pass over non-ASCII chunks (an ASCII chunk costs one ``isascii`` call).

Written by hand (rather than httpx-sse) because the checker needs what a
client library hides: the raw ``event:`` field, whether ``id:`` was present
on *this* frame, comments, and the frame's position.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

__all__ = ["RawFrames", "SSEEvent", "SSEParser", "parse_sse"]

#: a partial frame longer than this is parsed line by line instead of buffered whole
LINE_MODE_OVER = 64 * 1024


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


#: one frame of the usual shape, and a run of nothing but such frames (see SSEParser.feed)
_SIMPLE_FRAME = re.compile(rb"event: ([^\n]*)\ndata: ([^\n]*)\n\n")
_SIMPLE_FRAMES = re.compile(rb"(?:event: [^\n]*\ndata: [^\n]*\n\n)+")

#: builds an SSEEvent from a full tuple without the generated ``__new__``'s keyword handling (the hot path)
_new = tuple.__new__


class RawFrames(NamedTuple):
    """A run of frames of the usual shape (``event: NAME`` + one ``data:`` line), undecoded: what
    :meth:`SSEParser.feed_raw` returns so a hot consumer (the stream checker) can parse all the data in one
    call. :meth:`events` gives the same SSEEvents :meth:`SSEParser.feed` would have."""

    names: list[bytes]
    datas: list[bytes]
    position: int
    last_event_id: str | None

    def events(self, start: int = 0, stop: int | None = None) -> list[SSEEvent]:
        stop = len(self.names) if stop is None else stop
        return [_new(SSEEvent, (self.datas[i].decode("utf-8", "replace"), self.names[i].decode("utf-8", "replace"),
                                None, None, self.last_event_id, self.position + i)) for i in range(start, stop)]


class SSEParser:
    """Feed it chunks with :meth:`feed`; call :meth:`close` at end of stream."""

    __slots__ = ("_buf", "_pending_cr", "_mid", "_data", "_event", "_id", "_retry", "_last_id", "_count",
                 "comments", "stray", "invalid_utf8", "first_invalid_utf8", "_utf8")

    def __init__(self) -> None:
        self._buf = b""
        self._pending_cr = False
        #: True while a frame's first lines are already in the fields below (a long frame, see feed)
        self._mid = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._last_id: str | None = None
        self._count = 0
        #: number of comment lines seen (heartbeats)
        self.comments = 0
        #: (events dispatched before it, the line) for lines that look like bare JSON; the reader drains it
        self.stray: list[tuple[int, str]] = []
        #: places where the bytes are not UTF-8, and the event position of the first
        self.invalid_utf8 = 0
        self.first_invalid_utf8: int | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    def _check_utf8(self, chunk: bytes, final: bool = False) -> None:
        """Validate ``chunk`` as the next bytes of a UTF-8 stream (a character may span chunks)."""
        decoder = self._utf8
        if not final and chunk.isascii() and not decoder.getstate()[0]:
            return
        try:
            decoder.decode(chunk, final)
        except UnicodeDecodeError:
            self.invalid_utf8 += 1
            if self.first_invalid_utf8 is None:
                self.first_invalid_utf8 = self._count
            decoder.reset()

    @property
    def pending_bytes(self) -> int:
        """Bytes held for the event being received (its unfinished lines): what one event costs so far."""
        return len(self._buf) + sum(map(len, self._data))

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Events completed by ``chunk`` (see :meth:`_feed`)."""
        return self._feed(chunk, False)  # type: ignore[return-value]

    def feed_raw(self, chunk: bytes) -> list[SSEEvent | RawFrames]:
        """As :meth:`feed`, but a run of frames of the usual shape comes back as one undecoded
        :class:`RawFrames` (always last in the list) instead of one SSEEvent each."""
        return self._feed(chunk, True)

    def _feed(self, chunk: bytes, raw: bool) -> list:
        """Events completed by ``chunk``.

        Works a frame (up to a blank line) at a time: the common frame,
        ``event: NAME`` + one ``data: JSON`` line, becomes an event without a
        line loop; any other frame goes through :meth:`_line` line by line. A
        partial frame longer than ``LINE_MODE_OVER`` is consumed line by line
        at once (its state kept in the fields), so buffering stays bounded by
        the longest line.
        """
        if not chunk:
            return []
        self._check_utf8(chunk)
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            if buf[-1:] == b"\r":
                self._pending_cr = True
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        out: list[SSEEvent] = []
        line = self._line
        if self._mid:
            # the current frame began in an earlier chunk: its lines so far are in the fields; buf starts a line
            if buf[:1] == b"\n":
                head, buf = [], buf[1:]
            else:
                k = buf.find(b"\n\n")
                if k < 0:
                    lines = buf.split(b"\n")
                    self._buf = lines.pop()
                    for one in lines:
                        line(one, out)
                    return out
                head, buf = buf[:k].split(b"\n"), buf[k + 2:]
            for one in head:
                line(one, out)
            line(b"", out)
            self._mid = False
        end = buf.rfind(b"\n\n") + 2
        if end > 2 and _SIMPLE_FRAMES.fullmatch(buf, 0, end):
            # every complete frame is `event: NAME` + one `data:` line (a stream's usual shape): found and
            # decoded by the regex engine in two passes instead of a Python loop over frames
            count, last_id = self._count, self._last_id
            found = _SIMPLE_FRAME.findall(buf, 0, end)
            if raw:
                names, datas = zip(*found, strict=True)
                out.append(RawFrames(list(names), list(datas), count, last_id))
            else:
                simple = [_new(SSEEvent, (data.decode("utf-8", "replace"), name.decode("utf-8", "replace"), None,
                                          None, last_id, count + i)) for i, (name, data) in enumerate(found)]
                if out:  # a long frame from earlier chunks was dispatched first
                    out += simple
                else:
                    out = simple
            self._count = count + len(found)
            tail = buf[end:]
        else:
            frames = buf.split(b"\n\n")
            tail = frames.pop()
            for frame in frames:
                if frame[:7] == b"event: ":
                    nl = frame.find(b"\n")
                    if nl > 0 and frame[nl + 1:nl + 7] == b"data: " and frame.find(b"\n", nl + 1) < 0:
                        out.append(_new(SSEEvent, (frame[nl + 7:].decode("utf-8", "replace"),
                                                   frame[7:nl].decode("utf-8", "replace"), None, None,
                                                   self._last_id, self._count)))
                        self._count += 1
                        continue
                for one in frame.split(b"\n"):
                    line(one, out)
                line(b"", out)
        if len(tail) > LINE_MODE_OVER and b"\n" in tail:
            lines = tail.split(b"\n")
            tail = lines.pop()
            for one in lines:
                line(one, out)
            self._mid = True
        self._buf = tail
        return out

    def close(self) -> list[SSEEvent]:
        """End of stream: trailing lines without a blank line are processed; an event never dispatched is dropped (per spec)."""
        self._check_utf8(b"", final=True)
        out: list[SSEEvent] = []
        if self._buf:
            for one in self._buf.split(b"\n"):
                if one:
                    self._line(one, out)
            self._buf = b""
        self._data, self._event, self._id, self._retry, self._mid = [], None, None, None, False
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
        elif name[:1] in (b"{", b"[") and len(self.stray) < 16:
            self.stray.append((self._count, line[:2000].decode("utf-8", "replace")))
        # any other field name is ignored, as the spec says


def parse_sse(data: bytes) -> list[SSEEvent]:
    """Parse a whole captured stream at once."""
    parser = SSEParser()
    return parser.feed(data) + parser.close()
