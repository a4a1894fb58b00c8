"""The stream checker's inlined fast path (``feed``) judges exactly as its general path (``feed_event``).

``feed`` takes valid deltas for open blocks without the general grammar walk;
anything off must fall back so that the verdict, the violations, the
assembled items and the kept evidence are those of the general path.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks import StreamChecker
from conformance.profiles import get_profile
from conformance.sse import parse_sse
from tests import streams as S

MUTATIONS = ["none", "dup_id", "int_id", "bad_index", "bool_index", "closed_index", "wrong_delta", "unknown_delta",
             "bad_text", "annotations", "extra_field", "name_mismatch", "no_name", "after_terminal", "not_json",
             "list_data", "first", "drop_type"]


def _mutate(events: list[dict], grammar, kind: str, at: int) -> list[bytes]:
    events = copy.deepcopy(events)
    deltas = [i for i, e in enumerate(events) if e["event_type"] == grammar.block_delta]
    i = deltas[at % len(deltas)]
    e = events[i]
    names: dict[int, str | None] = {}
    raw: dict[int, bytes] = {}
    if kind == "dup_id":
        e["event_id"] = events[i - 1]["event_id"]
    elif kind == "int_id":
        e["event_id"] = 7
    elif kind == "bad_index":
        e["index"] = 99
    elif kind == "bool_index":
        e["index"] = True
    elif kind == "closed_index":
        e["index"] = -1
    elif kind == "wrong_delta":
        e["delta"] = {"type": "thought_signature", "signature": "c2ln"}
    elif kind == "unknown_delta":
        e["delta"] = {"type": "hologram", "x": 1}
    elif kind == "bad_text":
        e["delta"] = {"type": "text", "text": 5}
    elif kind == "annotations":
        e["delta"] = dict(e["delta"], annotations=[{"type": "url_citation", "url": "https://x"}])
    elif kind == "extra_field":
        e["surprise"] = {"a": 1}
    elif kind == "name_mismatch":
        names[i] = grammar.block_stop
    elif kind == "no_name":
        names[i] = None
    elif kind == "after_terminal":
        events.append(copy.deepcopy(e))
    elif kind == "not_json":
        raw[i] = f"event: {grammar.block_delta}\ndata: {{not json\n\n".encode()
    elif kind == "list_data":
        raw[i] = f"event: {grammar.block_delta}\ndata: [1, 2]\n\n".encode()
    elif kind == "first":
        events.insert(0, copy.deepcopy(e))
    elif kind == "drop_type":
        e["delta"].pop("type", None)
    out = []
    for j, ev in enumerate(events):
        out.append(raw.get(j) or S.frame(ev, names.get(j, "same")))
    return out


def _long_runs(events: list[dict], grammar, pieces: int) -> list[dict]:
    """Each text delta cut into ``pieces`` deltas, so runs are long enough for the batch path (BATCH_MIN)."""
    out = []
    for e in events:
        text = e.get("delta", {}).get("text") if e["event_type"] == grammar.block_delta else None
        if not isinstance(text, str) or pieces == 1:
            out.append(e)
            continue
        step = max(1, len(text) // pieces + 1)
        for j in range(0, len(text), step):
            out.append(dict(e, event_id=f"{e['event_id']}.{j}", delta=dict(e["delta"], text=text[j:j + step])))
    return out


def _summary(result):
    return ([(v.rule_id, v.level, v.message, v.location, v.expected, v.observed) for v in result.violations],
            result.events, result.status, result.terminal, result.items, result.event_ids, result.kept_events,
            result.suppressed)


@settings(max_examples=150, deadline=None)
@given(revision=st.sampled_from(["legacy", "2026-05-20"]), kinds=st.lists(st.sampled_from(MUTATIONS), max_size=3),
       at=st.integers(0, 80), chunk=st.sampled_from([1, 13, 200, 700, 65536]), keep=st.booleans(),
       pieces=st.sampled_from([1, 12]))
def test_feed_judges_as_feed_event(schemas_for, revision, kinds, at, chunk, keep, pieces):
    p = get_profile(revision)
    items = [S.thought_item(p), S.text_item(p, "Hello there, this is a streamed answer."),
             S.function_call_item(p), S.text_item(p, "And a second text block, streamed in halves.")]
    events = _long_runs(S.events_for(p, items), p.grammar, pieces)
    frames = [S.frame(e) for e in events]
    for n, kind in enumerate(kinds):
        parsed = [ev for ev in (_event_of(f) for f in frames) if ev is not None]
        if len(parsed) != len(frames):
            break
        frames = _mutate(parsed, p.grammar, kind, at + n)
    data = b"".join(frames)
    fast = StreamChecker(schemas_for(revision), keep_events=keep)
    for k in range(0, len(data), chunk):
        fast.feed(data[k:k + chunk])
    general = StreamChecker(schemas_for(revision), keep_events=keep)
    for frame in parse_sse(data):
        general.feed_event(frame)
    assert _summary(fast.finish()) == _summary(general.finish())


def _event_of(frame: bytes):
    import json

    try:
        value = json.loads(parse_sse(frame)[0].data)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "event_type" in value else None


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_a_long_valid_stream_takes_the_fast_path(schemas_for, revision):
    p = get_profile(revision)
    events = S.events_for(p, [S.text_item(p, "x" * 4000)])
    g = p.grammar
    start = next(i for i, e in enumerate(events) if e["event_type"] == g.block_delta)
    template = events[start]
    events[start:start + 2] = [dict(template, event_id=f"d{n}", delta=dict(template["delta"], text="ab"))
                               for n in range(3000)]
    checker = StreamChecker(schemas_for(revision))
    calls = 0
    general = checker.feed_event

    def counting(frame):
        nonlocal calls
        calls += 1
        general(frame)

    checker.feed_event = counting
    checker.feed(S.to_bytes(events))
    result = checker.finish()
    assert result.ok and calls < 10, calls
    assert result.items[0] == S.text_item(p, "ab" * 3000)
