"""The validating proxy in front of the mock: conforming traffic is clean, each broken client is named by its rule."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import KEY, MODEL, TOOL, rule_ids


def _create(http, **body):
    body.setdefault("model", MODEL)
    body.setdefault("input", "Hello")
    return http.post("/v1beta/interactions", json=body)


def _function_call(http):
    r = _create(http, input="What is the weather in Paris? [iconf: function_call]", tools=[TOOL])
    assert r.status_code == 200, r.text
    call = next(s for s in r.json()["steps"] if s["type"] == "function_call")
    return r.json()["id"], call


def test_conforming_client_has_no_violations(proxy, http):
    r = _create(http, input="Hello there")
    assert r.status_code == 200
    iid = r.json()["id"]
    with http.stream("POST", "/v1beta/interactions",
                     json={"model": MODEL, "input": "Stream it [iconf: thought]", "stream": True}) as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        body = s.read()
    events = [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]
    sid = events[0]["interaction"]["id"]
    ids = [e["event_id"] for e in events if "event_id" in e]
    with http.stream("GET", f"/v1beta/interactions/{sid}",
                     params={"stream": "true", "last_event_id": ids[2]}) as s:
        s.read()
    assert http.get(f"/v1beta/interactions/{sid}").status_code == 200
    bg = _create(http, input="Background [iconf: delay=0.05]", background=True).json()
    for _ in range(100):
        if http.get(f"/v1beta/interactions/{bg['id']}").json()["status"] != "in_progress":
            break
    long = _create(http, input="Long [iconf: delay=30]", background=True).json()
    assert http.post(f"/v1beta/interactions/{long['id']}/cancel").json()["status"] == "cancelled"
    fid, call = _function_call(http)
    done = _create(http, previous_interaction_id=fid, tools=[TOOL],
                   input=[{"type": "function_result", "call_id": call["id"], "name": call["name"], "result": "sunny"}])
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert http.delete(f"/v1beta/interactions/{iid}").json() == {}
    assert http.get(f"/v1beta/interactions/{iid}").status_code == 404
    assert proxy.violations() == []
    records = proxy.exchanges()
    assert len(records) >= 12
    rules = {r for rec in records for r in rec.rules}
    assert {"request.auth.key-present", "stream.terminal.exactly-one", "stream.event-id.resumable",
            "schema.interaction.valid", "lifecycle.transition.legal", "request.function-result.call-id",
            "stream.assembly.matches-resource"} <= rules


def test_store_false_with_background_is_a_client_violation(proxy, http):
    r = _create(http, store=False, background=True)
    assert r.status_code == 400
    assert rule_ids(proxy.violations(), "client") == ["request.store-false.no-background"]
    assert rule_ids(proxy.violations(), "server") == []


def test_missing_key_is_a_client_violation(proxy):
    r = httpx.post(f"{proxy.base_url}/v1beta/interactions", json={"model": MODEL, "input": "hi"}, timeout=10)
    assert r.status_code in (401, 403)
    assert rule_ids(proxy.violations(), "client") == ["request.auth.key-present"]
    assert rule_ids(proxy.violations(), "server") == []


def test_wrong_call_id_is_a_client_violation(proxy, http):
    fid, call = _function_call(http)
    r = _create(http, previous_interaction_id=fid, tools=[TOOL],
                input=[{"type": "function_result", "call_id": call["id"] + "-wrong", "name": call["name"],
                        "result": "sunny"}])
    assert r.status_code == 400
    found = [v for v in proxy.violations() if v["rule_id"] == "request.function-result.call-id"]
    assert [v["party"] for v in found] == ["client"]
    assert found[0]["exchange"].startswith("POST /v1beta/interactions #")
    assert rule_ids(proxy.violations(), "server") == []


def test_last_event_id_without_stream_is_a_client_violation(proxy, http):
    iid = _create(http).json()["id"]
    r = http.get(f"/v1beta/interactions/{iid}", params={"last_event_id": "evt_0001"})
    assert r.status_code == 400
    assert rule_ids(proxy.violations(), "client") == ["request.last-event-id.needs-stream"]
    assert rule_ids(proxy.violations(), "server") == []


def test_server_fault_is_a_server_violation(start_proxy):
    proxy = start_proxy(faults=frozenset({"stream.terminal.exactly-one"}))
    with httpx.Client(base_url=proxy.base_url, headers={"x-goog-api-key": KEY}, timeout=10) as http:
        with http.stream("POST", "/v1beta/interactions", json={"model": MODEL, "input": "hi", "stream": True}) as s:
            s.read()
    assert rule_ids(proxy.violations(), "server") == ["stream.terminal.exactly-one"]
    assert rule_ids(proxy.violations(), "client") == []


def test_server_accepting_a_bad_request_is_a_server_violation(start_proxy):
    proxy = start_proxy(faults=frozenset({"request.store-false.no-background"}))
    with httpx.Client(base_url=proxy.base_url, headers={"x-goog-api-key": KEY}, timeout=10) as http:
        r = _create(http, store=False, background=True)
    assert r.status_code == 200
    parties = sorted(v["party"] for v in proxy.violations() if v["rule_id"] == "request.store-false.no-background")
    assert parties == ["client", "server"]


def test_revision_comes_from_the_api_revision_header(proxy, http):
    r = http.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                  headers={"Api-Revision": "2026-05-07"})
    assert "outputs" in r.json()
    http.post("/v1/interactions", json={"model": MODEL, "input": "hi"})
    revisions = [rec.revision for rec in proxy.exchanges()]
    assert revisions == ["legacy", "2026-05-20"]
    assert proxy.violations() == []


def test_api_key_in_query_is_accepted_and_scrubbed(proxy, tmp_path):
    r = httpx.post(f"{proxy.base_url}/v1beta/interactions", params={"key": KEY},
                   json={"model": MODEL, "input": "hi"}, timeout=10)
    assert r.status_code == 200
    assert proxy.violations() == []
    transcript = proxy.exchanges()[0].transcript
    assert KEY not in transcript
    assert "key=<redacted>" in transcript


def test_report_files_hold_no_key(proxy, http, tmp_path):
    _create(http, input="hi")
    _create(http, store=False, background=True)
    httpx.get(f"{proxy.base_url}/v1beta/interactions/x", params={"key": KEY}, timeout=10)
    answer = http.get("/__iconf/report").json()
    run_dir = tmp_path / "reports" / answer["run_dir"].rsplit("/", 1)[-1]
    assert answer["exit_code"] == 1 and answer["exchanges"] == 3
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {"summary.json", "index.html"} <= {p.name for p in files}
    for path in files:
        assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path
    summary = json.loads((run_dir / "summary.json").read_text())
    names = [s["name"] for s in summary["scenarios"]]
    assert names[0] == "POST /v1beta/interactions #1"
    failed = [s for s in summary["scenarios"] if s["outcome"] == "failed"]
    assert [v["rule_id"] for v in failed[0]["violations"]] == ["request.store-false.no-background"]
    assert "request.store-false.no-background" in failed[0]["rules"]


def test_report_written_on_exit(start_proxy, tmp_path):
    proxy = start_proxy()
    httpx.post(f"{proxy.base_url}/v1beta/interactions", headers={"x-goog-api-key": KEY},
               json={"model": MODEL, "input": "hi"}, timeout=10)
    proxy.stop()
    assert proxy.run_dir is not None and (proxy.run_dir / "summary.json").is_file()
    assert KEY not in (proxy.run_dir / "summary.json").read_text()


def test_violations_endpoint(proxy, http):
    _create(http, store=False, background=True)
    data = http.get("/__iconf/violations").json()
    assert data["exchanges"] == 1 and data["must"] == 1
    assert data["violations"][0]["rule_id"] == "request.store-false.no-background"
    assert data["violations"][0]["party"] == "client"


def test_unreachable_upstream_answers_502(tmp_path):
    import socket

    from conformance.proxy import ProxyServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with ProxyServer(f"http://127.0.0.1:{dead}", timeout=2.0) as proxy:
        r = httpx.get(f"{proxy.base_url}/v1beta/interactions/x", headers={"x-goog-api-key": KEY}, timeout=10)
        assert r.status_code == 502 and "error" in r.json()
        record = proxy.exchanges()[0]
        assert record.error and record.status is None
        assert proxy.recorder.run_record().scenarios[0].outcome == "error"


@pytest.mark.parametrize("prefix", ["/v1beta", "/v1"])
def test_paths_are_forwarded_unchanged(proxy, prefix):
    r = httpx.post(f"{proxy.base_url}{prefix}/interactions", headers={"x-goog-api-key": KEY},
                   json={"model": MODEL, "input": "hi"}, timeout=10)
    assert r.status_code == 200, r.text
    assert proxy.exchanges()[0].path == f"{prefix}/interactions"
    assert proxy.violations() == []


def test_prefixes_on_either_side(tmp_path):
    from conformance.mock import MockConfig, MockServer
    from conformance.proxy import ProxyServer

    with MockServer(MockConfig(base_path="/gateway")) as mock:
        root = mock.base_url.removesuffix("/gateway")
        # the prefix in the upstream URL, or in the client's path: both reach /gateway/v1beta/interactions
        for upstream, path in ((mock.base_url, "/v1beta/interactions"), (root, "/gateway/v1beta/interactions")):
            with ProxyServer(upstream, expect_auth=False) as proxy:
                r = httpx.post(f"{proxy.base_url}{path}", headers={"x-goog-api-key": KEY},
                               json={"model": MODEL, "input": "hi"}, timeout=10)
                assert r.status_code == 200, (upstream, path, r.text)
                assert proxy.violations() == []


def test_key_rewrite_keeps_the_real_key_from_the_client_and_the_report(tmp_path):
    from conformance.mock import MockConfig, MockServer
    from conformance.proxy import ProxyServer

    real = "real-upstream-key-0123456789abcdef"
    with MockServer(MockConfig(api_key=real)) as mock:
        with ProxyServer(mock.base_url, key_rewrite=(KEY, real), report_dir=tmp_path / "r") as proxy:
            ok = httpx.post(f"{proxy.base_url}/v1beta/interactions", headers={"x-goog-api-key": KEY},
                            json={"model": MODEL, "input": "hi"}, timeout=10)
            by_query = httpx.get(f"{proxy.base_url}/v1beta/interactions/{ok.json()['id']}", params={"key": KEY},
                                 timeout=10)
            assert ok.status_code == 200 and by_query.status_code == 200
            assert proxy.violations() == []
    for path in proxy.run_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert real not in text and KEY not in text, path


def test_a_stream_read_back_under_the_other_revision_is_not_compared(proxy, http):
    with http.stream("POST", "/v1beta/interactions", json={"model": MODEL, "input": "hi", "stream": True},
                     headers={"Api-Revision": "2026-05-07"}) as s:
        body = s.read()
    events = [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]
    iid = events[0]["interaction"]["id"]
    with http.stream("GET", f"/v1beta/interactions/{iid}",
                     params={"stream": "true", "last_event_id": events[1]["event_id"]}) as s:
        s.read()
    assert http.get(f"/v1beta/interactions/{iid}").status_code == 200
    assert proxy.violations() == []
    assert [r.revision for r in proxy.exchanges()] == ["legacy", "2026-05-20", "2026-05-20"]
