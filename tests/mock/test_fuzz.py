"""A bounded, seeded fuzz of the mock: mutated create bodies, random paths and methods, huge and deep values.

The mock is a stand-in for the API, so bad input must be a 4xx, always. A raw
fuzzer once found 189 x HTTP 500 in 20 000 requests; this replays the same
kinds of mutation with a fixed seed (reproducible), a bounded request count
and a wall-clock cap, and then checks that every interaction the mock
accepted can still be read back, and that it still answers a normal create.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from conformance.mock import MockConfig

from .helpers import HEADER, MODEL, Client

SEED = int(__import__("os").environ.get("ICONF_FUZZ_SEED", "20261201"))
REQUESTS = int(__import__("os").environ.get("ICONF_FUZZ_REQUESTS", "1200"))
MAX_SECONDS = float(__import__("os").environ.get("ICONF_FUZZ_SECONDS", "90"))

_BASES = [
    {"model": MODEL, "input": "Hello [iconf: thought]"},
    {"model": MODEL, "input": [{"type": "text", "text": "hi"}, {"type": "image", "data": "iVBORw0KGgo=",
                                                                "mime_type": "image/png"}]},
    {"model": MODEL, "input": "call it [iconf: function_call]",
     "tools": [{"type": "function", "name": "f", "description": "d",
                "parameters": {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"},
                                                                     "minItems": 2},
                                                               "b": {"type": "integer", "minimum": 3}},
                               "required": ["a"]}}]},
    {"model": MODEL, "input": "json please", "response_mime_type": "application/json",
     "response_format": {"type": "object", "properties": {"x": {"type": "string", "minLength": 3}}}},
    {"model": MODEL, "input": "json please",
     "response_format": {"type": "text", "mime_type": "application/json",
                         "schema": {"type": "array", "items": {"type": "number"}, "minItems": 1}}},
    {"model": MODEL, "input": "stream me", "stream": True, "generation_config": {"temperature": 1}},
    {"model": MODEL, "input": "later [iconf: delay=0]", "background": True},
    {"agent": "deep-research-pro-preview-12-2025", "input": "research", "background": True},
]


def _deep(depth: int, leaf: object = 1) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def _values(rng: random.Random) -> list:
    return [
        None, True, 0, -1, 2 ** 31, 2 ** 63 - 1, -(2 ** 63), 1e308, -0.0, 0.5, "", "x" * rng.choice((1, 300, 70_000)),
        "\u0000\ud7ff\U0001f600", "[iconf: delay=nan]", "[iconf: delay=-5]", "[iconf: chunks=100000]",
        "[iconf: all]", "[iconf: nope]", [], {}, [1, "a", None], {"1": {"2": []}},
        _deep(rng.choice((20, 63, 70, 250, 600))), list(range(rng.choice((10, 3000)))),
        [{"type": "text", "text": "t"}] * rng.choice((5, 1500)),
        {"type": "object", "properties": [1, 2]}, {"type": "object", "required": [1, {"a": 1}]},
        {"type": "array", "minItems": 10_000_000}, {"type": "string", "minLength": 10 ** 9},
        {"type": "object", "minProperties": 1e8}, {"$ref": "#"}, {"type": "integer", "multipleOf": 1e-308,
                                                                  "minimum": 1e308},
        {"anyOf": "x"}, {"properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}, "required": ["a", "b"]},
        {"type": ["integer", 3]}, {"enum": 3}, {"minItems": "ten", "type": "array"},
    ]


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _set(body: object, path: tuple, value: object) -> object:
    if not path:
        return value
    node = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return body


def _mutate(rng: random.Random) -> object:
    body = json.loads(json.dumps(rng.choice(_BASES)))
    for _ in range(rng.randint(1, 3)):
        paths = _paths(body)
        path = rng.choice(paths)
        choice = rng.random()
        if choice < 0.15 and isinstance(body, dict):
            body[rng.choice(["extra", "tools", "response_format", "generation_config", "input", "store",
                             "previous_interaction_id", "system_instruction", "webhook_config"])] = rng.choice(
                _values(rng))
        elif choice < 0.25 and path and isinstance(body, dict):
            parent = body
            for part in path[:-1]:
                parent = parent[part]
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
        else:
            body = _set(body, path, rng.choice(_values(rng)))
    return body


def _raw(rng: random.Random, body: object) -> bytes:
    text = json.dumps(body)  # NaN / Infinity stay in: not JSON, a 400
    roll = rng.random()
    if roll < 0.05:
        return text[: rng.randint(0, len(text))].encode()
    if roll < 0.08:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if roll < 0.10:
        return b"[" * 5000 + b"]" * 5000
    return text.encode()


_METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]


def _random_path(rng: random.Random, ids: list[str]) -> str:
    iid = rng.choice(ids + ["v1_nope", "x" * 3000, "%00", "..", "v1_" + "A" * 40]) if ids else "v1_nope"
    return rng.choice([
        "/v1beta/interactions", "/v1/interactions", "/v2/interactions", f"/v1beta/interactions/{iid}",
        f"/v1beta/interactions/{iid}/cancel", f"/v1/interactions/{iid}?stream=true",
        f"/v1beta/interactions/{iid}?stream=true&last_event_id=evt_{rng.randint(0, 99):04d}",
        f"/v1beta/interactions/{iid}?stream=maybe", f"/v1beta/interactions/{iid}?last_event_id=x",
        f"/v1beta/interactions/{iid}?include_input=true", "/", "/v1beta", "/v1beta/interactions/a/b/c",
    ])


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_fuzz_finds_no_5xx_and_the_mock_still_answers(revision):
    rng = random.Random(SEED + len(revision))
    client = Client(MockConfig(background_delay_s=0.0), revision=revision)
    failures: list[str] = []
    accepted: list[str] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + MAX_SECONDS
    try:
        for n in range(REQUESTS):
            if time.monotonic() > deadline:
                break
            if rng.random() < 0.75:
                body = _mutate(rng)
                method, path = "POST", "/v1beta/interactions"
                raw = _raw(rng, body)
            else:
                method, path, raw = rng.choice(_METHODS), _random_path(rng, accepted), b""
            r = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code >= 500:
                failures.append(f"#{n} {method} {path} {raw[:300]!r} -> {r.status_code} {r.text[:300]}")
            elif method == "POST" and path == "/v1beta/interactions" and r.status_code == 200:
                if r.headers.get("content-type", "").startswith("application/json"):
                    accepted.append(r.json()["id"])
        assert not failures, f"{len(failures)} x 5xx, first: " + "\n".join(failures[:5])
        # everything accepted is still renderable: no interaction answers 500 on GET forever
        for iid in accepted:
            for params in ({}, {"stream": "true"}, {"include_input": "true"}):
                r = client.get(f"/v1beta/interactions/{iid}", params=params)
                assert r.status_code < 500, (iid, params, r.text[:300])
        ok = client.post("/v1beta/interactions", json={"model": MODEL, "input": "still there?"},
                         headers={"Api-Revision": HEADER[revision]})
        assert ok.status_code == 200, ok.text
        assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 20, statuses  # the fuzz reached both sides
    finally:
        client.close()
