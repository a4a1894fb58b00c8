"""Background runs: create returns at once, polling sees legal transitions, cancel semantics."""

from __future__ import annotations

import time

import pytest

from conformance.checks import behaviour
from conformance.suite.recipes import scripted

iconf = pytest.mark.iconf

def _terminal(profile):
    return lambda body: isinstance(body, dict) and (
        profile.status.is_terminal(str(body.get("status"))) or body.get("status") == "requires_action")


@iconf(area="background", rules=["background.create.in-progress", "background.poll.reaches-terminal",
                                 "lifecycle.transition.legal", "lifecycle.terminal.immutable",
                                 "lifecycle.timestamps.ordered", "lifecycle.id.stable"],
       needs=["background", "store"])
def test_background_create_poll_terminal(client, judge, revision):
    p = client.profile
    request = scripted(client.config, "delay=0.6", "Write two lines about the sea.", background=True)
    started = time.monotonic()
    body = judge.expect_ok(client.create(request), "background create")
    judge.interaction(body, op="create", request=request)
    judge.rule(behaviour.background_create_in_progress, p, body)
    for answer in client.poll(body["id"], until=_terminal(p), budget_s=client.config.poll_budget_s, interval_s=0.15):
        judge.fetch(answer, "poll")
    history = judge.history(body["id"])
    judge.rule(behaviour.background_poll_reaches_terminal, p, history, time.monotonic() - started)
    judge.fetch(client.get(body["id"]), "GET after terminal")


@iconf(area="background", rules=["cancel.running.cancelled", "lifecycle.terminal.immutable"],
       needs=["background", "store"])
def test_cancel_running_background(client, judge, revision):
    request = scripted(client.config, "delay=30", "Write a very long essay about the history of tea.",
                       background=True)
    body = judge.expect_ok(client.create(request), "background create")
    judge.interaction(body, op="create", request=request)
    if body.get("status") != "in_progress":
        pytest.skip(f"the run was already {body.get('status')!r}; nothing to cancel")
    answer = client.cancel(body["id"])
    if answer.ok:
        judge.fetch(answer, "cancel", op="cancel")
    later = client.get(body["id"])
    if later.ok:
        judge.fetch(later, "GET after cancel")
    judge.rule(behaviour.cancel_running_cancelled, answer.status, answer.body, later.body if later.ok else None)


@iconf(area="background", rules=["cancel.finished.rejected"], needs=["store"])
def test_cancel_finished_interaction_rejected(client, judge, revision):
    body = judge.expect_ok(client.create(scripted(client.config, "", "Hi.")), "create")
    answer = client.cancel(body["id"])
    judge.rule(behaviour.cancel_finished_rejected, answer.status)
    if answer.status >= 400:
        judge.error(answer, "cancel of a finished interaction")
