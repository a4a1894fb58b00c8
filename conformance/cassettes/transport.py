"""The httpx transport that records into and replays from one vcrpy cassette.

vcrpy's own httpx stub joins a streamed body into one string, which would
hide exactly what the stream rules judge (event framing across chunk
boundaries). This transport sits under the suite's ``httpx.Client`` instead:

* **recording**: the request goes to the real transport; the answer's byte
  stream is passed through to the client chunk by chunk as it arrives, and
  when the client closes it the chunks (and when each arrived) are scrubbed
  and appended to the cassette;
* **replay**: the request is matched against the cassette (vcrpy's
  ``Cassette.play_response`` with the matchers of :mod:`.matching`; repeated
  identical requests, such as polling GETs, get the recorded answers in
  recorded order) and the recorded chunks are served as the same chunks. A
  request the cassette does not hold raises :class:`CassetteMiss` naming the
  request and the closest recorded ones; nothing reaches a socket.

Closing the transport (the client closes it at the end of a scenario) saves
the cassette if anything was recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.matchers import requests_match
from vcr.record_mode import RecordMode
from vcr.request import Request as VcrRequest

from ..errors import TargetError
from .matching import MATCH_ON, VolatileBook, request_key
from .scrub import Scrubber
from .storage import chunk_to_yaml, header, is_stream, response_bytes, response_chunks

#: request headers not worth keeping in a cassette (transport details)
_DROP_REQUEST_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})
#: response headers that describe the transfer, not the answer (recomputed on replay)
_DROP_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class CassetteMiss(TargetError, httpx.TransportError):
    """A request the cassette holds no answer for, while the record mode forbids asking the network."""


class CassetteTransport(httpx.BaseTransport):
    """Record into / replay from ``cassette``. ``real`` is None when the network must not be used."""

    def __init__(self, cassette: Cassette, scrubber: Scrubber, *, real: httpx.BaseTransport | None = None,
                 target_key: str | None = None, timing: bool = False,
                 metadata: Callable[[], dict] | None = None, hint: str = "") -> None:
        self.cassette = cassette
        self.scrubber = scrubber
        self.real = real
        self.target_key = target_key
        self.timing = timing
        self._metadata = metadata
        self.hint = hint
        self.book = VolatileBook()
        self.served = 0
        self.recorded = 0
        self._closed = False
        self._prepare_loaded()

    @property
    def path(self) -> str:
        return str(self.cassette.path)

    def _prepare_loaded(self) -> None:
        """Give every stored request its normalised view, learning volatile values in recorded order."""
        book = VolatileBook()
        for request, response in self.cassette.data:
            request.iconf_key = request_key(request.method, request.uri, request.headers, _body(request), book)
            book.learn_body(response_bytes(response), header(response.get("headers"), "content-type"))

    # -- httpx ----------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        stored = self._to_vcr(request)
        cassette = self.cassette
        if cassette.can_play_response_for(stored):
            return self._serve(request, cassette.play_response(stored))
        if self.real is None or cassette.write_protected:
            repeat = self._repeat(stored)
            if repeat is not None:
                return self._serve(request, repeat)
            raise CassetteMiss(self._miss_message(stored))
        return self._record(request, stored)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.real is not None:
                self.real.close()
        finally:
            self.save()

    def save(self) -> None:
        cassette = self.cassette
        if not cassette.dirty:
            return
        # vcrpy has no public way to replace a cassette's metadata (get_metadata only sets a missing key, and a
        # re-recording must rewrite when and how it was recorded) nor to save one outside its context manager,
        # which this transport, living as long as an httpx client, cannot use
        if self._metadata is not None:
            cassette._metadata = self._metadata()
        cassette._save()

    # -- replay ---------------------------------------------------------------------------------

    def _repeat(self, stored: VcrRequest) -> dict | None:
        """A polling GET asked once more than recorded: the last recorded answer again (GETs only).

        Matched with :data:`.matching.MATCH_ON`, the matchers every cassette is loaded with.
        """
        if stored.method.upper() != "GET":
            return None
        last = None
        for index, (request, response) in enumerate(self.cassette.data):
            if self.cassette.play_counts[index] and requests_match(stored, request, MATCH_ON):
                last = response
        return last

    def _serve(self, request: httpx.Request, response: dict) -> httpx.Response:
        self.served += 1
        status = int(response["status"]["code"])
        headers = [(k, v) for k, values in (response.get("headers") or {}).items()
                   for v in (values if isinstance(values, list) else [values])
                   if k.lower() not in _DROP_RESPONSE_HEADERS]
        chunks = response_chunks(response)
        body = response.get("body") or {}
        offsets = body.get("offsets_ms") if self.timing else None
        if not is_stream(response):
            headers.append(("content-length", str(sum(len(c) for c in chunks))))
        self.book.learn_body(b"".join(chunks), header(response.get("headers"), "content-type"))
        return httpx.Response(status, headers=headers, stream=_ReplayStream(chunks, offsets),
                              request=request, extensions={"http_version": b"HTTP/1.1",
                                                           "reason_phrase": str(response["status"].get("message") or "").encode()})

    def _miss_message(self, stored: VcrRequest) -> str:
        cassette = self.cassette
        what = f"{stored.method} {_show_uri(stored.uri)}"
        mode = getattr(cassette.record_mode, "value", cassette.record_mode)
        if not Path(self.path).exists() and not len(cassette):
            return (f"replay: no cassette {self.path} for this scenario, so nothing answers {what}. "
                    f"Record it: iconf run --target mock --record{self.hint} (or --target live --record with a key)")
        lines = [f"replay: cassette {self.path} has no recorded answer for {what} "
                 f"({len(cassette)} recorded, {sum(1 for c in cassette.play_counts.values() if c)} played, "
                 f"record mode {mode}; the network is not used)"]
        body = _body(stored)
        if body:
            text = body.decode("utf-8", "replace")
            lines.append(f"  body: {text[:300]}{'…' if len(text) > 300 else ''}")
        try:
            similar = CannotOverwriteExistingCassetteException(cassette=cassette, failed_request=stored).similar_requests
        except Exception:  # noqa: BLE001 - the explanation is a courtesy
            similar = []
        for i, (request, _ok, failed) in enumerate(similar[:3], 1):
            lines.append(f"  closest recorded #{i}: {request.method} {_show_uri(request.uri)}")
            if not failed:
                lines.append("    identical, but already played back (the scenario asked more often than recorded)")
            for name, message in failed:
                lines.append(f"    {name} differs: {message}")
        lines.append(f"  re-record: iconf run --target mock --record new_episodes{self.hint}")
        return "\n".join(lines)

    # -- recording ------------------------------------------------------------------------------

    def _record(self, request: httpx.Request, stored: VcrRequest) -> httpx.Response:
        real = self.real.handle_request(request)
        ctype = real.headers.get("content-type", "")
        streamed = "event-stream" in ctype.lower()

        def done(chunks: list[bytes], offsets: list[int], complete: bool) -> None:
            self._append(stored, real, chunks, offsets, complete, streamed)

        stream = _RecordingStream(real.stream, done, started=time.monotonic(), drain=not streamed)
        return httpx.Response(real.status_code, headers=real.headers, stream=stream, request=request,
                              extensions=real.extensions)

    def _append(self, stored: VcrRequest, real: httpx.Response, chunks: list[bytes], offsets: list[int],
                complete: bool, streamed: bool) -> None:
        sc = self.scrubber
        headers = list(real.headers.multi_items())
        if streamed:
            chunks = sc.chunks(chunks)
            if len(chunks) != len(offsets):  # a secret spanning chunks merged them
                offsets = offsets[:len(chunks)]
            body: dict[str, Any] = {"chunks": [chunk_to_yaml(c) for c in chunks], "offsets_ms": offsets}
            if not complete:
                body["incomplete"] = True
        else:
            raw = b"".join(chunks)
            encoding = real.headers.get("content-encoding")
            if encoding and raw:
                try:
                    raw = httpx.Response(real.status_code, headers=real.headers, content=raw).content
                    headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
                except httpx.DecodingError:
                    pass
            body = {"string": sc.data(raw)}
            if not complete:
                body["incomplete"] = True
        response = {
            "status": {"code": real.status_code, "message": real.reason_phrase},
            "headers": sc.response_headers((k, v) for k, v in headers if k.lower() not in _DROP_RESPONSE_HEADERS),
            "body": body,
        }
        self.cassette.append(stored, response)
        self.recorded += 1
        self.book.learn_body(b"".join(chunks), real.headers.get("content-type"))

    # -- helpers --------------------------------------------------------------------------------

    def _to_vcr(self, request: httpx.Request) -> VcrRequest:
        sc = self.scrubber
        headers = sc.request_headers((k, v) for k, v in request.headers.multi_items()
                                     if k.lower() not in _DROP_REQUEST_HEADERS)
        body = sc.data(request.content) if request.content else None
        stored = VcrRequest(request.method, sc.uri(str(request.url)), body, headers)
        stored.iconf_key = request_key(request.method, str(request.url), request.headers, request.content,
                                       self.book, self.target_key)
        return stored


def _body(request: VcrRequest) -> bytes | None:
    body = request.body
    if isinstance(body, str):
        return body.encode("utf-8")
    return body


def _show_uri(uri: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class _ReplayStream(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes], offsets_ms: list[int] | None = None) -> None:
        self._chunks = chunks
        self._offsets = offsets_ms if offsets_ms and len(offsets_ms) == len(chunks) else None

    def __iter__(self) -> Iterator[bytes]:
        started = time.monotonic()
        for i, chunk in enumerate(self._chunks):
            if self._offsets is not None:
                wait = self._offsets[i] / 1000.0 - (time.monotonic() - started)
                if wait > 0:
                    time.sleep(min(wait, 30.0))
            yield chunk

    def close(self) -> None:
        pass


class _RecordingStream(httpx.SyncByteStream):
    """Pass the real stream through, keeping each chunk and when it came; report once on close."""

    def __init__(self, inner: Any, done: Callable[[list[bytes], list[int], bool], None], *, started: float,
                 drain: bool) -> None:
        self._inner = inner
        self._done = done
        self._started = started
        self._drain = drain
        self._chunks: list[bytes] = []
        self._offsets: list[int] = []
        self._exhausted = False
        self._reported = False

    def _take(self, chunk: bytes) -> None:
        self._chunks.append(bytes(chunk))
        self._offsets.append(int(round((time.monotonic() - self._started) * 1000)))

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._take(chunk)
            yield chunk
        self._exhausted = True

    def close(self) -> None:
        try:
            if not self._exhausted and self._drain:
                try:  # a plain answer the client did not read (a retried 429, say): keep it whole
                    for chunk in self._inner:
                        self._take(chunk)
                    self._exhausted = True
                except (httpx.HTTPError, RuntimeError):
                    pass
        finally:
            try:
                close = getattr(self._inner, "close", None)
                if close is not None:
                    close()
            finally:
                if not self._reported:
                    self._reported = True
                    self._done(self._chunks, self._offsets, self._exhausted)


__all__ = ["CassetteMiss", "CassetteTransport", "RecordMode"]
