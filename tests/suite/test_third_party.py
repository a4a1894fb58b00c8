"""Defects seen when the suite judged third-party servers (issue 9), each reproduced by a small server.

Every server here is the reference mock behind a wrapper that behaves like the third-party server did
(a gateway that knows one model, a server that answers at random, ...), on loopback, bounded in time.
"""

from __future__ import annotations

import json

import pytest

from conformance.checks.request import check_request
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from conformance.suite.options import glue_dash_values
from tests.suite.servers import WrappedMock, iconf_run, summary


def _passthrough(method, path, headers, body):
    return headers, body


def _outcomes(report: dict, name: str) -> dict[str, str]:
    return {s["nodeid"]: s["outcome"] for s in report.get("scenarios", []) if name in s["nodeid"]}


# --- --capability -agents, the documented form -------------------------------------------------------


def test_glue_dash_values():
    assert glue_dash_values(["run", "--capability", "-agents", "-k", "x"]) == ["run", "--capability=-agents", "-k", "x"]
    assert glue_dash_values(["--capability", "+agents"]) == ["--capability", "+agents"]
    assert glue_dash_values(["--capability=-agents"]) == ["--capability=-agents"]
    assert glue_dash_values(["--", "--capability", "-x"]) == ["--", "--capability", "-x"]
    assert glue_dash_values(["--capability"]) == ["--capability"]


@pytest.mark.parametrize("form", [("--capability", "-agents"), ("--capability=-agents",)])
def test_capability_minus_agents_works_with_iconf_run(tmp_path, form):
    with WrappedMock(_passthrough) as server:
        proc = iconf_run("--target", server.base_url, *form, "--capability", "+scripted", "--report-dir",
                         str(tmp_path), "-k", "agent_without_background or neither_model", timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = summary(tmp_path)
    skipped = [s for s in report["scenarios"] if s["outcome"] == "skipped"]
    assert skipped and all("agents" in (s.get("skip_reason") or "") for s in skipped), report["scenarios"]
    assert any(s["outcome"] == "passed" for s in report["scenarios"])


# --- test_malformed_request_rejected uses --model ---------------------------------------------------------


def _one_model(model: str):
    """A gateway that serves one model and answers 404 for any other, before looking at the rest of the body."""
    def rewrite(method, path, headers, body):
        if method == "POST" and path.endswith("/interactions"):
            try:
                sent = json.loads(body)
            except ValueError:
                sent = None
            if isinstance(sent, dict) and sent.get("model") != model:
                return 404, {"error": {"code": "not_found", "message": f"model {sent.get('model')!r} not found"}}
            if isinstance(sent, dict):
                sent["model"] = "gemini-3-flash-preview"  # what the mock behind it serves
                # and, like LiteLLM, it accepts wrong-typed flags by dropping them
                for key, kind in (("stream", bool), ("store", bool)):
                    if key in sent and not isinstance(sent[key], kind):
                        del sent[key]
                body = json.dumps(sent).encode()
        return headers, body
    return rewrite


def test_malformed_requests_name_the_configured_model(tmp_path):
    """With --model the gateway's model, wrong-typed flags reach the validation and their acceptance is caught."""
    with WrappedMock(_one_model("acme-model-1")) as server:
        proc = iconf_run("--target", server.base_url, "--model", "acme-model-1", "--report-dir", str(tmp_path),
                         "-k", "test_malformed_request_rejected", timeout=120)
    report = summary(tmp_path)
    outcomes = _outcomes(report, "test_malformed_request_rejected")
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert outcomes[next(k for k in outcomes if "store_string" in k)] == "failed", outcomes
    assert outcomes[next(k for k in outcomes if "stream_string" in k)] == "failed", outcomes
    assert outcomes[next(k for k in outcomes if "input_number" in k)] == "passed", outcomes


# --- error.bad-input.rejected: exactly 400, scripted and generated alike -----------------------------------


def _answers_422(method, path, headers, body):
    """FastAPI-style: request validation errors are 422 instead of 400."""
    if method == "POST" and path.endswith("/interactions"):
        try:
            sent = json.loads(body)
        except ValueError:
            return 422, {"error": {"code": "unprocessable", "message": "invalid JSON"}}
        if not isinstance(sent, dict) or not isinstance(sent.get("input", ""), (str, list, dict)) \
                or "store" in sent and not isinstance(sent["store"], bool):
            return 422, {"error": {"code": "unprocessable", "message": "validation error"}}
    return headers, body


def test_bad_input_rejected_means_400_in_both_scenarios(tmp_path):
    with WrappedMock(_answers_422) as server:
        proc = iconf_run("--target", server.base_url, "--report-dir", str(tmp_path), "-k",
                         "test_malformed_request_rejected or (test_generated_invalid_requests and malformed-json)",
                         timeout=240)
    report = summary(tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:]
    failed = {s["name"].split("[")[0] for s in report["scenarios"] if s["outcome"] == "failed"}
    assert failed == {"test_malformed_request_rejected", "test_generated_invalid_requests_rejected_with_4xx"}, \
        report["scenarios"]
    assert report["rule_matrix"]["error.bad-input.rejected"]["2026-05-20"]["status"] == "failed"


# --- --capability -background: no store=false + background=true in the generated forbidden cases --------


def _no_background(method, path, headers, body):
    """A server without background runs: background=true is refused with 400 whatever else the request says."""
    if method == "POST" and path.endswith("/interactions"):
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        if isinstance(sent, dict) and sent.get("background") is True:
            return 400, {"error": {"code": "invalid_request", "message": "background is not supported"}}
    return headers, body


def test_generated_forbidden_cases_respect_minus_background(tmp_path):
    seen: list[bytes] = []

    def rewrite(method, path, headers, body):
        seen.append(body)
        return _no_background(method, path, headers, body)

    with WrappedMock(rewrite) as server:
        proc = iconf_run("--target", server.base_url, "--capability", "-background", "--report-dir", str(tmp_path),
                         "-k", "test_generated_invalid_requests and forbidden", timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    both = [b for b in seen if b'"store": false' in b and b'"background": true' in b]
    assert not both, both[:3]


# --- a FlakyFailure never loses the violation ------------------------------------------------------------


def test_non_deterministic_server_keeps_the_violation(tmp_path):
    """The first wrong-typed request is accepted, every later one rejected: Hypothesis cannot reproduce the
    failure (FlakyFailure), and the scenario still fails with the rule it broke."""
    state = {"faulted": False}

    def rewrite(method, path, headers, body):
        if method == "POST" and path.endswith("/interactions") and not state["faulted"]:
            try:
                sent = json.loads(body)
            except ValueError:
                sent = None
            if isinstance(sent, dict) and "model" in sent and "input" in sent:
                if check_request(SchemaSet(get_profile("2026-05-20")), sent):
                    state["faulted"] = True  # answer it as if it were fine: 200 with an interaction
                    body = json.dumps({"model": "gemini-3-flash-preview", "input": "Hi."}).encode()
        return headers, body

    with WrappedMock(rewrite) as server:
        proc = iconf_run("--target", server.base_url, "--report-dir", str(tmp_path),
                         "-k", "test_generated_invalid_requests and wrong-type", timeout=180)
    report = summary(tmp_path)
    assert state["faulted"]
    [scenario] = [s for s in report["scenarios"] if "wrong-type" in s["nodeid"]]
    assert scenario["outcome"] == "failed", (scenario, proc.stdout[-3000:])
    assert any(v["rule_id"] == "error.bad-input.rejected" for v in scenario["violations"]), scenario
    assert "Flaky" not in json.dumps(scenario)
    assert any(f.get("check") == "not-reproduced" for f in report.get("extra_findings", []))
    assert proc.returncode == 1


# --- a scenario that skips after finding a MUST violation is a failure -------------------------------------


def test_skipped_scenario_with_a_must_violation_counts_as_failed(tmp_path):
    """Resources that break the schema, and a model that never calls the function: the scenario records the
    schema violation, then skips ("answered without calling the function"); it must fail, and be counted so."""
    def rewrite(method, path, headers, body):
        return {**headers, "x-iconf-fault": "schema.interaction.valid"}, body

    with WrappedMock(rewrite) as server:
        proc = iconf_run("--target", server.base_url, "--report-dir", str(tmp_path),
                         "-k", "test_function_call_round_trip", timeout=120)
    report = summary(tmp_path)
    [scenario] = report["scenarios"]
    assert scenario["outcome"] == "failed", scenario
    assert any(v["rule_id"] == "schema.interaction.valid" for v in scenario["violations"])
    assert proc.returncode == 1
    junit = next(tmp_path.glob("2*/junit.xml")).read_text()
    assert 'failures="1"' in junit and 'skipped="0"' in junit, junit[:600]


def test_exchange_judges_a_422_for_bad_input_as_not_400():
    """The proxy and schemathesis use check_exchange: the same one meaning there."""
    from conformance.checks import Exchange, check_exchange

    schemas = SchemaSet(get_profile("2026-05-20"))
    envelope = {"error": {"code": "invalid_request", "message": "bad"}}
    bad = {"model": "m", "input": "Hi", "store": "no"}
    found = check_exchange(schemas, Exchange("POST", "/v1beta/interactions", request_body=bad, status=422,
                                             response_body=envelope))
    assert [v.rule_id for v in found] == ["error.bad-input.rejected"]
    for status in (400, 401, 404, 429):
        assert not check_exchange(schemas, Exchange("POST", "/v1beta/interactions", request_body=bad, status=status,
                                                    response_body=envelope))
    assert [v.rule_id for v in check_exchange(schemas, Exchange(
        "POST", "/v1beta/interactions", request_raw=b"{", status=415, response_body=envelope))] == \
        ["error.bad-input.rejected"]
