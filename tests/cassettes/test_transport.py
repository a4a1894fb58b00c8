"""The cassette transport in-process: chunk-faithful streams, matching, record modes, scrubbing, network block.

Each test records against the bundled mock server through the same
``TargetClient`` the suite uses, then replays with ``real=None`` inside
``block_network()`` so nothing can reach a socket.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import httpx
import pytest
import yaml
from vcr.cassette import Cassette
from vcr.record_mode import RecordMode

from conformance.cassettes.matching import MATCH_ON, VolatileBook, request_key
from conformance.cassettes.recorder import cassette_stem, real_transport, scenario_name
from conformance.cassettes.replay import NetworkBlockedError, block_network
from conformance.cassettes.scrub import KEY_PLACEHOLDER, OTHER_KEY_PLACEHOLDER, Scrubber, SecretLeakError
from conformance.cassettes.storage import (
    ScrubbingPersister,
    chunk_to_yaml,
    dump_dict,
    load_dict,
    read_cassette,
    serializer,
)
from conformance.cassettes.transport import CassetteTransport
from conformance.targets import TargetClient, TargetError, open_target

REV = "2026-05-20"
CANARY = "iconf-mock-c0ffee0ddba11"


@pytest.fixture(scope="module")
def mock():
    with open_target("mock", api_key=CANARY) as config:
        yield config


def _transport(path: Path, config, *, mode: str = "once", replay: bool = False, real=None) -> CassetteTransport:
    scrubber = Scrubber(target_key=config.api_key)
    cassette = Cassette.load(path=str(path), serializer=serializer, persister=ScrubbingPersister(scrubber),
                             record_mode=RecordMode(mode), match_on=MATCH_ON, drop_unused_requests=mode == "all")
    if not replay and real is None:
        real = real_transport(config.base_url)
    return CassetteTransport(cassette, scrubber, real=None if replay else real, target_key=config.api_key,
                             metadata=lambda: {"revision": REV, "target": {"kind": config.kind}})


def _client(config, schemas_for, transport) -> TargetClient:
    return TargetClient(config, schemas_for(REV), transport=transport)


def _stream_request(text: str = "Tell me a short story about a café ☕ by the sea.") -> dict:
    return {"model": "gemini-3-flash-preview", "input": f"[iconf: thought, chunks=6] {text}"}


def test_stream_is_stored_chunk_by_chunk_and_replayed_with_the_same_chunks(tmp_path, mock, schemas_for):
    path = tmp_path / "c.yaml"
    client = _client(mock, schemas_for, _transport(path, mock))
    live = client.create_stream(_stream_request(), keep_chunks=True)
    client.close()
    assert live.status == 200 and live.result.ok and len(live.chunks) > 3

    requests, responses, _ = read_cassette(path)
    body = responses[0]["body"]
    assert [c.encode() if isinstance(c, str) else c for c in body["chunks"]] == live.chunks
    assert len(body["offsets_ms"]) == len(live.chunks) and body["offsets_ms"] == sorted(body["offsets_ms"])

    with block_network():
        client = _client(mock, schemas_for, _transport(path, mock, mode="none", replay=True))
        again = client.create_stream(_stream_request(), keep_chunks=True)
        client.close()
    assert again.chunks == live.chunks
    assert again.result.events == live.result.events and again.result.ok


def test_odd_chunk_boundaries_are_reproduced_on_replay(tmp_path, mock, schemas_for):
    path = tmp_path / "odd.yaml"
    client = _client(mock, schemas_for, _transport(path, mock))
    live = client.create_stream(_stream_request(), keep_chunks=True)
    client.close()
    whole = b"".join(live.chunks)
    assert "☕".encode() in whole
    # re-split the recorded stream at odd places: inside events, inside "data:", inside a multi-byte character
    sizes, odd, pos = [1, 7, 3, 13, 2, 31, 5], [], 0
    cut_in_char = whole.index("☕".encode()) + 1
    while pos < len(whole):
        size = sizes[len(odd) % len(sizes)]
        end = min(len(whole), pos + size)
        if pos < cut_in_char < end:
            end = cut_in_char
        odd.append(whole[pos:end])
        pos = end
    assert any(c.endswith("☕".encode()[:1]) for c in odd)
    data = load_dict(path)
    data["interactions"][0]["response"]["body"] = {"chunks": [chunk_to_yaml(c) for c in odd]}
    dump_dict(path, data)
    assert "!!binary" in path.read_text()  # a chunk cut inside a character is stored as bytes

    with block_network():
        client = _client(mock, schemas_for, _transport(path, mock, mode="none", replay=True))
        again = client.create_stream(_stream_request(), keep_chunks=True)
        client.close()
    assert again.chunks == odd
    assert again.result.ok and again.result.events == live.result.events
    assert again.result.items == live.result.items


def test_chain_and_polling_replay_in_recorded_order(tmp_path, mock, schemas_for):
    path = tmp_path / "chain.yaml"

    def scenario(client):
        first = client.create({"model": "gemini-3-flash-preview", "input": "[iconf: delay=0.5] Hi.", "background": True})
        polls = [a.body["status"] for a in client.poll(first.body["id"], budget_s=20, interval_s=0.1,
                                                       until=lambda b: b.get("status") == "completed")]
        second = client.create({"model": "gemini-3-flash-preview", "input": "Again.",
                                "previous_interaction_id": first.body["id"]})
        got = client.get(second.body["id"])
        return first.body["id"], polls, second.status, got.body

    client = _client(mock, schemas_for, _transport(path, mock))
    recorded = scenario(client)
    client.close()
    assert recorded[1][0] == "in_progress" and recorded[1][-1] == "completed" and len(recorded[1]) >= 2

    with block_network():
        client = _client(mock, schemas_for, _transport(path, mock, mode="none", replay=True))
        replayed = scenario(client)
        extra = client.get(recorded[0])  # one poll more than recorded: the last answer again, not an error
        client.close()
    assert replayed == recorded
    assert extra.body["status"] == "completed"


def test_a_request_not_in_the_cassette_fails_naming_it(tmp_path, mock, schemas_for):
    path = tmp_path / "miss.yaml"
    client = _client(mock, schemas_for, _transport(path, mock))
    client.create({"model": "gemini-3-flash-preview", "input": "Hello."})
    client.close()
    with block_network():
        client = _client(mock, schemas_for, _transport(path, mock, mode="none", replay=True))
        # key order and whitespace do not matter
        same = client.request("POST", raw=b'{ "input" : "Hello.",\n "model":"gemini-3-flash-preview" }')
        assert same.status == 200
        with pytest.raises(TargetError) as err:
            client.create({"model": "gemini-3-flash-preview", "input": "Something else."})
        client.close()
    message = str(err.value)
    assert "POST /v1beta/interactions" in message and str(path) in message
    assert "Something else." in message and "json_body differs" in message

    with block_network():
        client = _client(mock, schemas_for, _transport(tmp_path / "absent.yaml", mock, mode="none", replay=True))
        with pytest.raises(TargetError, match=r"no cassette .*absent\.yaml"):
            client.get("v1_whatever")
        client.close()


def test_network_is_blocked_during_replay():
    with block_network():
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("127.0.0.1", 9))
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("example.com", 443)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(NetworkBlockedError):
            s.connect(("127.0.0.1", 9))
        s.close()
        with pytest.raises(httpx.ConnectError, match="network is blocked"):
            httpx.get("http://127.0.0.1:9/")
    assert socket.create_connection.__name__ == "create_connection"  # restored


class _Forbidden(httpx.BaseTransport):
    def handle_request(self, request):
        raise AssertionError(f"the network was used for {request.method} {request.url}")


def test_record_modes(tmp_path, mock, schemas_for):
    path = tmp_path / "modes.yaml"
    hello = {"model": "gemini-3-flash-preview", "input": "Hello."}
    bye = {"model": "gemini-3-flash-preview", "input": "Bye."}
    client = _client(mock, schemas_for, _transport(path, mock, mode="once"))
    first_id = client.create(hello).body["id"]
    client.close()
    # once, cassette exists: replayed, never sent; a new request is refused
    client = _client(mock, schemas_for, _transport(path, mock, mode="once", real=_Forbidden()))
    assert client.create(hello).body["id"] == first_id
    with pytest.raises(TargetError, match="no recorded answer"):
        client.create(bye)
    client.close()
    # new_episodes: the known one replayed, the new one recorded and added
    client = _client(mock, schemas_for, _transport(path, mock, mode="new_episodes"))
    assert client.create(hello).body["id"] == first_id
    client.create(bye)
    client.close()
    assert [json.loads(r.body)["input"] for r in read_cassette(path)[0]] == ["Hello.", "Bye."]
    # all: everything asked again, the cassette rewritten with only what this run sent
    client = _client(mock, schemas_for, _transport(path, mock, mode="all"))
    assert client.create(bye).body["id"] != first_id
    client.close()
    assert [json.loads(r.body)["input"] for r in read_cassette(path)[0]] == ["Bye."]


def test_keys_cookies_and_patterns_never_reach_disk(tmp_path, mock, schemas_for, monkeypatch):
    monkeypatch.setenv("ICONF_SCRUB_PATTERNS", r"sekrit-[0-9]+")
    from conformance.cassettes.scrub import configured_patterns

    path = tmp_path / "scrub.yaml"
    scrubber = Scrubber(target_key=mock.api_key, patterns=configured_patterns(tmp_path))
    cassette = Cassette.load(path=str(path), serializer=serializer, persister=ScrubbingPersister(scrubber),
                             record_mode=RecordMode.ALL, match_on=MATCH_ON)
    transport = CassetteTransport(cassette, scrubber, real=real_transport(mock.base_url), target_key=mock.api_key)
    client = _client(mock, schemas_for, transport)
    client.create({"model": "gemini-3-flash-preview", "input": f"Say sekrit-123 and {CANARY}."})
    client.request("POST", json_body={"model": "gemini-3-flash-preview", "input": "Hi."},
                   params={"key": CANARY}, headers={"Authorization": f"Bearer {CANARY}", "Cookie": f"s={CANARY}"})
    client.request("POST", json_body={"model": "gemini-3-flash-preview", "input": "Hi."},
                   headers={"x-goog-api-key": "iconf-wrong-key"})
    client.create_stream({"model": "gemini-3-flash-preview", "input": f"[iconf: chunks=3] Echo {CANARY}"})
    client.close()
    text = path.read_text()
    assert CANARY not in text and "c0ffee" not in text and "sekrit-123" not in text
    assert not re.search(r"iconf-mock-[0-9a-f]{8,}", text)
    assert "iconf-wrong-key" not in text
    assert KEY_PLACEHOLDER in text and OTHER_KEY_PLACEHOLDER in text and "key=<redacted>" in text
    data = yaml.safe_load(text.replace("!!binary", ""))
    headers = [i["request"]["headers"] for i in data["interactions"]]
    assert any(h.get("authorization") == ["<redacted>"] and h.get("cookie") == ["<redacted>"] for h in headers)


def test_a_cassette_still_holding_the_key_is_refused(tmp_path):
    path = tmp_path / "leak.yaml"
    persister = ScrubbingPersister(Scrubber(target_key=CANARY))
    requests = [type("R", (), {"_to_dict": lambda self: {"method": "GET", "uri": "http://x/", "body": None,
                                                          "headers": {}}})()]
    # the key split over two stream chunks (no single chunk holds it)
    responses = [{"status": {"code": 200, "message": "OK"}, "headers": {},
                  "body": {"chunks": [CANARY[:9], CANARY[9:]]}}]
    with pytest.raises(SecretLeakError, match="refusing to write"):
        persister.save_cassette(path, {"requests": requests, "responses": responses}, serializer)
    assert not path.exists()


def test_scrubbing_a_stream_keeps_the_other_boundaries():
    s = Scrubber(target_key=CANARY)
    out = s.chunks([b"data: a\n\n", b"data: " + CANARY[:5].encode(), CANARY[5:].encode() + b" b\n\n", b"end"])
    assert out[0] == b"data: a\n\n" and out[-1] == b"end"
    assert CANARY.encode() not in b"".join(out) and b"<redacted> b\n\n" in b"".join(out)


def test_volatile_ids_are_matched_by_position_not_value():
    a, b = VolatileBook(), VolatileBook()
    a.learn_json({"id": "v1_AAAAAAAA", "status": "completed", "created": "2026-01-01T00:00:00Z"})
    b.learn_json({"id": "v1_BBBBBBBB", "status": "completed", "created": "2026-02-02T00:00:00Z"})
    h = {"api-revision": REV, "x-goog-api-key": KEY_PLACEHOLDER}

    def key(book, uri, body=None):
        return request_key("POST", uri, h, json.dumps(body).encode() if body else None, book)

    assert key(a, "http://x/v1beta/interactions/v1_AAAAAAAA") == key(b, "http://y:1/v1beta/interactions/v1_BBBBBBBB")
    assert key(a, "http://x/v1beta/interactions", {"input": "x", "previous_interaction_id": "v1_AAAAAAAA"}) == \
        key(b, "http://x/v1beta/interactions", {"previous_interaction_id": "v1_BBBBBBBB", "input": "x"})
    assert key(a, "http://x/v1beta/interactions/v1_OTHER") != key(b, "http://x/v1beta/interactions/v1_OTHERS")
    assert key(a, "http://x/v1beta/interactions", {"input": "x"}) != key(a, "http://x/v1beta/interactions", {"input": "y"})
    no_key = request_key("POST", "http://x/v1beta/interactions", {"api-revision": REV}, None, a)
    assert no_key != key(a, "http://x/v1beta/interactions")


class _Item:
    def __init__(self, name, originalname, params, idlist):
        self.name, self.originalname = name, originalname
        self.callspec = type("CS", (), {"params": params, "_idlist": idlist, "id": "-".join(idlist)})()


def test_scenario_names_drop_the_revision_and_make_safe_file_names():
    item = _Item("test_output_kind[2026-05-20-text]", "test_output_kind", {"revision": REV, "kind": "text"},
                 [REV, "text"])
    assert scenario_name(item) == "test_output_kind[text]"
    assert cassette_stem("test_output_kind[text]") == "test_output_kind__text"
    bare = _Item("test_x[legacy]", "test_x", {"revision": "legacy"}, ["legacy"])
    assert scenario_name(bare) == "test_x"
    assert cassette_stem("test_api[POST /v1beta/interactions]") == "test_api__POST_v1beta_interactions"
    long = cassette_stem("test_" + "x" * 300)
    assert len(long) <= 120


def test_compressed_answers_are_stored_decoded_and_cookies_redacted(tmp_path, schemas_for):
    import gzip

    from conformance.targets import TargetConfig

    body = {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}

    def handler(request):
        return httpx.Response(400, headers={"content-encoding": "gzip", "content-type": "application/json",
                                            "set-cookie": f"session={CANARY}"},
                              content=gzip.compress(json.dumps(body).encode()))

    config = TargetConfig(name="fake", kind="url", base_url="http://fake.invalid", api_key=CANARY)
    path = tmp_path / "gz.yaml"
    client = _client(config, schemas_for, _transport(path, config, mode="all", real=httpx.MockTransport(handler)))
    assert client.create({"model": "m", "input": "x"}).body == body
    client.close()
    text = path.read_text()
    assert CANARY not in text and "content-encoding" not in text and '"INVALID_ARGUMENT"' in text
    assert load_dict(path)["interactions"][0]["response"]["headers"]["set-cookie"] == ["<redacted>"]
    with block_network():
        client = _client(config, schemas_for, _transport(path, config, mode="none", replay=True))
        again = client.create({"model": "m", "input": "x"})
        client.close()
    assert again.status == 400 and again.body == body


def test_recorded_timing_can_be_reproduced():
    import time

    from conformance.cassettes.transport import _ReplayStream

    started = time.monotonic()
    assert list(_ReplayStream([b"a", b"b", b"c"], [0, 150, 300])) == [b"a", b"b", b"c"]
    assert time.monotonic() - started >= 0.29
    started = time.monotonic()
    assert list(_ReplayStream([b"a", b"b"], None)) == [b"a", b"b"]
    assert time.monotonic() - started < 0.1


def test_every_transport_shares_one_tls_context():
    """One CA bundle load per process, not one per scenario (156 loads cost seconds per offline run)."""
    from conformance._http import http_transport, tls_context

    contexts = {id(t._pool._ssl_context) for t in (real_transport("https://example.invalid"),
                                                   http_transport("http://127.0.0.1:1"), http_transport())}
    assert contexts == {id(tls_context())}
    assert tls_context().verify_mode.name == "CERT_REQUIRED" and tls_context().check_hostname


def test_replayed_polls_do_not_wait():
    """Replay answers in the recorded order whenever asked, so the client's sleep is a no-op there (only there)."""
    import conformance.suite.plugin as plugin_module
    from conformance.suite.cli import base_pytest_args

    seen: dict[str, object] = {}

    class Probe:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_call(self, item):
            client = getattr(item, "funcargs", {}).get("client")
            if client is not None:
                seen[item.config.getoption("iconf_target")] = client._sleep
            return (yield)

    for target in ("replay", "mock"):
        code = pytest.main([*base_pytest_args(), "--iconf-target", target, "--iconf-revision", "2026-05-20",
                            "--iconf-no-report", "-q", "-p", "no:cacheprovider", "-k", "background_create_poll"],
                           plugins=[Probe()])
        assert code == 0, target
    assert seen["replay"] is plugin_module._no_wait
    assert seen["mock"] is not plugin_module._no_wait
