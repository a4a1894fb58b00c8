"""Property-based and negative testing: requests drawn from the profile schema (see ``conformance.suite.strategies``).

* Every generated valid request is accepted and answered with a conforming
  interaction; streamed, with a conforming stream.
* Every generated invalid request (wrong types, no input, forbidden
  combinations, malformed JSON, oversized numbers) gets a 4xx in the error
  envelope: never a 2xx, a 5xx or no answer.

Each property records its findings in the judge, and an example that adds a
MUST violation raises AssertionError from inside the ``@given`` function so
Hypothesis shrinks it; only the minimal failing example's violations and
transcript stay in the report. Example counts come from the loaded
Hypothesis profile (``--iconf-hypothesis-profile``; quick = 15).

Servers are not deterministic (the live API, a mock with random data): an
example that failed may pass when Hypothesis replays it, and Hypothesis then
raises ``FlakyFailure`` instead of reporting the failure. What the server did
is still a fact, so :meth:`ExampleLog.run` keeps the violations and the
transcript of the last failing example and reports them as found (with an
extra finding saying the target did not repeat itself) instead of losing
them to an error.

Each property has a time budget once it has found a failure
(``--property-budget``, see ``conformance.suite.property_budget``). Against a
target that fails every example Hypothesis would shrink for minutes; once the
budget is spent the body sends nothing and passes, Hypothesis stops, and the
smallest failing example found so far is reported through the same path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis.errors import Flaky

from conformance.checks.behaviour import valid_request_accepted
from conformance.suite.property_budget import PropertyBudget
from conformance.suite.strategies import (
    INVALID_KINDS,
    BadRequest,
    invalid_create_requests,
    run_settings,
    semantic_excuse,
    valid_create_requests,
)
from conformance.targets import TargetError

iconf = pytest.mark.iconf

#: rules the negative property judges (the semantic ones: only those its strategy draws for the target)
NEGATIVE_RULES = ["error.bad-input.rejected", "error.bad-input.no-5xx", "error.envelope.shape",
                  "request.input.required", "request.model-xor-agent", "request.store-false.no-background",
                  "request.config.matches-kind", "request.last-event-id.needs-stream", "request.agent.background"]


class ExampleLog:
    """Keeps the judge's record to the examples that count.

    Hypothesis runs the body many times (generation, shrinking, the final
    replay of the minimal failing example). Every example starts from the
    findings of the passing examples before it; a passing example keeps its
    SHOULD findings (once each); a failing one raises, and the last failing
    one run is the minimal example Hypothesis reports.
    """

    def __init__(self, judge, client, iconf_run) -> None:
        self.judge, self.client, self.iconf_run = judge, client, iconf_run
        self.budget = PropertyBudget(iconf_run.options["property_budget"])
        self.kept = list(judge.violations)
        #: the last failing example's violations and transcript (what a flaky replay would lose)
        self.found: tuple[list, list[str]] | None = None
        #: a transport failure, time-out or limit: the target could not be judged (an error, never a rule failure)
        self.unjudged: TargetError | None = None

    def could_not_judge(self, exc: TargetError) -> None:
        """Remember why an example got no answer; the remaining examples are skipped and the scenario errors."""
        if self.unjudged is None:
            self.unjudged = exc

    def skip_example(self) -> bool:
        """True when this example is not sent: the target stopped answering, or the scenario's budget is spent."""
        return self.unjudged is not None or not self.budget.allows()

    @contextlib.contextmanager
    def example(self) -> Iterator[None]:
        self.judge.violations[:] = self.kept
        del self.client.transcript[:]  # the evidence of a failure is its own exchange only
        yield
        new = self.judge.violations[len(self.kept):]
        must = [v for v in new if v.level == "MUST"]
        if must:
            self.budget.start()
            self.found = (list(self.judge.violations), list(self.client.transcript))
            raise AssertionError("; ".join(str(v) for v in must))
        seen = {(v.rule_id, v.message, v.location) for v in self.kept}
        for v in new:
            if (v.rule_id, v.message, v.location) not in seen:
                seen.add((v.rule_id, v.message, v.location))
                self.kept.append(v)

    def run(self, generated) -> None:
        """Run the ``@given`` test; a failure Hypothesis could not reproduce is still reported, as found."""
        try:
            generated()
        except Flaky as exc:
            if self.found is None:
                raise
            violations, transcript = self.found
            self.judge.violations[:] = violations
            self.client.transcript[:] = transcript
            if not self.budget.spent:  # (a spent budget replays as a pass too: its own finding says so below)
                finding = {"source": "hypothesis", "check": "not-reproduced", "rule_id": None,
                           "message": "a failing example passed when Hypothesis replayed it (the target is not "
                                      "deterministic); the violations it showed are reported as found",
                           "evidence": {"revision": self.client.profile.name,
                                        "hypothesis": str(exc).splitlines()[0]}}
                self.iconf_run.extra_findings.append(finding)
        if self.budget.spent:
            what = "shrinking a failing example" if self.found is not None else "generating examples"
            self.iconf_run.extra_findings.append(self.budget.finding("hypothesis", self.client.profile.name, what))
        if self.unjudged is not None:
            raise self.unjudged  # not a verdict: the scenario errors with the reason (could not judge)

    def excused(self, check: str, what: str, reason: str, request) -> None:
        """A 4xx the strategy could not rule out: not a failure, but shown in the report."""
        finding = {"source": "hypothesis", "check": check, "rule_id": None, "message": f"{what}: {reason}",
                   "evidence": {"request": request, "revision": self.client.profile.name}}
        if finding not in self.iconf_run.extra_findings:
            self.iconf_run.extra_findings.append(finding)


def _accepted(judge, log: ExampleLog, request: dict, answer, what: str) -> bool:
    """True when a generated valid request was accepted; otherwise judge the refusal."""
    judge.covers("request.valid.accepted")
    if 200 <= answer.status < 300:
        return True
    reason = semantic_excuse(request, answer.status, answer.body)
    if reason is not None:
        log.excused("semantic-excuse", what, reason, request)
    else:
        judge.add(valid_request_accepted(answer.status, answer.body, what=what))
    if answer.status >= 400:
        judge.error(answer, what)
    return False


def _within_capabilities(client, request: dict) -> dict:
    """The request without what the user denied the target (--capability -background: no background=true)."""
    if "background" not in client.config.capabilities and "background" in request:
        return {k: v for k, v in request.items() if k != "background"}
    return request


# markers name the rules each property is about (``--rules`` selects by them); the judge records whatever
# else the resource and stream checks find
@iconf(area="request", rules=["request.valid.accepted", "schema.interaction.valid"])
def test_generated_valid_requests_answered_with_conforming_interactions(client, judge, revision, iconf_run):
    """Any request drawn from the schema (model variant, narrowed to what a server can answer) is accepted,
    and the answer is a conforming interaction."""
    log = ExampleLog(judge, client, iconf_run)

    @run_settings(client.config.max_requests, "valid")
    @given(request=valid_create_requests(client.schemas, client.config.model))
    def generated(request: dict) -> None:
        if log.skip_example():
            return  # the target already failed to answer, or the budget is spent: the examples left are not sent
        request = _within_capabilities(client, request)
        with log.example():
            what = "a generated valid create request"
            try:
                answer = client.create(request)
            except TargetError as exc:
                log.could_not_judge(exc)
                return
            if _accepted(judge, log, request, answer, what):
                judge.interaction(answer.body, op="create", request=request)

    log.run(generated)


@iconf(area="stream", rules=["request.valid.accepted", "schema.event.valid", "stream.terminal.exactly-one"])
def test_generated_valid_requests_stream_conforming_events(client, judge, revision, iconf_run):
    """The same requests, streamed: accepted, and the stream follows the revision's event grammar."""
    log = ExampleLog(judge, client, iconf_run)

    @run_settings(client.config.max_requests, "valid-stream")
    @given(request=valid_create_requests(client.schemas, client.config.model))
    def generated(request: dict) -> None:
        if log.skip_example():
            return  # the target already failed to answer, or the budget is spent: the examples left are not sent
        request = _within_capabilities(client, request)
        with log.example():
            what = "a generated valid streamed create request"
            try:
                answer = client.create_stream(request)
            except TargetError as exc:
                log.could_not_judge(exc)
                return
            if _accepted(judge, log, {**request, "stream": True}, answer, what):
                judge.stream(answer, what)

    log.run(generated)


def _judge_rejection(judge, bad: BadRequest, answer) -> None:
    """Exactly 400 in the envelope, for schema breaks and semantic rules alike (rule error.bad-input.rejected)."""
    judge.rejected(bad.rule_id, answer, f"{bad.kind} request ({bad.what})")


@iconf(area="error", rules=NEGATIVE_RULES)
@pytest.mark.parametrize("kind", INVALID_KINDS)
def test_generated_invalid_requests_rejected_with_4xx(client, judge, revision, iconf_run, kind):
    """Requests that break the schema or a semantic rule get a 4xx Google error envelope: never 2xx, 5xx or a hang."""
    caps = client.config.capabilities
    agent = client.config.agent if "agents" in caps else None
    log = ExampleLog(judge, client, iconf_run)
    stored: list[str] = []

    def stored_id() -> str:
        if not stored:
            answer = client.create({"model": client.config.model, "input": "Say hello."})
            judge.expect_ok(answer, "create (for the GET parameter cases)")
            stored.append(answer.body["id"])
        return stored[0]

    strategy = invalid_create_requests(client.schemas, client.config.model, agent, stored="store" in caps,
                                       background="background" in caps, kind=kind)
    if strategy.is_empty:
        pytest.skip(f"the {client.profile.name} document declares nothing to draw {kind} requests from")

    @run_settings(client.config.max_requests, f"invalid-{kind}")
    @given(bad=strategy)
    def generated(bad: BadRequest) -> None:
        if log.skip_example():
            return  # the target already failed to answer, or the budget is spent: the examples left are not sent
        with log.example():
            try:
                if bad.query is not None:
                    answer = client.request("GET", f"/{stored_id()}", params=bad.query)
                else:
                    answer = client.request("POST", raw=bad.content())
            except TargetError as exc:
                log.could_not_judge(exc)
                return
            _judge_rejection(judge, bad, answer)

    log.run(generated)
