"""Client robustness: what a *conforming* server may send, one case at a time.

Faults (faults.py) make the server break a rule; robustness cases do the
opposite: they stay within the protocol but exercise the corners a client
must survive. A case is switched on for a whole server
(``MockConfig.robustness``, ``iconf mock --robustness CASE``) or for one
request (header ``X-Iconf-Robustness: CASE[,CASE]``).

The mock applies a case around its ordinary answer, in three places only:

* :meth:`Robustness.before`: may answer instead of the endpoint (``rate-limit``,
  ``unavailable``) or rewrite the request (``all-blocks``);
* :meth:`Robustness.after`: edits a JSON resource (``unknown-types``) or wraps
  the frames of a stream (everything else that touches streams).

Stream edits work frame by frame on the mock's own framing (one frame per
chunk from ``app._frames``), so streams stay incremental. This module never
imports a checker.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import orjson

from ..errors import UnknownCaseError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..profiles import Profile
from .errors import ApiError, error_object
from .framing import frame

__all__ = ["CASES", "HEADER", "Robustness", "UnknownCaseError", "parse_case_header", "validate_cases"]

HEADER = "x-iconf-robustness"


@dataclass(frozen=True)
class Case:
    name: str
    #: one line: what the server sends
    effect: str


CASES: dict[str, Case] = {c.name: c for c in (
    Case("unknown-types", "unknown item/content/delta/event types and unknown fields in resources and streams "
                          "(forward compatibility)"),
    Case("all-blocks", "every known block/step type: each create answers as if the input asked for [iconf: all]"),
    Case("byte-split", "streams sent one byte per chunk, with CRLF line endings (so chunks split UTF-8 sequences "
                       "and CR from LF)"),
    Case("heartbeats", "streams carry ': keep-alive' comments between events, a 'retry:' line and a comment "
                       "line inside a frame"),
    Case("mid-stream-error", "a fresh stream ends with an error event right after the first delta"),
    Case("drop-and-resume", "a fresh stream's connection is cut (no terminal event, no chunked terminator) after "
                            "the second delta; GET ?stream=true&last_event_id=X resumes normally"),
    Case("rate-limit", "the first attempt of each request is answered 429 RESOURCE_EXHAUSTED with Retry-After: 1"),
    Case("unavailable", "the first attempt of each request is answered 503 UNAVAILABLE (no Retry-After)"),
    Case("slow-stream", f"stream events are sent {int(0.3 * 1000)} ms apart"),
)}

SLOW_STREAM_S = 0.3
RETRY_AFTER_S = 1
#: requests remembered for rate-limit / unavailable (oldest forgotten first)
_MAX_SEEN = 10_000
#: the unknown names served by ``unknown-types``
UNKNOWN_FIELD = "iconf_future_field"
UNKNOWN_ITEM = "iconf_future_item"
UNKNOWN_CONTENT = "iconf_future_content"
UNKNOWN_DELTA = "iconf_future_delta"
UNKNOWN_EVENT = "iconf_future.notice"
_FIELD_VALUE = {"note": "a field a later revision may add", "nested": [1, "two", {"three": 3.0}]}


def validate_cases(names: Iterable[str] | str) -> list[str]:
    """The case names, stripped; raises UnknownCaseError naming a bad one."""
    if isinstance(names, str):
        names = [names]
    out = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name not in CASES:
            raise UnknownCaseError(f"unknown robustness case {name!r}; valid cases: {', '.join(CASES)}")
        out.append(name)
    return out


def parse_case_header(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(validate_cases(value.split(",")))


class _Dropped(Exception):
    """Raised inside a stream to make the server cut the connection (drop-and-resume)."""


class _QuietDrop(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        for _ in range(8):
            if exc is None:
                break
            if isinstance(exc, _Dropped):
                return False
            group = getattr(exc, "exceptions", None)  # an ExceptionGroup from Starlette's task group
            exc = exc.__cause__ or exc.__context__ or (group[0] if group else None)
        return True


# the planned cut of drop-and-resume is not a server bug: keep uvicorn from logging its traceback
logging.getLogger("uvicorn.error").addFilter(_QuietDrop())


# --- resources ------------------------------------------------------------------------------------

def unknown_resource(body: dict, profile: Profile) -> dict:
    """A resource with unknown fields, an unknown item type and (2026-05-20) an unknown content type."""
    out = copy.deepcopy(body)
    out[UNKNOWN_FIELD] = copy.deepcopy(_FIELD_VALUE)
    items = out.get(profile.items_field)
    if isinstance(items, list) and items and out.get("status") != "in_progress":
        for item in items:
            if isinstance(item, dict):
                item[UNKNOWN_FIELD] = copy.deepcopy(_FIELD_VALUE)
                if item.get("type") == "model_output" and isinstance(item.get("content"), list):
                    item["content"].append(_unknown_content())
        items.append(_unknown_item())
    return out


def _unknown_item() -> dict:
    return {"type": UNKNOWN_ITEM, "iconf_payload": "an item type a later revision may add"}


def _unknown_content() -> dict:
    return {"type": UNKNOWN_CONTENT, "iconf_payload": "a content type a later revision may add"}


# --- streams --------------------------------------------------------------------------------------

def _parse_frame(chunk: bytes) -> dict | None:
    """The event of one frame written by framing.frame (None for anything else)."""
    for line in chunk.split(b"\n"):
        if line.startswith(b"data: "):
            try:
                event = orjson.loads(line[6:])
            except orjson.JSONDecodeError:
                return None
            return event if isinstance(event, dict) else None
    return None


def _frame(event: dict) -> bytes:
    return frame(event)


class _UnknownTypes:
    """Frame-by-frame edit for ``unknown-types`` (mirrors :func:`unknown_resource`)."""

    def __init__(self, profile: Profile) -> None:
        self.g = profile.grammar
        self.steps = profile.items_field == "steps"
        self.kinds: dict[int, str] = {}
        self.max_index = -1
        self.last_id = "evt"
        self.extra = 0

    def _id(self) -> str:
        self.extra += 1
        return f"{self.last_id}_x{self.extra}"

    def edit(self, chunk: bytes) -> list[bytes]:
        event = _parse_frame(chunk)
        if event is None:
            return [chunk]
        g = self.g
        et = event.get("event_type")
        if isinstance(event.get("event_id"), str):
            self.last_id = event["event_id"]
        out: list[dict] = []
        if et == g.block_stop and isinstance(event.get("index"), int):
            kind = self.kinds.get(event["index"])
            if kind in ("text", "model_output"):
                # legacy: a bare unknown delta in a text block (nothing a GET could show for it)
                delta = _unknown_content() if self.steps and kind == "model_output" else {"type": UNKNOWN_DELTA}
                out.append({"event_type": g.block_delta, "index": event["index"], "delta": delta})
        if et == g.completed and self.max_index >= 0:
            index = self.max_index + 1
            out.append({"event_type": g.block_start, "index": index, g.block_field: {"type": UNKNOWN_ITEM}})
            out.append({"event_type": g.block_delta, "index": index,
                        "delta": {"type": UNKNOWN_ITEM, "iconf_payload": "an item type a later revision may add"}})
            out.append({"event_type": g.block_stop, "index": index})
        if et == g.block_start and isinstance(event.get("index"), int):
            block = event.get(g.block_field)
            self.kinds[event["index"]] = block.get("type") if isinstance(block, dict) else ""
            self.max_index = max(self.max_index, event["index"])
        for extra in out:
            extra["event_id"] = self._id()
            extra[UNKNOWN_FIELD] = copy.deepcopy(_FIELD_VALUE)
        edited = dict(event)
        edited[UNKNOWN_FIELD] = copy.deepcopy(_FIELD_VALUE)
        if et == g.block_start and isinstance(edited.get(g.block_field), dict):
            # the same unknown field the resource's items carry, so stream and GET still assemble alike
            edited[g.block_field] = {**edited[g.block_field], UNKNOWN_FIELD: copy.deepcopy(_FIELD_VALUE)}
        frames = [_frame(e) for e in out] + [_frame(edited)]
        if et == g.created:
            frames.append(_frame({"event_type": UNKNOWN_EVENT, "event_id": self._id(),
                                  "notice": {"text": "an event type a later revision may add"},
                                  UNKNOWN_FIELD: copy.deepcopy(_FIELD_VALUE)}))
        return frames


def _crlf(chunk: bytes) -> bytes:
    return chunk.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


async def _wrap(frames: AsyncIterator[bytes], cases: frozenset[str], profile: Profile,
                fresh: bool, error_code: str = "string") -> AsyncIterator[bytes]:
    """The stream's frames as the cases in force send them (``fresh``: not a last_event_id resume)."""
    g = profile.grammar
    unknown = _UnknownTypes(profile) if "unknown-types" in cases else None
    cut = fresh and bool(cases & {"mid-stream-error", "drop-and-resume"})
    state = {"first": True}

    async def emit(piece: bytes) -> AsyncIterator[bytes]:
        if "slow-stream" in cases and not state["first"]:
            await asyncio.sleep(SLOW_STREAM_S)
        if "heartbeats" in cases:
            if state["first"]:
                piece = b"retry: 1500\n: stream opened\n\n" + piece.replace(
                    b"\ndata: ", b"\n: a comment inside a frame\ndata: ", 1)
            else:
                piece = b": keep-alive\n\n" + piece
        state["first"] = False
        if "byte-split" in cases:
            data = _crlf(piece)
            for i in range(len(data)):
                yield data[i:i + 1]
                await asyncio.sleep(0)
        else:
            yield piece

    deltas = 0
    async for chunk in frames:
        event = _parse_frame(chunk) if cut else None
        et = event.get("event_type") if event else None
        if cut and "drop-and-resume" in cases and et in g.terminal:
            raise _Dropped("drop-and-resume: the connection is cut before the terminal event")
        pieces = unknown.edit(chunk) if unknown is not None else [chunk]
        stop = drop = False
        if et == g.block_delta:
            deltas += 1
            if "mid-stream-error" in cases and deltas == 1:
                pieces.append(_frame({
                    "event_type": g.error, "event_id": f"{event.get('event_id', 'evt')}_err",
                    "error": error_object(500, "INTERNAL", "iconf robustness: the model failed mid-stream "
                                          "(mid-stream-error)", error_code)}))
                stop = True
            elif "drop-and-resume" in cases and deltas == 2:
                drop = True
        for piece in pieces:
            async for data in emit(piece):
                yield data
        if stop:
            return
        if drop:
            raise _Dropped("drop-and-resume: the connection is cut after the second delta")
    if "heartbeats" in cases:
        yield b": stream closing\n\n"


# --- the per-server state ---------------------------------------------------------------------------

class Robustness:
    """The robustness cases of one mock server, and the memory of requests already answered 429/503."""

    def __init__(self, run_cases: Iterable[str] = (), error_code: str = "string") -> None:
        self.run_cases = frozenset(run_cases)
        #: the envelope style of the error event the mid-stream-error case sends (MockConfig.error_code)
        self.error_code = error_code
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def cases(self, header: str | None) -> frozenset[str]:
        """The cases in force for one request (raises UnknownCaseError for a bad header)."""
        return self.run_cases | parse_case_header(header)

    def _first_attempt(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > _MAX_SEEN:
                self._seen.popitem(last=False)
            return True

    async def before(self, request, cases: frozenset[str]) -> ApiError | None:
        """An error to answer instead of the endpoint (rate-limit, unavailable), else None.

        Rewrites the request body for ``all-blocks``. The answered error
        carries its Retry-After in ``err.headers``.
        """
        if not cases:
            return None
        if cases & {"rate-limit", "unavailable"}:
            body = await request.body()
            digest = hashlib.sha256(body).hexdigest()
            key = f"{request.method} {request.url.path}?{request.url.query} {digest}"
            if self._first_attempt(key):
                if "rate-limit" in cases:
                    err = ApiError(429, "iconf robustness: quota exceeded for this request; retry after "
                                        f"{RETRY_AFTER_S} s (rate-limit)", "RESOURCE_EXHAUSTED")
                    err.headers = {"Retry-After": str(RETRY_AFTER_S)}
                else:
                    err = ApiError(503, "iconf robustness: the service is unavailable, try again (unavailable)",
                                   "UNAVAILABLE")
                return err
        if "all-blocks" in cases and request.method == "POST" and request.url.path.endswith("/interactions"):
            body = await request.body()
            request._body = _ask_for_all(body)
        return None

    def after(self, request, response, cases: frozenset[str], profile: Profile):
        """The endpoint's response, edited for the cases in force."""
        if not cases or not 200 <= response.status_code < 300:
            return response
        iterator = getattr(response, "body_iterator", None)
        if iterator is not None:
            fresh = request.query_params.get("last_event_id") is None
            response.body_iterator = _wrap(iterator, cases, profile, fresh, self.error_code)
            return response
        if "unknown-types" in cases and request.method != "DELETE":
            try:
                body = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                return response
            if isinstance(body, dict) and "id" in body:
                response.body = orjson.dumps(unknown_resource(body, profile))
                response.headers["content-length"] = str(len(response.body))
        return response


def _ask_for_all(raw: bytes) -> bytes:
    """A create body whose input also asks for ``[iconf: all]`` (only string and content-list inputs)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if not isinstance(body, dict):
        return raw
    inp = body.get("input")
    if isinstance(inp, str):
        body["input"] = inp + " [iconf: all]"
    elif isinstance(inp, dict) and isinstance(inp.get("text"), str):
        body["input"] = {**inp, "text": inp["text"] + " [iconf: all]"}
    elif isinstance(inp, list) and inp and all(isinstance(b, dict) and "role" not in b and b.get("type") in
                                                 ("text", "image", "audio", "video", "document") for b in inp):
        body["input"] = [*inp, {"type": "text", "text": "[iconf: all]"}]
    else:
        return raw
    return orjson.dumps(body)
