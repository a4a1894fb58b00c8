"""Streaming: the event grammar on every stream, resume from last_event_id, parameter rules."""

from __future__ import annotations

import pytest

from conformance.checks.resume import check_resume
from conformance.suite.judge import STREAM_RULES
from conformance.suite.recipes import scripted

iconf = pytest.mark.iconf


@iconf(area="stream", rules=list(STREAM_RULES))
def test_stream_grammar_text(client, judge, revision):
    """A plain streamed answer follows the revision's event grammar."""
    request = scripted(client.config, "thought, chunks=5", "Tell me a short story about a lighthouse.")
    judge.stream(client.create_stream(request), "streamed create")


@iconf(area="stream", rules=["stream.event-id.resumable"], needs=["resume", "store"])
def test_stream_resume_from_last_event_id(client, judge, revision):
    """GET ?stream=true&last_event_id=X replays exactly the events after X."""
    request = scripted(client.config, "thought, chunks=4", "Explain tides in three sentences.")
    first = judge.stream(client.create_stream(request), "streamed create")
    events = first.kept_events
    ids = [e.get("event_id") for e in events if isinstance(e.get("event_id"), str)]
    if len(ids) < 3 or not first.interaction_id:
        pytest.skip(f"the stream carried {len(ids)} event ids; resume needs at least 3")
    cut = ids[len(ids) // 2]
    resumed = judge.stream(client.get_stream(first.interaction_id, last_event_id=cut), "resumed stream")
    judge.add(check_resume(events, cut, resumed.kept_events), "stream.event-id.resumable")


@iconf(area="stream", rules=["request.last-event-id.needs-stream"], needs=["store"])
def test_last_event_id_without_stream_rejected(client, judge, revision):
    """last_event_id without stream=true is a bad request."""
    body = judge.expect_ok(client.create(scripted(client.config, "", "Hi.")), "create")
    answer = client.get(body["id"], last_event_id="1")
    judge.rejected("request.last-event-id.needs-stream", answer, "GET with last_event_id and no stream")


@iconf(area="stream", rules=["stream.terminal.exactly-one"], needs=["scripted"])
def test_failed_run_streams_an_error_event(client, judge, revision):
    """A run that fails ends its stream with one error event (or a failed completion), nothing after."""
    result = judge.stream(client.create_stream(scripted(client.config, "fail", "Fail, please.")), "failing stream")
    assert result.terminal is not None, "the failing run's stream ended without a terminal event"
