"""The time budget of one property scenario (``--property-budget``): a wait that has a deadline.

Hypothesis shrinks a failing example by running the test body again and
again; against a broken target every run fails, and Hypothesis's own cap on
shrinking is five minutes per scenario. A run against such a target must end
within minutes, so once a property scenario has found its first failure it
has a budget of seconds left. When that is spent, the body sends nothing more
and returns at once: the examples left (shrinking, the final replay) pass in
microseconds, Hypothesis stops, and the scenario reports the violations of
the smallest failing example it had found so far (through the same path as a
failure the target did not repeat, so no violation is lost).

The clock starts at the first failure, not the first example: against a
target that passes (the mock, the committed cassettes) the budget never
starts, so what a scenario sends does not depend on how fast the machine is
and the cassettes still match. A slow target that passes is bounded by the
example count times the request time-outs, the circuit breaker and the run
deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class PropertyBudget:
    """Seconds one property scenario may go on sending examples after its first failure; once spent, it stays spent."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._started: float | None = None
        self._spent = False
        #: examples sent before the budget ran out / bodies run (not sent) after
        self.sent = 0
        self.not_sent = 0

    def start(self) -> None:
        """The scenario found a failure: the clock starts now (later calls change nothing)."""
        if self._started is None:
            self._started = self._clock()

    def allows(self) -> bool:
        """True when one more example may be sent; counts either way."""
        if not self._spent and self._started is not None and self._clock() - self._started >= self.seconds:
            self._spent = True
        if self._spent:
            self.not_sent += 1
            return False
        self.sent += 1
        return True

    @property
    def spent(self) -> bool:
        return self._spent

    def finding(self, source: str, revision: str, what: str) -> dict:
        """The report's note that the budget cut the scenario short (an extra finding, not a rule failure)."""
        return {"source": source, "check": "budget-spent", "rule_id": None,
                "message": f"{what}: the property budget (--property-budget {self.seconds:g}s) ran out after "
                           f"{self.sent} examples (it starts at the first failure); the rest were not sent (raise the budget to try more)",
                "evidence": {"revision": revision, "budget_s": self.seconds, "examples_sent": self.sent}}
