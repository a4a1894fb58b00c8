"""Robustness cases: the raw observable effect of each, on the wire.

Each case is what a *conforming* server may send; these tests prove the
mock sends exactly that (the client side is judged in tests/sdk/test_robustness.py).
"""

from __future__ import annotations

import time

import httpx
import pytest

from conformance.mock import MockConfig, MockServer
from conformance.mock.cli import add_arguments, config_from_args
from conformance.mock.robustness import (
    CASES,
    UNKNOWN_CONTENT,
    UNKNOWN_DELTA,
    UNKNOWN_EVENT,
    UNKNOWN_FIELD,
    UNKNOWN_ITEM,
    UnknownCaseError,
)
from conformance.profiles import get_profile

from .helpers import HEADER, MODEL, assemble, events_only, items_of, parse_sse


def _types(frames) -> list[str]:
    return [ev["event_type"] for ev in events_only(frames)]


def _model_items(body: dict) -> list[dict]:
    return [i for i in items_of(body) if i.get("type") != "user_input"]


# --- configuration ------------------------------------------------------------------------------

def test_cases_are_the_documented_nine():
    assert list(CASES) == ["unknown-types", "all-blocks", "byte-split", "heartbeats", "mid-stream-error",
                           "drop-and-resume", "rate-limit", "unavailable", "slow-stream"]


def test_config_validates_cases():
    assert MockConfig(robustness="rate-limit").robustness == frozenset({"rate-limit"})
    with pytest.raises(UnknownCaseError, match="no-such-case"):
        MockConfig(robustness=frozenset({"no-such-case"}))


def test_cli_option_is_repeatable():
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--robustness", "heartbeats", "--robustness", "byte-split"])
    assert config_from_args(args).robustness == frozenset({"heartbeats", "byte-split"})
    with pytest.raises(SystemExit):
        parser.parse_args(["--robustness", "nope"])


def test_unknown_header_value_is_a_400_naming_it(make_client):
    c = make_client()
    r = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers={"X-Iconf-Robustness": "bogus"})
    assert r.status_code == 400
    assert "X-Iconf-Robustness" in r.json()["error"]["message"]


def test_header_applies_to_that_request_only(make_client):
    c = make_client()
    body = {"model": MODEL, "input": "hi"}
    first = c.post("/v1beta/interactions", json=body, headers={"X-Iconf-Robustness": "unavailable"})
    assert first.status_code == 503
    assert c.post("/v1beta/interactions", json={"model": MODEL, "input": "other"}).status_code == 200


# --- unknown-types ------------------------------------------------------------------------------

def test_unknown_types_in_resources(make_client, rev):
    c = make_client(rev, robustness=frozenset({"unknown-types"}))
    body = c.create("hi [iconf: thought]")
    assert UNKNOWN_FIELD in body
    items = items_of(body)
    assert items[-1]["type"] == UNKNOWN_ITEM
    assert all(UNKNOWN_FIELD in i for i in items[:-1])
    if rev == "2026-05-20":
        output = next(i for i in items if i["type"] == "model_output")
        assert output["content"][-1]["type"] == UNKNOWN_CONTENT
    got = c.fetch(body["id"]).json()
    assert UNKNOWN_FIELD in got and items_of(got)[-1]["type"] == UNKNOWN_ITEM
    assert c.delete(f"/v1beta/interactions/{body['id']}").json() == {}


def test_unknown_types_in_streams(make_client, rev):
    profile = get_profile(rev)
    g = profile.grammar
    c = make_client(rev, robustness=frozenset({"unknown-types"}))
    frames = c.stream("hi [iconf: chunks=3]")
    events = events_only(frames)
    types = _types(frames)
    assert types[0] == g.created and types[1] == UNKNOWN_EVENT
    assert types[-1] == g.completed
    assert all(UNKNOWN_FIELD in ev for ev in events)
    ids = [ev["event_id"] for ev in events]
    assert len(ids) == len(set(ids))
    deltas = [ev["delta"]["type"] for ev in events if ev["event_type"] == g.block_delta]
    assert (UNKNOWN_CONTENT if rev == "2026-05-20" else UNKNOWN_DELTA) in deltas
    starts = [ev for ev in events if ev["event_type"] == g.block_start]
    assert starts[-1][g.block_field]["type"] == UNKNOWN_ITEM and starts[-1]["index"] == len(starts) - 1
    # self-consistent: the stream assembles to what a GET of the same interaction shows
    iid = events[0]["interaction"]["id"]
    assert assemble(frames, profile) == _model_items(c.fetch(iid).json())


# --- all-blocks ---------------------------------------------------------------------------------

def test_all_blocks_answers_every_block_type(make_client, rev):
    plain = make_client(rev)
    robust = make_client(rev, robustness=frozenset({"all-blocks"}))
    expected = [i["type"] for i in items_of(plain.create("hi [iconf: all]"))]
    got = [i["type"] for i in items_of(robust.create("hi"))]
    assert got == expected and len(set(got)) >= 10
    frames = robust.stream("hi")
    starts = [ev[get_profile(rev).grammar.block_field]["type"] for ev in events_only(frames)
              if ev["event_type"] == get_profile(rev).grammar.block_start]
    assert starts == expected


# --- streams over a real socket -----------------------------------------------------------------

def _raw_stream(server, rev, text="h\u00e9llo \u2713 caf\u00e9 [iconf: chunks=3]", headers=None, method="POST",
                url="/v1beta/interactions", **kw):
    """(status, chunks as received, error) of one streamed request over the loopback socket."""
    hdrs = {"Api-Revision": HEADER[rev], **(headers or {})}
    chunks: list[bytes] = []
    error = None
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        try:
            body = {"model": MODEL, "input": text, "stream": True} if method == "POST" else None
            with client.stream(method, url, json=body, headers=hdrs, **kw) as r:
                for chunk in r.iter_raw():
                    chunks.append(chunk)
                status = r.status_code
        except httpx.HTTPError as exc:
            error = exc
            status = None
    return status, chunks, error


@pytest.mark.parametrize("rev", ["2026-05-20"])
def test_byte_split_sends_one_byte_per_chunk_with_crlf(rev):
    with MockServer(MockConfig(robustness=frozenset({"byte-split"}))) as server:
        status, chunks, error = _raw_stream(server, rev)
        _, plain, _ = _raw_stream(server, rev, headers={})
    assert status == 200 and error is None
    assert chunks and all(len(c) == 1 for c in chunks)
    joined = b"".join(chunks)
    assert b"\r\n\r\n" in joined and b"\n" not in joined.replace(b"\r\n", b"")
    # CR and LF arrive in separate chunks, and so do the bytes of multi-byte UTF-8 characters
    assert any(a == b"\r" and b == b"\n" for a, b in zip(chunks, chunks[1:], strict=False))
    assert any(c[0] >= 0xC0 for c in chunks)
    events = events_only(parse_sse(joined.replace(b"\r\n", b"\n").decode()))
    assert events[-1]["event_type"] == "interaction.completed"
    assert "\u2713" in "".join(ev["delta"].get("text", "") for ev in events if ev["event_type"] == "step.delta")


def test_heartbeats_add_comments_and_retry_lines(make_client, rev):
    g = get_profile(rev).grammar
    c = make_client(rev, robustness=frozenset({"heartbeats"}))
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi", "stream": True})
    text = response.text
    assert text.startswith("retry: 1500\n")
    assert text.count(": keep-alive\n\n") >= 5
    assert "\n: a comment inside a frame\ndata: " in text
    frames = [(name, ev) for name, ev in parse_sse(text) if ev != ""]
    types = _types(frames)
    assert types[0] == g.created and types[-1] == g.completed
    assert [ev["event_id"] for ev in events_only(frames)] == [f"evt_{i:04d}" for i in range(1, len(types) + 1)]


def test_mid_stream_error_ends_with_an_error_event(make_client, rev):
    g = get_profile(rev).grammar
    c = make_client(rev, robustness=frozenset({"mid-stream-error"}))
    frames = c.stream("hi [iconf: chunks=3]")
    types = _types(frames)
    assert types[-1] == "error"
    assert types.count(g.block_delta) == 1 and g.completed not in types
    error = events_only(frames)[-1]["error"]
    assert error["code"] == "internal" and error["message"]  # the configured (default: string) envelope style
    iid = events_only(frames)[0]["interaction"]["id"]
    assert c.fetch(iid).json()["status"] == "completed"  # the resource is untouched
    replay = parse_sse(c.fetch(iid, stream="true").text)
    assert _types(replay)[-1] == "error"  # every fresh stream fails
    resumed = parse_sse(c.fetch(iid, stream="true", last_event_id="evt_0003").text)
    assert _types(resumed)[-1] == g.completed  # a resume is served whole


@pytest.mark.parametrize("rev", ["2026-05-20", "legacy"])
def test_drop_and_resume(rev):
    g = get_profile(rev).grammar
    with MockServer(MockConfig(robustness=frozenset({"drop-and-resume"}), default_revision=rev)) as server:
        status, chunks, error = _raw_stream(server, rev, text="hi [iconf: chunks=3]")
        assert isinstance(error, httpx.RemoteProtocolError)  # cut: no chunked terminator
        events = events_only(parse_sse(b"".join(chunks).decode()))
        types = [ev["event_type"] for ev in events]
        assert types.count(g.block_delta) == 2 and not set(types) & set(g.terminal)
        iid = events[0]["interaction"]["id"]
        last = events[-1]["event_id"]
        status, rest, error = _raw_stream(server, rev, method="GET", url=f"/v1beta/interactions/{iid}",
                                          params={"stream": "true", "last_event_id": last})
        assert status == 200 and error is None
        resumed = events_only(parse_sse(b"".join(rest).decode()))
        ids = [ev["event_id"] for ev in events + resumed]
        assert ids == [f"evt_{i:04d}" for i in range(1, len(ids) + 1)]
        assert resumed[-1]["event_type"] == g.completed


def test_slow_stream_spaces_events(make_client):
    c = make_client(robustness=frozenset({"slow-stream"}))
    started = time.monotonic()
    frames = c.stream("hi [iconf: chunks=2]")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.3 * (len(frames) - 1) * 0.9


# --- retries ------------------------------------------------------------------------------------

def test_rate_limit_answers_429_with_retry_after_once_per_request(make_client):
    c = make_client(robustness=frozenset({"rate-limit"}))
    body = {"model": MODEL, "input": "hi"}
    first = c.post("/v1beta/interactions", json=body)
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert first.json()["error"] == {"code": "resource_exhausted", "message": first.json()["error"]["message"]}
    second = c.post("/v1beta/interactions", json=body)
    assert second.status_code == 200
    iid = second.json()["id"]
    assert c.fetch(iid).status_code == 429
    assert c.fetch(iid).status_code == 200
    assert c.post("/v1beta/interactions", json={**body, "input": "other"}).status_code == 429


def test_unavailable_answers_503_once(make_client):
    c = make_client(robustness=frozenset({"unavailable"}))
    body = {"model": MODEL, "input": "hi", "stream": True}
    first = c.post("/v1beta/interactions", json=body)
    assert first.status_code == 503 and first.json()["error"]["code"] == "unavailable"
    assert "retry-after" not in first.headers
    second = c.post("/v1beta/interactions", json=body)
    assert second.status_code == 200 and "event: interaction.completed" in second.text


def test_mid_stream_error_follows_the_integer_envelope_when_configured(make_client):
    c = make_client("2026-05-20", robustness=frozenset({"mid-stream-error"}), error_code="integer")
    error = events_only(c.stream("hi [iconf: chunks=3]"))[-1]["error"]
    assert error["code"] == 500 and error["status"] == "INTERNAL"
