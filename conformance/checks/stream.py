"""The stream checker: an SSE event grammar, enforced one event at a time.

Feed it bytes (``feed``) or parsed events (``feed_event``), then ``finish``.
It holds O(1) state per open block plus a bounded window of event ids, so a
stream of any length is checked in flat memory. What it checks, by rule:

* framing: ``stream.framing.json-data``, ``stream.framing.utf8``, ``stream.framing.done-frame``, ``stream.framing.bare-json``,
  ``stream.event.name-matches``, ``stream.event.known-type``, ``schema.event.valid``
* order: ``stream.order.created-first``, ``stream.terminal.exactly-one``,
  ``stream.terminal.last``
* blocks: ``stream.block.start-first``, ``stream.block.index-consecutive``,
  ``stream.block.closed``, ``stream.delta.type-matches``,
  ``stream.block.assembled-valid``
* identity and status: ``stream.event-id.unique``,
  ``stream.interaction-id.consistent``, ``stream.status.legal-transition``,
  ``lifecycle.status.known``
* newer typings: ``thought.signature.present`` (assembled thought steps),
  ``continuation.paused.token`` (a completion paused in requires_continuation)

A resumed stream (``resumed=True``: GET with ``last_event_id``) starts
mid-grammar, so the opening-event and index-from-zero rules are relaxed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..profiles import PROFILES
from ..rules import Violation, covers, violation
from ..schema import SchemaSet
from ..sse import RawFrames, SSEEvent, SSEParser
from .assembly import OPAQUE, BlockAssembler, canonical, first_difference, model_items
from .meaning import check_completion_status, check_usage_breakdown
from .payload import (
    check_item,
    check_partial_interaction,
    check_usage,
    paused_violations,
    produced_item_violations,
    schema_violations,
    short,
    status_violations,
)

__all__ = ["StreamChecker", "StreamResult", "check_stream_bytes", "compare_with_resource"]

#: violations reported per rule per stream before the rest are only counted
MAX_PER_RULE = 5
#: event ids remembered exactly; beyond this, duplicates are caught among the last ID_WINDOW..2*ID_WINDOW ids
ID_WINDOW = 65536
#: a run of at least this many consecutive delta frames is checked as one batch
BATCH_MIN = 8


@dataclass
class StreamResult:
    """What a finished stream amounted to."""

    violations: list[Violation]
    events: int
    interaction_id: str | None
    status: str | None
    terminal: str | None
    items: list[dict]
    completed_interaction: dict | None
    event_ids: list[str] = field(default_factory=list)
    kept_events: list[dict] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)
    comments: int = 0

    @property
    def ok(self) -> bool:
        return not any(v.level == "MUST" for v in self.violations)


@covers(
    "stream.content-type", "stream.framing.json-data", "stream.framing.bare-json", "stream.framing.utf8",
    "stream.event.name-matches",
    "stream.event.known-type", "stream.order.created-first", "stream.terminal.exactly-one", "stream.terminal.last",
    "stream.block.start-first", "stream.block.index-consecutive", "stream.block.closed", "stream.delta.type-matches",
    "stream.block.assembled-valid", "stream.event-id.unique", "stream.interaction-id.consistent",
    "stream.status.legal-transition", "schema.event.valid", "schema.type.known", "schema.value.known",
    "schema.field.known", "lifecycle.status.known", "thought.signature.present", "continuation.paused.token",
    "usage.totals.add-up", "usage.breakdown.consistent", "stream.completion.status-final",
)  # stream.framing.done-frame is judged only under --strict done_frame=forbid: covered when it is violated
class StreamChecker:
    """Checks one SSE stream against a profile's event grammar.

    ``keep_events`` keeps every parsed event (for evidence and resume
    comparisons; off for long streams). ``keep_items`` keeps the assembled
    blocks (bounded per block, see :mod:`.assembly`).
    """

    def __init__(self, schemas: SchemaSet, *, resumed: bool = False, content_type: str | None = None,
                 keep_events: bool = False, keep_items: bool = True, location: str = "stream") -> None:
        self.schemas = schemas
        self.profile = schemas.profile
        self.grammar = schemas.profile.grammar
        self.resumed = resumed
        self.keep_events = keep_events
        self.keep_items = keep_items
        self.location = location
        self._parser = SSEParser()
        self._violations: list[Violation] = []
        self._counts: dict[str, int] = {}
        self._suppressed: dict[str, int] = {}
        self._n = 0
        self._terminal: str | None = None
        self._terminals = 0
        self._open: dict[int, BlockAssembler] = {}
        self._next_index: int | None = None if resumed else 0
        self._items: list[dict] = []
        self._interaction_id: str | None = None
        self._status: str | None = None
        self._completed: dict | None = None
        # event ids in two generations: when the current one reaches ID_WINDOW it becomes the old one (flat memory)
        self._ids_seen: set[str] = set()
        self._ids_old: frozenset[str] | set[str] = frozenset()
        self._event_ids: list[str] = []
        self._kept: list[dict] = []
        self._other_names = {
            name: p.name for p in PROFILES.values() if p is not self.profile for name in p.grammar.names
        }
        self._block_start_override = {self.grammar.block_field: {"type": "object"}}
        self._delta_override = {"delta": {"type": "object"}}
        self._delta_envelope = self.schemas.validator(self.grammar.event_components[self.grammar.block_delta],
                                                      override=self._delta_override).is_valid
        self._delta_validators: dict[str, Any] = {}
        self._closed_delta_validators: dict[str, Any] = {}
        #: delta type -> (one validator for the whole event with that delta type inlined, merge mode)
        self._fast: dict[str, tuple] = {}
        #: delta type -> (a validator for a list of such events, plain text only for text merges; merge mode)
        self._batch: dict[str, tuple] = {}
        #: undeclared fields are judged (schema.field.known): the fast paths' validators are closed, so a delta
        #: with a field the profile lacks drops to the general path, which reports it at the policy's level
        self._closed_fast = self.schemas.strictness.unknown_fields != "ignore"
        self._delta_envelope_closed = self.schemas.validator(
            self.grammar.event_components[self.grammar.block_delta], override=self._delta_override,
            closed=True).is_valid if self._closed_fast else None
        self._delta_name = self.grammar.block_delta.encode()
        self._lifecycle_override = {"interaction": {"type": "object"}}
        if content_type is not None:
            self.check_content_type(content_type)

    # -- reporting ------------------------------------------------------------------------------

    def _report(self, rule_id: str, message: str, *, event: Any = None, **kw: Any) -> None:
        n = self._counts.get(rule_id, 0)
        self._counts[rule_id] = n + 1
        if n >= MAX_PER_RULE:
            self._suppressed[rule_id] = self._suppressed.get(rule_id, 0) + 1
            return
        kw.setdefault("location", f"{self.location} event[{self._n}]")
        if event is not None:
            kw.setdefault("evidence", {})["event"] = short(event, 1000)
        self._violations.append(violation(rule_id, message, **kw))

    def _extend(self, violations: Iterable[Violation], event: Any = None) -> None:
        for v in violations:
            self._report(v.rule_id, v.message, event=event, location=f"{self.location} event[{self._n}]{v.location}",
                         expected=v.expected, observed=v.observed, level_override=v.level_override)

    def check_content_type(self, content_type: str) -> None:
        if content_type.split(";", 1)[0].strip().lower() != "text/event-stream":
            self._report("stream.content-type", "the streaming answer is not text/event-stream",
                         location=self.location, expected="text/event-stream", observed=content_type)

    # -- input ----------------------------------------------------------------------------------

    @property
    def events_seen(self) -> int:
        return self._n

    @property
    def pending_bytes(self) -> int:
        """Bytes buffered for the event not yet complete (the client caps one event's size with it)."""
        return self._parser.pending_bytes

    @property
    def kept_count(self) -> int:
        return len(self._kept)

    def feed(self, chunk: bytes) -> None:
        """Parse and check ``chunk``.

        Deltas for open blocks are most of any stream, so they take a fast
        path: a run of consecutive delta frames is parsed, validated and
        folded as one batch (:meth:`_feed_batch`); failing that, one frame at
        a time with the checks inlined (:meth:`_feed_frames`); anything else,
        or any delta with anything off, goes through :meth:`feed_event`, the
        general path that reports what is wrong.
        """
        items = self._parser.feed_raw(chunk)
        if self._parser.stray:
            self._on_stray()
        raw = items.pop() if items and type(items[-1]) is RawFrames else None
        if items:
            self._feed_events(items)
        if raw is not None:
            self._feed_raw(raw)

    def _feed_events(self, frames: list[SSEEvent]) -> None:
        """Decoded frames (a chunk with frames of other shapes): runs of deltas as batches, the rest one by one."""
        if len(frames) < BATCH_MIN:
            self._feed_frames(frames)
            return
        delta_name = self.grammar.block_delta
        others = [k for k, frame in enumerate(frames) if frame[1] != delta_name]
        others.append(len(frames))
        pos = 0
        for k in others:
            if k - pos >= BATCH_MIN:
                run = frames[pos:k]
                if not self._feed_batch("[" + ",".join([frame[0] for frame in run]) + "]"):
                    self._feed_frames(run)
            elif k > pos:
                self._feed_frames(frames[pos:k])
            if k < len(frames):
                self._feed_frames(frames[k:k + 1])
            pos = k + 1

    def _feed_raw(self, raw: RawFrames) -> None:
        """Frames of the usual shape, undecoded: runs of deltas as batches, the rest frame by frame."""
        names = raw.names
        delta_name = self._delta_name
        others = [k for k, name in enumerate(names) if name != delta_name]
        others.append(len(names))
        pos = 0
        for k in others:
            if k - pos >= BATCH_MIN:
                if not self._feed_batch(b"[" + b",".join(raw.datas[pos:k]) + b"]"):
                    self._feed_frames(raw.events(pos, k))
            elif k > pos:
                self._feed_frames(raw.events(pos, k))
            if k < len(names):
                self._feed_frames(raw.events(k, k + 1))
            pos = k + 1

    def _feed_batch(self, payload: bytes | str) -> bool:
        """A run of delta frames for one open block, all valid and fresh: one parse, one Rust validation call,
        one text append. Returns False, having changed nothing, when any of that does not hold."""
        if self._terminal is not None or not self._n:
            return False
        try:
            events = orjson.loads(payload)  # the run's data, joined into one JSON array
        except orjson.JSONDecodeError:
            return False
        first = events[0]
        delta = first.get("delta") if type(first) is dict else None
        if type(delta) is not dict:
            return False
        dtype = delta.get("type")
        entry = self._batch.get(dtype) or self._batch_entry(dtype)
        if entry is None or not entry[0](events):  # every event a valid delta of this one type
            return False
        index = first["index"]
        block = self._open.get(index) if type(index) is int else None
        if block is None or (block.spec is not None and dtype not in block.spec.deltas):
            return False
        if len({event["index"] for event in events}) != 1:
            return False
        ids = [event["event_id"] for event in events if "event_id" in event]
        fresh = set(ids)
        if len(fresh) != len(ids) or not self._ids_seen.isdisjoint(fresh) or not self._ids_old.isdisjoint(fresh):
            return False
        self._ids_seen |= fresh
        if len(self._ids_seen) >= ID_WINDOW:
            self._rotate_ids()
        if self.keep_events:
            self._event_ids.extend(ids)
            self._kept.extend(events)
        merge = entry[1]
        if merge == "text":  # the validator admitted plain text deltas only (no annotations)
            (block.sink or block.text_sink())("".join([event["delta"]["text"] for event in events]))
        else:
            apply = block.apply
            for event in events:
                apply(event["delta"], merge)
        self._n += len(events)
        return True

    def _batch_entry(self, dtype: Any) -> tuple | None:
        dspec = self.profile.deltas.get(dtype) if isinstance(dtype, str) else None
        if dspec is None or not self.schemas.has(dspec.component):
            return None
        delta: dict = {"$ref": f"#/components/schemas/{dspec.component}"}
        if dspec.merge == "text":
            delta = {"allOf": [delta, {"not": {"required": ["annotations"]}}]}
        validator = self.schemas.list_validator(self.grammar.event_components[self.grammar.block_delta],
                                                override={"delta": delta}, closed=self._closed_fast)
        entry = self._batch[dtype] = (validator.is_valid, dspec.merge)
        return entry

    def _rotate_ids(self) -> None:
        """The current generation of event ids is full: it becomes the old one, the older one is forgotten."""
        self._ids_old, self._ids_seen = self._ids_seen, set()

    def _feed_frames(self, frames: list[SSEEvent]) -> None:
        """Frame by frame: valid deltas for open blocks with the checks inlined, the rest via feed_event."""
        delta_name = self.grammar.block_delta
        loads, open_blocks, fast, keep = orjson.loads, self._open, self._fast, self.keep_events
        seen, old = self._ids_seen, self._ids_old
        slow = self.feed_event
        # deltas take the fast path only after the opening event and before a terminal one
        ready = self._terminal is None and self._n > 0
        for frame in frames:
            sse_name = frame[1]
            if not ready or (sse_name != delta_name and sse_name is not None):
                slow(frame)
                ready = self._terminal is None and self._n > 0
                seen, old = self._ids_seen, self._ids_old
                continue
            try:
                event = loads(frame[0])
            except orjson.JSONDecodeError:
                event = None
            if type(event) is dict and event.get("event_type") == delta_name:
                delta = event.get("delta")
                index = event.get("index")
                block = open_blocks.get(index) if type(index) is int else None
                if block is not None and type(delta) is dict:
                    dtype = delta.get("type")
                    entry = fast.get(dtype) or self._fast_entry(dtype)
                    eid = event.get("event_id")
                    if (entry is not None and (block.spec is None or dtype in block.spec.deltas) and entry[0](event)
                            and (eid is None or (type(eid) is str and eid not in seen and eid not in old))):
                        if eid is not None:
                            seen.add(eid)
                            if len(seen) >= ID_WINDOW:
                                self._rotate_ids()
                                seen, old = self._ids_seen, self._ids_old
                            if keep:
                                self._event_ids.append(eid)
                        if keep:
                            self._kept.append(event)
                        text = delta.get("text")
                        if entry[1] == "text" and type(text) is str and "annotations" not in delta:
                            # the plain text delta (most of every stream): straight into the block's open text
                            (block.sink or block.text_sink())(text)
                        else:
                            block.apply(delta, entry[1])
                        self._n += 1
                        continue
            slow(frame)  # anything off: the general path re-examines the frame and reports what is wrong
            ready = self._terminal is None and self._n > 0
            seen, old = self._ids_seen, self._ids_old

    def _on_stray(self) -> None:
        """Bare JSON lines between frames: not events at all, so no client sees them (js-genai#1973)."""
        for position, line in self._parser.stray:
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                value = None
            if isinstance(value, dict) and isinstance(value.get("error"), dict):
                what = "a bare JSON error object outside SSE framing (a mid-stream refusal or failure?)"
            else:
                what = "a bare JSON line outside SSE framing"
            self._report("stream.framing.bare-json", f"{what}; clients ignore it, so the error is lost",
                         location=f"{self.location} after event[{position}]", event=line[:1000],
                         expected="event: error + data: {...} (an error event)", observed=line[:200])
        self._parser.stray.clear()

    def _fast_entry(self, dtype: Any) -> tuple | None:
        """One compiled validator per delta type: the delta event envelope with that type's schema in
        place of the 22-branch delta union, so a valid delta costs one Rust call."""
        dspec = self.profile.deltas.get(dtype) if isinstance(dtype, str) else None
        if dspec is None or not self.schemas.has(dspec.component):
            return None
        override = {"delta": {"$ref": f"#/components/schemas/{dspec.component}"}}
        validator = self.schemas.validator(self.grammar.event_components[self.grammar.block_delta], override=override,
                                           closed=self._closed_fast)
        entry = self._fast[dtype] = (validator.is_valid, dspec.merge)
        return entry

    def feed_event(self, frame: SSEEvent) -> None:
        data = frame.data
        if data == "[DONE]":
            if self._terminal is None:
                self._report("stream.framing.json-data", "a [DONE] frame arrived before the terminal event",
                             event=data, expected="a JSON event")
            elif self.schemas.strictness.done_frame == "forbid":
                self._report("stream.framing.done-frame", "a trailing [DONE] frame follows the terminal event",
                             event=data, expected="nothing after the terminal event")
            self._n += 1
            return
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            self._report("stream.framing.json-data", f"the frame's data is not JSON: {exc}", event=data[:500],
                         expected="one JSON object per frame", observed=data[:200])
            self._n += 1
            return
        if not isinstance(event, dict):
            self._report("stream.framing.json-data", "the frame's data is not a JSON object", event=event,
                         expected="a JSON object", observed=short(event))
            self._n += 1
            return
        self.on_event(event, frame.event)
        self._n += 1

    # -- the grammar ----------------------------------------------------------------------------

    def on_event(self, event: dict, sse_name: str | None = None) -> None:
        g = self.grammar
        et = event.get("event_type")
        if self.keep_events:
            self._kept.append(event)
        if sse_name is not None and sse_name != et:
            self._report("stream.event.name-matches", "the SSE event: field differs from event_type", event=event,
                         expected=str(et), observed=sse_name)
        if not isinstance(et, str):
            self._report("schema.event.valid", "the event has no event_type", event=event,
                         expected="event_type", observed=short(event))
            return
        self._check_event_id(event)
        if et not in g.names:
            other = self._other_names.get(et)
            if other:
                self._report("stream.event.known-type", f"event_type {et!r} belongs to the {other} grammar, "
                             f"not {self.profile.name}", event=event, expected=", ".join(sorted(g.names)), observed=et)
            elif self.schemas.strictness.unknown_types != "ignore":
                # an event this revision does not define: forward-compatible, so a SHOULD (clients must skip it)
                level = self.schemas.strictness.policy_level("unknown_types")
                self._report("schema.type.known", f"event_type {et!r} is not in the {self.profile.name} grammar",
                             event=event, expected=", ".join(sorted(g.names)), observed=et,
                             level_override="MUST" if level == "MUST" else None)
            return
        if self._terminal is not None:
            if et in g.terminal:
                self._report("stream.terminal.exactly-one", f"a second terminal event {et!r} after {self._terminal!r}",
                             event=event, expected="exactly one terminal event", observed=et)
            else:
                self._report("stream.terminal.last", f"{et!r} arrived after the terminal event {self._terminal!r}",
                             event=event, expected="no event after the terminal event", observed=et)
            return
        if self._n == 0 and not self.resumed and et != g.created:
            self._report("stream.order.created-first", f"the stream opens with {et!r}", event=event,
                         expected=g.created, observed=et)
        if et == g.block_delta:
            self._on_delta(event)
        elif et == g.block_start:
            self._on_start(event)
        elif et == g.block_stop:
            self._on_stop(event)
        elif et == g.status_update:
            self._on_status_update(event)
        elif et in g.lifecycle:
            self._on_lifecycle(event, et)
        elif et == g.error:
            self._extend(schema_violations(self.schemas, g.event_components[et], event, "schema.event.valid",
                                           what=et), event)
            self._terminal, self._terminals = et, self._terminals + 1

    def _check_event_id(self, event: dict) -> None:
        eid = event.get("event_id")
        if eid is None or not isinstance(eid, str):
            return  # absent is allowed; a wrong type is the event schema's to report
        if eid in self._ids_seen or eid in self._ids_old:
            self._report("stream.event-id.unique", f"event_id {eid!r} repeats", event=event,
                         expected="a fresh event_id", observed=eid)
            return
        self._ids_seen.add(eid)
        if len(self._ids_seen) >= ID_WINDOW:
            self._rotate_ids()
        if self.keep_events:
            self._event_ids.append(eid)

    def _valid_envelope(self, event: dict, et: str, override: Mapping | None = None) -> None:
        component = self.grammar.event_components[et]
        if not self.schemas.is_valid(component, event, override=override):
            self._extend(schema_violations(self.schemas, component, event, "schema.event.valid", override=override,
                                           what=f"{et} event"), event)

    def _valid_delta_event(self, event: dict, delta: Any) -> None:
        """Deltas are most of a stream: validate the envelope and the delta's own type separately
        (two small validators) instead of the 22-branch delta union."""
        et = self.grammar.block_delta
        if not self._delta_envelope(event) or (self._closed_fast and not self._delta_envelope_closed(event)):
            self._valid_envelope_fields(event, et, self._delta_override)
        dspec = self.profile.deltas.get(delta.get("type")) if isinstance(delta, Mapping) else None
        if dspec is None or not self.schemas.has(dspec.component):
            self._valid_envelope(event, et)  # unknown or malformed delta: the union reports it
            return
        validator = self._delta_validators.get(dspec.component)
        if validator is None:
            validator = self._delta_validators[dspec.component] = self.schemas.validator(dspec.component)
        if not validator.is_valid(delta) or (self._closed_fast and not self._closed_delta(dspec.component)(delta)):
            self._extend(schema_violations(self.schemas, dspec.component, delta, "schema.event.valid",
                                           what=f"{delta.get('type')} delta"), event)

    def _closed_delta(self, component: str) -> Any:
        """``is_valid`` of ``component`` closed: False also for a delta with an undeclared field."""
        check = self._closed_delta_validators.get(component)
        if check is None:
            check = self._closed_delta_validators[component] = self.schemas.validator(component, closed=True).is_valid
        return check

    def _valid_envelope_fields(self, event: dict, et: str, override: Mapping) -> None:
        """The envelope's schema failures and undeclared fields (the caller found one or the other)."""
        self._extend(schema_violations(self.schemas, self.grammar.event_components[et], event, "schema.event.valid",
                                       override=override, what=f"{et} event"), event)

    def _index(self, event: dict) -> int | None:
        index = event.get("index")
        return index if isinstance(index, int) and not isinstance(index, bool) else None

    def _on_start(self, event: dict) -> None:
        g = self.grammar
        self._valid_envelope(event, g.block_start, self._block_start_override)
        index = self._index(event)
        block = event.get(g.block_field)
        if index is None or not isinstance(block, Mapping):
            return  # the envelope check reported it
        kind = block.get("type")
        spec = self.profile.blocks.get(kind) if isinstance(kind, str) else None
        self._extend(check_item(self.schemas, block, partial=True, rule_id="schema.event.valid",
                                location=f"/{g.block_field}"), event)
        if index in self._open:
            self._report("stream.block.index-consecutive", f"index {index} started again while open", event=event,
                         expected=f"a new index {self._next_index}", observed=str(index))
        elif self._next_index is None:
            self._next_index = index + 1
        elif index != self._next_index:
            self._report("stream.block.index-consecutive", f"index {index} started; expected {self._next_index}",
                         event=event, expected=str(self._next_index), observed=str(index))
            self._next_index = max(self._next_index, index + 1)
        else:
            self._next_index = index + 1
        self._open[index] = BlockAssembler(index, block, spec)

    def _on_delta(self, event: dict) -> None:
        g = self.grammar
        delta = event.get("delta")
        self._valid_delta_event(event, delta)
        index = self._index(event)
        if index is None or not isinstance(delta, Mapping):
            return
        block = self._open.get(index)
        if block is None:
            if self.resumed and (self._next_index is None or index < self._next_index) and not self._items_seen(index):
                return  # a block that began before the resume point
            self._report("stream.block.start-first", f"a delta for index {index}, which is not open", event=event,
                         expected=f"{g.block_start} for index {index} first", observed=g.block_delta)
            return
        dtype = delta.get("type")
        dspec = self.profile.deltas.get(dtype) if isinstance(dtype, str) else None
        if dspec is None:
            block.opaque = True  # an unknown delta: the block can no longer be compared or strictly validated
            return
        if block.spec is not None and dtype not in block.spec.deltas:
            self._report("stream.delta.type-matches", f"a {dtype!r} delta inside a {block.kind!r} block", event=event,
                         expected=", ".join(sorted(block.spec.deltas)), observed=str(dtype))
            return
        if dspec is not None:
            block.apply(delta, dspec.merge)

    def _items_seen(self, index: int) -> bool:
        return self._next_index is not None and index >= self._next_index

    def _on_stop(self, event: dict) -> None:
        g = self.grammar
        self._valid_envelope(event, g.block_stop)
        index = self._index(event)
        if index is None:
            return
        block = self._open.pop(index, None)
        if block is None:
            if self.resumed and (self._next_index is None or index < self._next_index):
                return
            self._report("stream.block.start-first", f"{g.block_stop} for index {index}, which is not open",
                         event=event, expected=f"{g.block_start} for index {index} first", observed=g.block_stop)
            return
        assembled, problem = block.finish()
        if problem:
            self._report("stream.block.assembled-valid", problem, event=event,
                         expected="a JSON object", observed=short(assembled))
        if block.spec is not None and not block.opaque:
            checked = check_item(self.schemas, assembled, rule_id="stream.block.assembled-valid")
            checked += produced_item_violations(self.profile, assembled)
            for v in checked:
                self._report(v.rule_id, f"assembled block {index}: {v.message}", event=assembled,
                             location=f"{self.location} block[{index}]{v.location}",
                             expected=v.expected, observed=v.observed, level_override=v.level_override)
        if self.keep_items:
            self._items.append(assembled)

    def _status_to(self, status: Any, event: dict) -> None:
        if not isinstance(status, str):
            return
        machine = self.profile.status
        if not machine.known(status):
            # a new status is the schema's schema.value.known; a misspelt known one is lifecycle.status.known
            self._extend(status_violations(self.profile, status), event)
            return
        before = self._status
        if before is not None and not machine.legal(before, status):
            self._report("stream.status.legal-transition", f"status moved {before!r} -> {status!r}", event=event,
                         expected=f"a legal move from {before}", observed=status)
        self._status = status

    def _same_interaction(self, iid: Any, event: dict) -> None:
        if not isinstance(iid, str):
            return
        if self._interaction_id is None:
            self._interaction_id = iid
        elif iid != self._interaction_id:
            self._report("stream.interaction-id.consistent", "the stream names two interactions", event=event,
                         expected=self._interaction_id, observed=iid)

    def _on_status_update(self, event: dict) -> None:
        self._valid_envelope(event, self.grammar.status_update)
        self._same_interaction(event.get("interaction_id"), event)
        self._status_to(event.get("status"), event)

    def _on_lifecycle(self, event: dict, et: str) -> None:
        self._valid_envelope(event, et, self._lifecycle_override)
        interaction = event.get("interaction")
        if "interaction" in event:
            self._extend(check_partial_interaction(self.schemas, interaction, location="/interaction"), event)
        if isinstance(interaction, Mapping):
            self._same_interaction(interaction.get("id"), event)
            self._status_to(interaction.get("status"), event)
        if et != self.grammar.completed:
            return
        # the completion event ends the stream by its event_type, whatever else is wrong with it (a malformed
        # body is schema.event.valid's to report, not a missing terminal event)
        if isinstance(interaction, Mapping):
            self._completed = dict(interaction)
            self._extend(paused_violations(self.profile, interaction, location="/interaction"), event)
            self._extend(check_usage(interaction.get("usage"), location="/interaction/usage"), event)
            self._extend(check_usage_breakdown(interaction.get("usage"), location="/interaction/usage"), event)
            self._extend(check_completion_status(self.profile, interaction), event)
        if self._open:
            self._report("stream.block.closed",
                         f"blocks {sorted(self._open)} were never stopped before {et}", event=event,
                         expected=f"{self.grammar.block_stop} for every started index",
                         observed=f"open: {sorted(self._open)}")
        self._terminal, self._terminals = et, self._terminals + 1

    # -- end ------------------------------------------------------------------------------------

    def finish(self) -> StreamResult:
        for frame in self._parser.close():
            self.feed_event(frame)
        if self._parser.stray:
            self._on_stray()
        if self._parser.invalid_utf8:
            self._report("stream.framing.utf8",
                         f"{self._parser.invalid_utf8} place(s) in the stream are not UTF-8 (the first near event "
                         f"[{self._parser.first_invalid_utf8}]); they were read with U+FFFD replacements",
                         location=f"{self.location} event[{self._parser.first_invalid_utf8}]",
                         expected="UTF-8", observed=f"{self._parser.invalid_utf8} undecodable place(s)")
        if self._terminal is None:
            self._report("stream.terminal.exactly-one", "the stream ended without a terminal event",
                         location=f"{self.location} end", expected=f"{self.grammar.completed} or error",
                         observed=f"{self._n} events, none terminal")
        for rule_id, n in self._suppressed.items():
            self._violations.append(violation(rule_id, f"{n} more violations of this rule in the stream (not listed)",
                                              location=f"{self.location}"))
        return StreamResult(
            violations=self._violations, events=self._n, interaction_id=self._interaction_id, status=self._status,
            terminal=self._terminal, items=self._items, completed_interaction=self._completed,
            event_ids=self._event_ids, kept_events=self._kept, suppressed=dict(self._suppressed),
            comments=self._parser.comments,
        )


def check_stream_bytes(schemas: SchemaSet, data: bytes, **kw: Any) -> StreamResult:
    """Check a whole captured stream."""
    checker = StreamChecker(schemas, **kw)
    checker.feed(data)
    return checker.finish()


def compare_with_resource(profile, stream_items: list, resource: Mapping, *, location: str = "") -> list[Violation]:
    """``stream.assembly.matches-resource``: the streamed blocks equal what the resource holds."""
    items = resource.get(profile.items_field) if isinstance(resource, Mapping) else None
    if not isinstance(items, list):
        items = []
    expected = canonical(model_items(profile, items))
    got = canonical(stream_items)
    for i, item in enumerate(got):
        if isinstance(item, dict) and item.pop(OPAQUE, False) and i < len(expected):
            # a block with unknown parts: only its type can be compared
            got[i] = {"type": item.get("type")}
            expected[i] = {"type": expected[i].get("type") if isinstance(expected[i], dict) else None}
    where = first_difference(got, expected)
    if where is None:
        return []
    return [violation(
        "stream.assembly.matches-resource",
        f"the streamed {profile.items_field} differ from the stored resource at {where}",
        location=f"{location}{where}", expected=short(expected, 600), observed=short(got, 600),
        evidence={"streamed": short(got, 4000), "stored": short(expected, 4000)},
    )]
