"""Against a server without the mock's directives, scenarios are asked the way a real model is asked, and skip only
when the user denied the capability or the server's own answer says it lacks the feature (issue 9, item 7)."""

from __future__ import annotations

import json

import pytest

from conformance.suite.recipes import target_lacks
from conformance.targets import Answer
from tests.suite.servers import WrappedMock, iconf_run, real_model_like, skipped_scenarios, summary

FAST = "not properties and not schemathesis"
#: what still skips on a directive-less server, and why (none of it is a feature the server could show)
ALLOWED = ("lacks capability scripted", "lacks capability auth", "without iconf directives", "has capability legacy",
           "belong to the legacy revision", "has no 'turns' input form")


@pytest.mark.slow
def test_directive_less_server_runs_the_natural_paths(tmp_path):
    """29 of 65 scenarios skipped here before (tools, agents, multimodal off; no tool_choice, thinking or
    modalities); now only what needs directives, a key, or the other revision."""
    with WrappedMock(real_model_like) as server:
        proc = iconf_run("--target", server.base_url, "--report-dir", str(tmp_path), "-k", FAST, timeout=600)
    report = summary(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    skipped = skipped_scenarios(report)
    assert all(any(a in why for a in ALLOWED) for why in skipped.values()), skipped
    # 12 of 65 at the time of writing (was 29); scenarios added later that need directives add to it
    assert len([why for why in skipped.values() if "lacks capability scripted" not in why]) <= 10, skipped
    passed = {s["name"] for s in report["scenarios"] if s["outcome"] == "passed"}
    for name in ("test_output_kind[2026-05-20-function_call]", "test_output_kind[2026-05-20-thought]",
                 "test_output_kind[2026-05-20-google_search]", "test_output_kind[2026-05-20-image]",
                 "test_output_kind[2026-05-20-cite]", "test_function_call_round_trip[2026-05-20]",
                 "test_agent_with_background_runs[2026-05-20]", "test_input_form[2026-05-20-image_inline]"):
        assert name in passed, (name, skipped)


def _no_agents(method, path, headers, body):
    if method == "POST" and path.endswith("/interactions"):
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if isinstance(request, dict) and "agent" in request:
            return 400, {"error": {"code": "invalid_request",
                                   "message": f"agent {request['agent']!r} is not supported on this server"}}
    return real_model_like(method, path, headers, body)


def test_a_server_that_says_it_has_no_agents_skips_them_with_its_answer(tmp_path):
    with WrappedMock(_no_agents) as server:
        proc = iconf_run("--target", server.base_url, "--report-dir", str(tmp_path), "-k", "agent", timeout=300)
    report = summary(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    skipped = skipped_scenarios(report)
    assert len(skipped) == 4, report["scenarios"]
    assert all("says it lacks agents" in why and "is not supported" in why for why in skipped.values()), skipped


def test_the_user_denies_a_capability(tmp_path):
    with WrappedMock(real_model_like) as server:
        iconf_run("--target", server.base_url, "--capability", "-tools", "--report-dir", str(tmp_path),
                  "-k", "test_output_kind and google_search", timeout=120)
    [why] = skipped_scenarios(summary(tmp_path)).values()
    assert "lacks the 'tools' capability" in why


def _answer(status, message):
    return Answer(status=status, headers={}, body={"error": {"code": "x", "message": message}}, raw=b"", elapsed_s=0)


def test_target_lacks_reads_the_refusal():
    assert target_lacks(_answer(400, "Tool google_search is not supported"), "tools", ("tool",))
    assert target_lacks(_answer(404, "Unknown agent deep-research"), "agents", ("agent",))
    assert not target_lacks(_answer(400, "store must be a boolean"), "tools", ("tool",))  # about something else
    assert not target_lacks(_answer(401, "unknown API key for agent"), "agents", ("agent",))  # auth never counts
    assert not target_lacks(_answer(200, "unsupported agent"), "agents", ("agent",))
