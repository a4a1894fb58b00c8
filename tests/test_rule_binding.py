"""Rules are bound to their checks (rules.covers), and the suite and the proxy read the same binding.

One recorded exchange from the mock (a streamed create, then a GET of the same
interaction) is judged by the suite's Judge and by the validating proxy's
recorder; for each observation both report the same coverage of the rules the
stream, resource and lifecycle checks are bound to.
"""

from __future__ import annotations

import httpx
import pytest

from conformance.checks import LifecycleTracker, StreamChecker, check_exchange, check_stream_bytes
from conformance.mock import MockConfig, MockServer
from conformance.profiles import get_profile
from conformance.proxy.recorder import ProxyRecorder
from conformance.rules import RULES, covers, rules_of
from conformance.schema import SchemaSet
from conformance.suite.judge import LIFECYCLE_RULES, RESOURCE_RULES, STREAM_RULES, Judge
from conformance.targets.client import StreamAnswer

BOUND = set(StreamChecker.RULES) | set(check_exchange.RULES) | set(LifecycleTracker.RULES)


def test_checks_declare_catalogue_rules_and_the_judge_reads_them():
    assert STREAM_RULES == StreamChecker.RULES and RESOURCE_RULES == check_exchange.RULES
    assert LIFECYCLE_RULES == LifecycleTracker.RULES
    assert all(r in RULES for r in BOUND)
    assert rules_of(StreamChecker, LifecycleTracker)[:len(StreamChecker.RULES)] == StreamChecker.RULES
    with pytest.raises(KeyError):
        covers("stream.no-such-rule")


class _Client:
    """What the Judge reads off a client: the profile and the schemas."""

    def __init__(self, schemas: SchemaSet) -> None:
        self.schemas = schemas
        self.profile = schemas.profile


def _record(revision: str) -> tuple[bytes, bytes, dict]:
    key = "k-binding"
    with MockServer(MockConfig(api_key=key)) as server, httpx.Client(base_url=server.base_url, timeout=30) as c:
        headers = {"x-goog-api-key": key, "Api-Revision": get_profile(revision).header_value}
        body = {"model": "gemini-3-flash-preview", "input": "[iconf: thought] Tell me.", "stream": True}
        stream = c.post("/v1beta/interactions", json=body, headers=headers).content
        iid = next(e.interaction_id for e in [check_stream_bytes(SchemaSet(get_profile(revision)), stream)])
        got = c.get(f"/v1beta/interactions/{iid}", headers=headers).content
    return stream, got, {"iid": iid, "body": body, "headers": headers}


@pytest.mark.parametrize("revision", ["2026-05-20", "legacy"])
def test_suite_and_proxy_report_the_same_coverage_for_one_exchange(revision):
    import json

    stream, got, ctx = _record(revision)
    assert ctx["iid"] and json.loads(got).get("id") == ctx["iid"]
    schemas = SchemaSet(get_profile(revision))

    judge_stream = Judge(_Client(schemas))
    result = check_stream_bytes(schemas, stream)
    judge_stream.stream(StreamAnswer(status=200, headers={}, result=result), "POST /interactions")
    judge_get = Judge(_Client(schemas))
    judge_get.interaction(json.loads(got), op="get")

    proxy = ProxyRecorder(revision=revision, secrets=["k-binding"])
    headers = list(ctx["headers"].items())
    create = proxy.begin("POST", "/v1beta/interactions", "", headers, json.dumps(ctx["body"]).encode())
    create.response_started(200, [("content-type", "text/event-stream")])
    create.start_stream("text/event-stream")
    create.feed(stream)
    create.finish_stream(upstream_complete=True)
    read = proxy.begin("GET", f"/v1beta/interactions/{ctx['iid']}", "", headers, b"")
    read.response_started(200, [("content-type", "application/json")])
    read.finish_body(got)
    proxy_stream, proxy_get = proxy.exchanges()

    assert set(judge_stream.rules) & BOUND == set(proxy_stream.rules) & BOUND
    assert set(judge_get.rules) & BOUND == set(proxy_get.rules) & BOUND
    assert set(StreamChecker.RULES) & {r for r in BOUND if revision in RULES[r].revisions} <= set(proxy_stream.rules)
