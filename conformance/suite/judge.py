"""The per-scenario judge: runs checks, remembers which rules were exercised, collects violations.

Scenarios never assert on rules directly; they hand observations to the
judge. The plugin turns the judge's MUST violations into a test failure
(with the evidence) and everything into the run's report, so a scenario
that checks ten rules reports all ten, not just the first that failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from ..checks import (
    ConversationState,
    Exchange,
    LifecycleTracker,
    StreamChecker,
    behaviour,
    check_error_body,
    check_exchange,
    check_json_answer,
    compare_with_resource,
)
from ..checks.meaning import check_completion_matches, check_error_code
from ..rules import RULES, Violation, violation
from ..targets import Answer, StreamAnswer, TargetClient

#: what the checks exercise, read off the checks themselves (bound with rules.covers; the proxy reads the same)
STREAM_RULES = StreamChecker.RULES
RESOURCE_RULES = check_exchange.RULES
LIFECYCLE_RULES = LifecycleTracker.RULES


class Judge:
    """Collects the verdicts of one scenario run against one target and revision."""

    def __init__(self, client: TargetClient, selected: frozenset[str] | None = None) -> None:
        self.client = client
        self.profile = client.profile
        self.schemas = client.schemas
        self.selected = selected
        self.violations: list[Violation] = []
        self.rules: list[str] = []
        self.state = ConversationState()
        self._trackers: dict[str, LifecycleTracker] = {}

    # -- bookkeeping ----------------------------------------------------------------------------

    def covers(self, *rule_ids: str) -> None:
        for rule_id in rule_ids:
            RULES[rule_id]
            if rule_id not in self.rules and self.profile.name in RULES[rule_id].revisions:
                self.rules.append(rule_id)

    def add(self, violations: Iterable[Violation], *covered: str) -> list[Violation]:
        self.covers(*covered)
        added = []
        for v in violations:
            if self.profile.name not in RULES[v.rule_id].revisions:
                continue
            if self.selected is not None and v.rule_id not in self.selected:
                continue
            self.covers(v.rule_id)
            self.violations.append(v)
            added.append(v)
        return added

    def must_failures(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "MUST"]

    def rule(self, check: Callable[..., list[Violation]], *args: Any, **kw: Any) -> list[Violation]:
        """Run a behaviour check (``judge.rule(behaviour.delete_no_trace, ...)``: the function itself, so a
        typo fails at import and go-to-definition works) and record what it found."""
        return self.add(check(*args, **kw))

    # -- common observations --------------------------------------------------------------------

    def expect_ok(self, answer: Answer | StreamAnswer, what: str, *, request: Any = None) -> Any:
        """A conforming request must succeed; otherwise record request.valid.accepted and stop the scenario.

        A successful non-streaming answer must also be readable: JSON (``schema.response.json``) and, except
        for DELETE, an object with a string ``id`` (``schema.interaction.valid``). Otherwise the scenario stops
        here with that failure, so no scenario ever indexes into a body nobody checked.
        """
        self.covers("request.valid.accepted")
        if 200 <= answer.status < 300:
            if isinstance(answer, Answer):
                self._readable(answer, what)
            return answer.body
        self.add(behaviour.valid_request_accepted(answer.status, answer.body, what=what))
        if answer.status >= 400:
            self.error(answer, what)
        pytest.fail(f"{what} was answered with HTTP {answer.status}: {str(answer.body)[:500]}", pytrace=False)

    def _readable(self, answer: Answer, what: str) -> None:
        self.add(check_json_answer(answer.content_type, answer.body_problem, has_body=bool(answer.raw),
                                   location=what), "schema.response.json")
        if answer.body_problem:
            pytest.fail(f"{what} was answered HTTP {answer.status} with a body that is not JSON: "
                        f"{answer.body_problem}", pytrace=False)
        body = answer.body
        if answer.method != "DELETE" and not (isinstance(body, Mapping) and isinstance(body.get("id"), str)):
            self.add([violation("schema.interaction.valid", f"{what}: the answer is not an interaction with an id",
                                location=what, expected="an Interaction object with a string id",
                                observed=str(body)[:200])])
            pytest.fail(f"{what} was answered HTTP {answer.status} without an interaction id; the scenario "
                        "cannot go on", pytrace=False)

    def interaction(self, body: Any, *, op: str = "get", request: Mapping | None = None, track: bool = True) -> Any:
        """A full resource from ``op`` (create, get or cancel): schema, object field, usage, revision shape, lifecycle."""
        iid = body.get("id") if isinstance(body, Mapping) else None
        method, path = {
            "create": ("POST", "/interactions"),
            "get": ("GET", f"/interactions/{iid}"),
            "cancel": ("POST", f"/interactions/{iid}/cancel"),
        }[op]
        ex = Exchange(method, path, request_body=request, status=200, response_body=body)
        self.add(check_exchange(self.schemas, ex, state=self.state), *RESOURCE_RULES)
        if track and isinstance(body, Mapping) and isinstance(iid, str):
            self.observe(body, source=f"{method} {path}")
        return body

    def fetch(self, answer: Answer, what: str, *, op: str = "get") -> Any:
        """A GET (or cancel) answer for a known id: it must succeed, conform, and be about that id."""
        body = self.expect_ok(answer, what)
        if answer.iid is not None and isinstance(body, Mapping) and body.get("id") != answer.iid:
            self.add([violation("lifecycle.id.stable", f"{what} answered about another interaction",
                                location=f"{what}/id", expected=answer.iid, observed=str(body.get("id")))])
            self.interaction(body, op=op, track=False)
            return body
        self.covers("lifecycle.id.stable")
        return self.interaction(body, op=op)

    def observe(self, body: Mapping, *, source: str = "") -> None:
        iid = body.get("id")
        if not isinstance(iid, str):
            return
        tracker = self._trackers.setdefault(iid, LifecycleTracker(self.profile))
        self.add(tracker.observe(body, source=source), *LIFECYCLE_RULES)

    def history(self, iid: str) -> list[str]:
        tracker = self._trackers.get(iid)
        return list(tracker.history) if tracker else []

    def stream(self, answer: StreamAnswer, what: str) -> Any:
        """A streaming answer: every grammar rule, then the completed interaction's lifecycle."""
        self.expect_ok(answer, what)
        result = answer.result
        assert result is not None
        self.add(result.violations, *STREAM_RULES)
        if result.completed_interaction and result.interaction_id:
            tracker = self._trackers.setdefault(result.interaction_id, LifecycleTracker(self.profile))
            self.add(tracker.observe(result.completed_interaction, source=f"{what} completion event"),
                     *LIFECYCLE_RULES)
        return result

    def matches(self, stream_items: list, resource: Mapping, where: str) -> None:
        self.add(compare_with_resource(self.profile, stream_items, resource, location=where),
                 "stream.assembly.matches-resource")

    def completion(self, result: Any, resource: Mapping, where: str) -> None:
        """The stream's completion event against a GET of the finished interaction (same status, same usage)."""
        self.add(check_completion_matches(result.completed_interaction, resource, location=where),
                 "stream.completion.matches-resource")

    def error(self, answer: Answer | StreamAnswer, where: str) -> None:
        has_body = bool(answer.raw) if isinstance(answer, Answer) else answer.body is not None
        self.add(check_json_answer(answer.content_type, answer.body_problem, has_body=has_body, location=where),
                 "schema.response.json")
        self.add(check_error_body(self.schemas, answer.status, answer.body, location=where), "error.envelope.shape")
        self.add(check_error_code(answer.status, answer.body, location=where), "error.code.matches-status")

    def rejected(self, rule_id: str, answer: Answer | StreamAnswer, what: str) -> None:
        """A request breaking ``rule_id`` must get 400 in the envelope (never 5xx)."""
        self.covers(rule_id, "error.bad-input.no-5xx")
        self.add(behaviour.rejected_with_400(rule_id, answer.status, answer.body, what=what))
        if answer.status >= 400:
            self.error(answer, what)
