"""No request can stall another: a small create is answered while worst-case creates are in flight.

Worst case within the limits: a body just under max_body_bytes made of max_input_items content blocks
(every one validated, normalised, counted and stored). Those are decoded and validated off the event loop,
one at a time, so the small creates sent after them finish first. The assertions are on ordering, with
generous bounds, never on tight timings (the machine is shared).
"""

from __future__ import annotations

import threading
import time

import httpx
import orjson

from conformance.mock import MockConfig, MockServer
from conformance.mock.limits import DEFAULT_LIMITS

from .helpers import MODEL

HEAVY = 6


def _worst_body() -> bytes:
    n = DEFAULT_LIMITS.max_input_items - 1
    text = "word " * ((DEFAULT_LIMITS.max_body_bytes - 4096 - 40 * n) // n // 5)
    body = orjson.dumps({"model": MODEL, "input": [{"type": "text", "text": text} for _ in range(n)]})
    assert len(body) <= DEFAULT_LIMITS.max_body_bytes
    return body


def test_a_small_create_is_answered_while_worst_case_creates_are_in_flight():
    heavy_body = _worst_body()
    heavy_done: list[float] = []
    heavy_status: list[int] = []
    with MockServer(MockConfig()) as server:
        url = server.base_url + "/v1beta/interactions"

        def heavy() -> None:
            r = httpx.post(url, content=heavy_body, headers={"Content-Type": "application/json"}, timeout=120)
            heavy_status.append(r.status_code)
            heavy_done.append(time.monotonic())

        threads = [threading.Thread(target=heavy, daemon=True) for _ in range(HEAVY)]
        for t in threads:
            t.start()
        time.sleep(0.3)  # the heavy requests are being uploaded / worked on
        small_done, small_latency = [], []
        with httpx.Client(timeout=60) as c:
            for _ in range(5):
                started = time.monotonic()
                r = c.post(url, json={"model": MODEL, "input": "small"})
                assert r.status_code == 200, r.text
                small_done.append(time.monotonic())
                small_latency.append(small_done[-1] - started)
        for t in threads:
            t.join(180)
        assert heavy_status == [200] * HEAVY, heavy_status
    # every small create finished before the last worst-case one did: nothing waited for the heavy work
    assert max(small_done) < max(heavy_done), (small_latency, [d - min(heavy_done) for d in heavy_done])
    assert max(small_latency) < 10, small_latency


def test_a_small_create_is_answered_while_schema_generation_at_the_caps_is_in_flight():
    schema = {"type": "object", "properties": {f"p{i}": {"type": "array", "minItems": 1000, "items": {"type": "integer"}}
                                               for i in range(19)}}
    heavy_body = orjson.dumps({"model": MODEL, "input": "json please", "response_format": {
        "type": "text", "mime_type": "application/json", "schema": schema}})
    heavy_done: list[float] = []
    heavy_status: list[int] = []
    with MockServer(MockConfig()) as server:
        url = server.base_url + "/v1beta/interactions"

        def heavy() -> None:
            r = httpx.post(url, content=heavy_body, headers={"Content-Type": "application/json"}, timeout=120)
            heavy_status.append(r.status_code)
            heavy_done.append(time.monotonic())

        threads = [threading.Thread(target=heavy, daemon=True) for _ in range(HEAVY)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        small_done = []
        with httpx.Client(timeout=60) as c:
            for _ in range(3):
                assert c.post(url, json={"model": MODEL, "input": "small"}).status_code == 200
                small_done.append(time.monotonic())
        for t in threads:
            t.join(180)
        assert heavy_status == [200] * HEAVY, heavy_status
    assert max(small_done) < max(heavy_done)
