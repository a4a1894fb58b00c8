"""Run-level guards that keep a run against a broken target bounded: a deadline and a circuit breaker.

One :class:`RunGate` is shared by every client of a run. Every request asks it
first (:meth:`RunGate.check`); it refuses once the run's deadline (``--deadline``)
has passed or after ``threshold`` requests in a row failed at the transport
level or timed out, so the remaining scenarios end at once as "could not judge"
instead of each waiting out its own time-outs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import TargetUnresponsive

#: consecutive transport failures / time-outs that open the breaker
BREAKER_THRESHOLD = 3


class RunGate:
    def __init__(self, *, deadline_s: float | None = None, threshold: int = BREAKER_THRESHOLD,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.deadline_s = deadline_s if deadline_s and deadline_s > 0 else None
        self.deadline_at = clock() + self.deadline_s if self.deadline_s else None
        self.threshold = max(1, threshold)
        self.consecutive = 0
        self.tripped: str | None = None

    def refusal(self) -> str | None:
        """Why no more requests should be sent (None: carry on)."""
        if self.tripped:
            return self.tripped
        if self.deadline_at is not None and self._clock() >= self.deadline_at:
            return f"the run deadline passed (--deadline {self.deadline_s:g}s)"
        return None

    def check(self) -> None:
        reason = self.refusal()
        if reason:
            raise TargetUnresponsive(reason)

    def left(self) -> float | None:
        """The instant (monotonic) the run must stop by, for capping one request's deadline."""
        return self.deadline_at

    def failure(self, message: str, *, limit: bool = False) -> None:
        """A request failed at the transport level or timed out (``limit``: its answer went past a size limit)."""
        self.consecutive += 1
        if self.consecutive >= self.threshold and not self.tripped:
            what = ("target unjudgeable: {n} answers in a row went past the suite's limits" if limit
                    else "target unresponsive: {n} requests in a row failed or timed out")
            self.tripped = what.format(n=self.consecutive) + f" (last: {message})"

    def success(self) -> None:
        """A request got a complete answer."""
        self.consecutive = 0
