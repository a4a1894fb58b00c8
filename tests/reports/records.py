"""Synthetic RunRecords for the report tests, built from real Violation dicts."""

from __future__ import annotations

from conformance.reports import RunRecord, ScenarioResult
from conformance.rules import violation

REVS = ["2026-05-20", "legacy"]
API_KEY = "AKtest-0123456789-SECRET-abcdef"
TOKEN = "tok-nested-987654321"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def scenario(nodeid: str, outcome: str, rules: list[str], *, revision: str = "2026-05-20",
             violations: list[dict] | None = None, **kw) -> ScenarioResult:
    return ScenarioResult(nodeid=nodeid, name=nodeid.rsplit("::", 1)[-1], revision=revision, outcome=outcome,
                          duration=0.25, rules=rules, violations=violations or [], **kw)


def record(scenarios: list[ScenarioResult], *, revisions: list[str] | None = None, options: dict | None = None,
           extra_findings: list[dict] | None = None, target: str = "mock") -> RunRecord:
    return RunRecord(
        run_id="20261121T051200Z-mock",
        started="2026-11-21T05:12:00Z",
        finished="2026-11-21T05:13:05Z",
        target={"name": target, "kind": "mock", "base_url": "http://127.0.0.1:8765/v1beta"},
        revisions=revisions or list(REVS),
        model="gemini-3-flash-preview",
        suite_version="0.1.0",
        options=options if options is not None else {},
        scenarios=scenarios,
        spent={"requests": 12},
        extra_findings=extra_findings or [],
    )


def mixed_record() -> RunRecord:
    """One record exercising every matrix status, a secret in the options and hostile evidence.

    Expected cells (2026-05-20 / legacy):
      schema.interaction.valid        passed / passed
      stream.terminal.exactly-one     failed / not-run     (MUST violation, evidence with HTML)
      stream.order.created-first      inconclusive / not-run (covered only by a failed scenario)
      usage.totals.add-up             warned / not-run     (SHOULD violation in a passed scenario)
      background.create.in-progress   not-run / skipped
      cancel.running.cancelled        not-run / inconclusive (covering scenario errored)
      timeline.post.model-only        not-run / (no cell: 2026-05-20 only)
    """
    failed = violation(
        "stream.terminal.exactly-one", f"two terminal events {HOSTILE}", location="event[7]",
        expected="exactly one terminal event", observed="interaction.complete, <error>",
        evidence={"event": {"event_type": "error", "text": HOSTILE}, "auth": f"x-goog-api-key: {API_KEY}"},
    ).to_dict()
    warned = violation("usage.totals.add-up", "total_tokens 10 != 4 + 5", location="/usage",
                       expected="9", observed="10", evidence={"usage": {"total_tokens": 10}}).to_dict()
    scenarios = [
        scenario("tests/suite/test_basic.py::test_create[2026-05-20]", "passed",
                 ["schema.interaction.valid", "lifecycle.status.known"]),
        scenario("tests/suite/test_stream.py::test_stream[2026-05-20]", "failed",
                 ["stream.terminal.exactly-one", "stream.order.created-first"], violations=[failed],
                 transcript=f"POST /v1beta/interactions?key={API_KEY}\n< {HOSTILE}\nbearer {TOKEN}"),
        scenario("tests/suite/test_usage.py::test_usage[2026-05-20]", "passed", ["usage.totals.add-up"],
                 violations=[warned]),
        scenario("tests/suite/test_background.py::test_bg[legacy]", "skipped", ["background.create.in-progress"],
                 revision="legacy", skip_reason="target does not support background runs"),
        scenario("tests/suite/test_cancel.py::test_cancel[legacy]", "error", ["cancel.running.cancelled"],
                 revision="legacy"),
        scenario("tests/suite/test_basic.py::test_create[legacy]", "passed", ["schema.interaction.valid"],
                 revision="legacy"),
    ]
    return record(
        scenarios,
        options={"api_key": API_KEY, "auth": {"bearer_token": TOKEN}, "timeout": 30, "rules": ["stream.*"]},
        extra_findings=[{"source": "schemathesis", "check": "not_a_server_error", "rule_id": "error.bad-input.no-5xx",
                         "message": f"500 on {HOSTILE}", "evidence": {"status": 500}}],
    )
