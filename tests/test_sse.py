"""The incremental SSE parser: framing edge cases, and chunking never changes the events."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.sse import RawFrames, SSEParser, parse_sse

TRANSCRIPT = (
    b": heartbeat\r\n"
    b"retry: 1500\r\n"
    b"event: interaction.created\r\n"
    b"id: 1\r\n"
    b'data: {"event_type":"interaction.created",\r\n'
    b'data: "interaction":{"id":"a","status":"in_progress"}}\r\n'
    b"\r\n"
    b"event: step.delta\n"
    b'data: {"event_type":"step.delta","index":0,"delta":{"type":"text","text":"caf\xc3\xa9 \xf0\x9f\x8d\xb0"}}\n'
    b"\n"
    b"data:no-space\r"
    b"\r"
    b"event: ignored-without-data\n\n"
    b"data: last"
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, prev = [], 0
    for p in points + [len(data)]:
        out.append(data[prev:p])
        prev = p
    return out


def _run(chunks: list[bytes]):
    parser = SSEParser()
    events = []
    for c in chunks:
        events += parser.feed(c)
    events += parser.close()
    return events, parser.comments


def test_framing_rules():
    events, comments = _run([TRANSCRIPT])
    assert comments == 1
    assert [e.event for e in events] == ["interaction.created", "step.delta", None]
    first = events[0]
    assert first.data == '{"event_type":"interaction.created",\n"interaction":{"id":"a","status":"in_progress"}}'
    assert first.id == "1" and first.retry == 1500 and first.position == 0
    assert "café 🍰" in events[1].data and events[1].last_event_id == "1" and events[1].id is None
    assert events[2].data == "no-space"  # lone CR line endings; no space after the colon
    # an event with no data is not dispatched; a trailing line without a blank line is dropped at close
    assert len(events) == 3


def test_crlf_split_across_chunks():
    data = b"data: a\r\n\r\ndata: b\r\n\r\n"
    for cut in range(len(data) + 1):
        events, _ = _run([data[:cut], data[cut:]])
        assert [e.data for e in events] == ["a", "b"], cut


def test_byte_by_byte_equals_whole():
    whole, _ = _run([TRANSCRIPT])
    split, _ = _run([TRANSCRIPT[i:i + 1] for i in range(len(TRANSCRIPT))])
    assert split == whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_any_chunking_yields_the_same_events(cuts):
    assert _run(_chunks(TRANSCRIPT, cuts)) == _run([TRANSCRIPT])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["step.start", "step.delta", None]),
                       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                               max_size=30)), min_size=1, max_size=8),
    st.sampled_from([b"\n", b"\r\n", b"\r"]),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=20),
)
def test_generated_streams_roundtrip(frames, newline, cuts):
    text = b""
    for name, data in frames:
        if name:
            text += b"event: " + name.encode() + newline
        text += b"data: " + data.encode() + newline + newline
    events, _ = _run(_chunks(text, cuts))
    assert [(e.event, e.data) for e in events] == [(n, d) for n, d in frames]


def test_parse_sse_helper():
    assert [e.data for e in parse_sse(b"data: x\n\n")] == ["x"]


def _reference(data: bytes):
    """The WHATWG algorithm, line by line over the whole input: the oracle for the frame-at-a-time parser."""
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = text.split(b"\n")
    lines.pop()  # the part after the last newline is an unterminated line, processed at close
    tail = text.rsplit(b"\n", 1)[-1] if b"\n" in text else text
    events, comments, state = [], 0, {"data": [], "event": None, "id": None, "retry": None, "last": None}
    for line in [*lines, *( [tail] if tail else [])]:
        if not line:
            if state["data"]:
                events.append(("\n".join(state["data"]), state["event"], state["id"], state["retry"], state["last"]))
            state.update(data=[], event=None, id=None, retry=None)
            continue
        if line[:1] == b":":
            comments += 1
            continue
        name, sep, value = line.partition(b":")
        value = value[1:] if sep and value[:1] == b" " else value
        if name == b"data":
            state["data"].append(value.decode("utf-8", "replace"))
        elif name == b"event":
            state["event"] = value.decode("utf-8", "replace")
        elif name == b"id" and b"\0" not in value:
            state["id"] = state["last"] = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            state["retry"] = int(value)
    return events, comments


_LINES = st.sampled_from([b"event: step.delta", b"event: x:y", b'data: {"a":1}', b"data:", b"data: two", b": ping",
                          b"id: 7", b"id", b"retry: 10", b"retry: x", b"other: z", b"", b"", b"", b"data: \xc3\xa9"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=40), st.sampled_from([b"\n", b"\r\n", b"\r"]), st.booleans(),
       st.lists(st.integers(min_value=0, max_value=4000), max_size=20))
def test_frame_parser_matches_the_line_algorithm(lines, newline, terminated, cuts):
    data = newline.join(lines) + (newline if terminated else b"")
    events, comments = _run(_chunks(data, cuts))
    assert ([(e.data, e.event, e.id, e.retry, e.last_event_id) for e in events], comments) == _reference(data)
    assert [e.position for e in events] == list(range(len(events)))


def test_a_frame_longer_than_the_buffer_limit_is_parsed_line_by_line():
    from conformance import sse

    body = b"".join(b"data: %d\n" % i for i in range(20_000)) + b": c\nid: 9\n"
    assert len(body) > sse.LINE_MODE_OVER
    data = b"event: big\n" + body + b"\nevent: step.delta\ndata: after\n\n"
    for size in (1, 7, 4096, 65536, len(data)):
        parser = SSEParser()
        got = []
        for i in range(0, len(data), size):
            got += parser.feed(data[i:i + size])
            assert len(parser._buf) <= sse.LINE_MODE_OVER + size + 16  # bounded: no frame buffered whole
        got += parser.close()
        ref, comments = _reference(data)
        assert [(e.data, e.event, e.id, e.retry, e.last_event_id) for e in got] == ref and parser.comments == comments


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"event: step.delta\ndata: {\"a\":1}", b"event: x\ndata: y", b"data: z",
                                 b"event: e\nid: 3\ndata: w", b": ping", b"event: \xc3\xa9\ndata: \xff"]), max_size=30),
       st.lists(st.integers(min_value=0, max_value=3000), max_size=12))
def test_feed_raw_gives_the_events_feed_gives(frames, cuts):
    data = b"\n\n".join(frames) + (b"\n\n" if frames else b"")
    plain = SSEParser()
    raw = SSEParser()
    expected, got = [], []
    for chunk in _chunks(data, cuts):
        expected += plain.feed(chunk)
        for item in raw.feed_raw(chunk):
            got += item.events() if isinstance(item, RawFrames) else [item]
    assert got == expected
    assert raw.close() == plain.close() and raw.comments == plain.comments
