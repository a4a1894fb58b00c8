"""The property budget: once spent it stays spent, and it stops Hypothesis's shrinking without losing the failure."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from conformance.suite.hypothesis_profiles import BUDGET_S, NAMES
from conformance.suite.options import OPTIONS
from conformance.suite.property_budget import PropertyBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_counts_from_the_first_failure_and_stays_spent():
    clock = FakeClock()
    budget = PropertyBudget(10.0, clock=clock)
    clock.now = 5000.0  # a passing scenario is never cut short, however long it takes
    assert budget.allows() and budget.allows() and not budget.spent
    budget.start()
    clock.now = 5009.9
    budget.start()  # a later failure does not restart the clock
    assert budget.allows() and not budget.spent
    clock.now = 5010.0
    assert not budget.allows() and budget.spent
    clock.now = 0.0  # a clock that went back does not revive it
    assert not budget.allows()
    assert (budget.sent, budget.not_sent) == (3, 2)
    finding = budget.finding("hypothesis", "2026-05-20", "shrinking a failing example")
    assert finding["check"] == "budget-spent" and finding["rule_id"] is None
    assert "--property-budget 10s" in finding["message"] and "after 3 examples" in finding["message"]


def test_every_profile_has_a_budget_and_the_option_is_in_the_one_table():
    assert set(BUDGET_S) == set(NAMES) and all(s > 0 for s in BUDGET_S.values())
    assert "property-budget" in {o.name for o in OPTIONS}


def test_a_spent_budget_ends_shrinking_and_keeps_the_failure_for_the_flaky_path():
    """Against a target that fails every example, the body stops sending once the budget is spent; Hypothesis
    then stops (its replay of the smallest failure passes) and raises Flaky, which the scenarios turn into
    the violations they found (ExampleLog.run)."""
    clock = FakeClock()
    budget = PropertyBudget(5.0, clock=clock)
    sent: list[list] = []

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.dictionaries(st.text(), st.integers()), min_size=3))
    def always_fails(value: list) -> None:
        if not budget.allows():
            return  # nothing sent: passes at once
        sent.append(value)
        clock.now += 1.0  # each example "takes" a second
        budget.start()  # as ExampleLog.example does on a MUST violation
        raise AssertionError("the target broke a MUST rule")

    with pytest.raises(Flaky):
        always_fails()
    assert len(sent) == 6 == budget.sent  # the first failure, then five one-second examples fit in the budget
    assert budget.spent and budget.not_sent >= 1
