"""The meaning rules (conformance.checks.meaning) beyond their pass/fail examples."""

from __future__ import annotations

import pytest

from conformance.checks.meaning import check_call_ids, check_completion_status, stream_ending_statuses
from conformance.profiles import get_profile


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_stream_ending_statuses_come_from_the_profile(revision):
    p = get_profile(revision)
    ending = stream_ending_statuses(p)
    assert {"completed", "failed", "cancelled", "incomplete", "requires_action"} <= ending
    assert {"requires_continuation", "budget_exceeded"} <= ending  # newer statuses that end a stream
    assert not ending & {"in_progress", "queued"}
    for status in sorted(ending):
        assert not check_completion_status(p, {"id": "x", "status": status})
    for status in ("in_progress", "queued"):
        if p.status.known(status):
            [v] = check_completion_status(p, {"id": "x", "status": status})
            assert v.rule_id == "stream.completion.status-final"
    assert not check_completion_status(p, {"id": "x", "status": "no-such-status"})  # lifecycle.status.known's


def test_function_results_are_not_paired_within_the_interaction():
    """A function_result answers a call of the previous interaction (it opens the next timeline)."""
    p = get_profile("2026-05-20")
    body = {"steps": [{"type": "function_result", "call_id": "call_from_before", "result": {}},
                      {"type": "model_output", "content": [{"type": "text", "text": "18 degrees."}]}]}
    assert not check_call_ids(p, body)
    mismatched = {"steps": [{"type": "code_execution_call", "id": "c1", "arguments": {}},
                            {"type": "url_context_result", "call_id": "c1", "result": []}]}
    assert [v.rule_id for v in check_call_ids(p, mismatched)] == ["timeline.result.follows-call"]
