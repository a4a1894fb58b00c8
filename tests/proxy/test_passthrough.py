"""Streams pass through as they arrive; hang-ups, compression and broken upstreams are handled."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from conformance.proxy import ProxyServer, ThreadedServer

from .conftest import KEY, MODEL

IID = "v1_slow"


def _frame(event: dict) -> bytes:
    return f"event: {event['event_type']}\ndata: {json.dumps(event)}\n\n".encode()


HEAD = [
    {"event_type": "interaction.created", "event_id": "e1",
     "interaction": {"id": IID, "status": "in_progress", "object": "interaction", "model": MODEL}},
    {"event_type": "interaction.status_update", "event_id": "e2", "interaction_id": IID, "status": "in_progress"},
]
TAIL = [
    {"event_type": "step.start", "event_id": "e3", "index": 0, "step": {"type": "model_output"}},
    {"event_type": "step.delta", "event_id": "e4", "index": 0, "delta": {"type": "text", "text": "Hello."}},
    {"event_type": "step.stop", "event_id": "e5", "index": 0},
    {"event_type": "interaction.completed", "event_id": "e6",
     "interaction": {"id": IID, "status": "completed", "object": "interaction", "model": MODEL,
                     "usage": {"total_tokens": 3, "total_input_tokens": 1, "total_output_tokens": 2}}},
]


class SlowUpstream:
    """An upstream that sends the head of a stream, then waits for ``release`` before sending the rest."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()

        async def stream(request):
            async def body():
                for event in HEAD:
                    yield _frame(event)
                deadline = time.monotonic() + 10
                while not self.release.is_set() and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                for event in TAIL:
                    yield _frame(event)
                self.finished.set()
            return StreamingResponse(body(), media_type="text/event-stream")

        async def gzipped(request):
            self.accept_encoding = request.headers.get("accept-encoding")
            body = json.dumps({"id": "v1_gz", "object": "interaction", "status": "completed",
                               "created": "2026-05-20T00:00:00Z", "updated": "2026-05-20T00:00:00Z",
                               "model": MODEL, "role": "model",
                               "steps": [{"type": "model_output", "content": [{"type": "text", "text": "hi"}]}]})
            return Response(gzip.compress(body.encode()), media_type="application/json",
                            headers={"content-encoding": "gzip"})

        async def broken(request):
            async def body():
                yield _frame(HEAD[0])
                raise RuntimeError("upstream dies mid-stream")
            return StreamingResponse(body(), media_type="text/event-stream")

        self.app = Starlette(routes=[
            Route("/v1beta/interactions", stream, methods=["POST"]),
            Route("/v1beta/interactions/v1_gz", gzipped, methods=["GET"]),
            Route("/v1beta/interactions/broken", broken, methods=["GET"]),
        ])


@pytest.fixture
def slow():
    upstream = SlowUpstream()
    with ThreadedServer(upstream.app) as server:
        upstream.url = server.base_url
        yield upstream
    upstream.release.set()


def test_a_chunk_reaches_the_client_before_the_upstream_finishes(slow):
    with ProxyServer(slow.url, expect_auth=False) as proxy, httpx.Client(timeout=5) as http:
        with http.stream("POST", f"{proxy.base_url}/v1beta/interactions", headers={"x-goog-api-key": KEY},
                         json={"model": MODEL, "input": "hi", "stream": True}) as s:
            chunks = s.iter_raw()
            first = next(chunks)
            # the upstream is still holding the rest back: this chunk was not buffered until the end
            assert b"interaction.created" in first
            assert not slow.finished.is_set()
            slow.release.set()
            rest = b"".join(chunks)
        assert b"interaction.completed" in rest
        assert slow.finished.is_set()
        for _ in range(100):
            if proxy.recorder.open_exchanges() == 0:
                break
            time.sleep(0.02)
        assert proxy.violations() == []
        assert proxy.exchanges()[0].streamed


def test_a_client_hanging_up_is_not_a_server_fault(slow):
    with ProxyServer(slow.url, expect_auth=False) as proxy, httpx.Client(timeout=5) as http:
        with http.stream("POST", f"{proxy.base_url}/v1beta/interactions", headers={"x-goog-api-key": KEY},
                         json={"model": MODEL, "input": "hi", "stream": True}) as s:
            next(s.iter_raw())
        # leaving the block closes the connection mid-stream
        for _ in range(250):
            if proxy.exchanges():
                break
            time.sleep(0.02)
        records = proxy.exchanges()
        assert records and records[0].note == "the client closed the stream early"
        assert proxy.violations() == []


def test_compressed_answers_pass_through_and_are_judged(slow):
    with ProxyServer(slow.url, expect_auth=False) as proxy:
        r = httpx.get(f"{proxy.base_url}/v1beta/interactions/v1_gz", headers={"x-goog-api-key": KEY,
                                                                               "accept-encoding": "gzip, br"},
                      timeout=5)
        assert r.headers["content-encoding"] == "gzip"
        assert r.json()["id"] == "v1_gz"
        # narrowed to what the judge can decode
        assert slow.accept_encoding == "gzip"
        assert proxy.violations() == []
        assert "schema.interaction.valid" in proxy.exchanges()[0].rules


def test_an_upstream_breaking_mid_stream_is_reported(slow):
    with ProxyServer(slow.url, expect_auth=False) as proxy:
        with pytest.raises(httpx.HTTPError):
            with httpx.stream("GET", f"{proxy.base_url}/v1beta/interactions/broken",
                              params={"stream": "true"}, headers={"x-goog-api-key": KEY}, timeout=5) as s:
                s.read()
        for _ in range(250):
            if proxy.exchanges():
                break
            time.sleep(0.02)
        record = proxy.exchanges()[0]
        assert record.error and "mid-stream" in record.error
        # a broken connection is a network event a client recovers from with last_event_id (a conforming
        # server may drop one), not a grammar violation; the exchange carries the note instead
        assert proxy.violations("server") == []
        assert record.note and "connection broke" in record.note
