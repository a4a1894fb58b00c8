"""The incremental SSE parser: framing edge cases, and chunking never changes the events."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.sse import SSEParser, parse_sse

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
