"""The client layer against every hostile behaviour: bounded in time and memory, a verdict or a named diagnosis.

Per behaviour, one non-streaming and one streaming request through
:class:`TargetClient` with short limits. Each ends in either an answer the
judge can rule on (with the rule it breaks) or a :class:`TargetError` whose
message names what happened (a deadline, a size limit, a broken connection):
never another exception, never a hang.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from conformance.checks import check_json_answer
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from conformance.targets import (
    RunGate,
    TargetClient,
    TargetConfig,
    TargetError,
    TargetLimitExceeded,
    TargetUnresponsive,
)
from tests import streams as S

from .server import BEHAVIOURS, HostileServer

REVISION = "2026-05-20"
BODY = {"model": "gemini-3-flash-preview", "input": "Hello"}

#: per behaviour: what a non-streaming and a streaming request end in (a rule ID found, or words of the error)
EXPECTED = {
    "garbage": ("error:RemoteProtocolError", "error:RemoteProtocolError"),
    "non-json": ("rule:schema.response.json", "rule:stream.content-type"),
    "truncated-sse": ("rule:schema.response.json", "rule:stream.terminal.exactly-one"),
    "hang": ("error:--timeout", "error:--timeout"),
    "reset": ("error:reset", "error:reset"),
    "drip": ("error:request deadline (--timeout", "error:stream deadline (--stream-timeout"),
    "huge": ("error:--max-body", "error:--max-event"),
    "invalid-utf8": ("rule:schema.response.json", "rule:stream.framing.utf8"),
    "deep": ("error:nests deeper than 200", "rule:stream.content-type"),
    "error-500": ("status:500", "status:500"),
    "endless-sse": ("error:--timeout", "error:--stream-timeout"),
}


@pytest.fixture(scope="module")
def schemas():
    return SchemaSet(get_profile(REVISION))


def _client(server: HostileServer, schemas: SchemaSet, gate: RunGate | None = None, **cfg) -> TargetClient:
    limits = {"timeout_s": 1.5, "stream_timeout_s": 2.0, "max_body_bytes": 2 * 1024 * 1024,
              "max_event_bytes": 256 * 1024, **cfg}
    config = TargetConfig(name="hostile", kind="url", base_url=server.base_url, **limits)
    return TargetClient(config, schemas, gate=gate)


def _outcome(call) -> str:
    try:
        answer = call()
    except TargetError as exc:
        return f"error:{exc}"
    if answer.status != 200:
        return f"status:{answer.status}"
    if getattr(answer, "result", None) is not None:
        return "rules:" + ",".join(v.rule_id for v in answer.result.violations)
    return "rules:" + ",".join(v.rule_id for v in check_json_answer(answer.content_type, answer.body_problem))


def test_the_table_covers_every_behaviour():
    assert set(EXPECTED) == set(BEHAVIOURS)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_each_hostile_answer_ends_in_a_verdict_or_a_named_diagnosis(behaviour, schemas):
    with HostileServer(behaviour, drip_interval_s=0.2, huge_bytes=8 * 1024 * 1024) as server:
        client = _client(server, schemas)
        try:
            for call, want in zip((lambda: client.create(BODY), lambda: client.create_stream(BODY)),
                                  EXPECTED[behaviour], strict=True):
                started = time.monotonic()
                got = _outcome(call)
                assert time.monotonic() - started < 6, f"{behaviour}: took {time.monotonic() - started:.1f}s"
                kind, _, words = want.partition(":")
                if kind == "rule":
                    assert got.startswith("rules:") and words in got.split(":", 1)[1].split(","), got
                else:
                    assert got.startswith(f"{kind}:") and words in got, got
        finally:
            client.close()


def test_huge_bodies_are_read_in_bounded_memory(schemas):
    """A 64 MiB body against a 1 MiB cap: abandoned after about 1 MiB, never held whole."""
    import tracemalloc

    with HostileServer("huge", huge_bytes=64 * 1024 * 1024) as server:
        client = _client(server, schemas, max_body_bytes=1024 * 1024, timeout_s=30.0)
        tracemalloc.start()
        try:
            with pytest.raises(TargetLimitExceeded, match=r"--max-body 1048576"):
                client.create(BODY)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            client.close()
    assert peak < 16 * 1024 * 1024


def test_the_breaker_opens_after_consecutive_failures_and_then_refuses_at_once(schemas):
    gate = RunGate(threshold=3)
    with HostileServer("reset") as server:
        client = _client(server, schemas, gate=gate)
        try:
            for _ in range(3):
                with pytest.raises(TargetError):
                    client.create(BODY)
            started = time.monotonic()
            with pytest.raises(TargetUnresponsive, match="target unresponsive: 3 requests in a row"):
                client.create(BODY)
            assert time.monotonic() - started < 0.5
        finally:
            client.close()


def test_an_answer_closes_the_breaker_count():
    gate = RunGate(threshold=2)
    gate.failure("one")
    gate.success()
    gate.failure("two")
    assert gate.refusal() is None
    gate.failure("three")
    assert "unresponsive" in gate.refusal()


def test_the_run_deadline_cuts_a_request_short_and_refuses_the_rest(schemas):
    gate = RunGate(deadline_s=1.0)
    with HostileServer("hang") as server:
        client = _client(server, schemas, gate=gate, timeout_s=30.0)
        try:
            started = time.monotonic()
            with pytest.raises(TargetUnresponsive, match="run deadline"):
                client.create(BODY)
            assert time.monotonic() - started < 3
            with pytest.raises(TargetUnresponsive, match=r"--deadline 1s"):
                client.create(BODY)
        finally:
            client.close()


def test_the_total_deadline_holds_against_a_drip_that_beats_every_read_timeout(schemas):
    with HostileServer("drip", drip_interval_s=0.1) as server:
        client = _client(server, schemas, timeout_s=1.0)
        try:
            started = time.monotonic()
            with pytest.raises(TargetError, match=r"request deadline \(--timeout 1s\)"):
                client.get("v1_x")
            assert time.monotonic() - started < 2.5
        finally:
            client.close()


# --- third-party: a gateway whose lifecycle events put id/status at the top level (LiteLLM) -------


def _litellm_stream(profile) -> bytes:
    events = S.events_for(profile, [S.text_item(profile, "Hi")])
    g = profile.grammar
    for ev in events:
        if ev["event_type"] in (g.created, g.completed):
            inner = ev.pop("interaction")
            ev["id"], ev["status"] = inner["id"], inner["status"]
    return S.to_bytes(events) + b"data: [DONE]\n\n"


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_a_malformed_completion_event_still_ends_the_stream(revision):
    """The terminal event is known by its event_type: only schema.event.valid, no false terminal/framing alarms."""
    profile = get_profile(revision)
    data = _litellm_stream(profile)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=data,
                                                             headers={"content-type": "text/event-stream"}))
    client = TargetClient(TargetConfig(name="litellm", kind="url", base_url="http://gateway.invalid"),
                          SchemaSet(profile), transport=transport)
    answer = client.create_stream(BODY)
    rules = {v.rule_id for v in answer.result.violations}
    assert "schema.event.valid" in rules
    assert not rules & {"stream.terminal.exactly-one", "stream.framing.json-data"}, rules
    assert answer.result.terminal == profile.grammar.completed


def test_invalid_utf8_inside_a_stream_is_flagged_not_replaced_silently(schemas):
    data = S.to_bytes(S.events_for(schemas.profile, [S.text_item(schemas.profile, "Hi")]))
    data = data.replace(b'"text": "', b'"text": "caf\xe9 ', 1)  # a Latin-1 byte inside the first text
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=data,
                                                             headers={"content-type": "text/event-stream"}))
    client = TargetClient(TargetConfig(name="latin1", kind="url", base_url="http://gateway.invalid"), schemas,
                          transport=transport)
    violations = client.create_stream(BODY).result.violations
    utf8 = [v for v in violations if v.rule_id == "stream.framing.utf8"]
    assert utf8 and "not UTF-8" in utf8[0].message
    assert json.dumps(utf8[0].to_dict())
