"""The status machine applied to successive observations of one interaction.

Feed each observation (a GET answer, a cancel answer, a stream's completion
event) to :meth:`LifecycleTracker.observe`; it remembers only the previous
one, so polling forever costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..profiles import Profile
from ..rules import Violation, covers, violation
from .payload import status_violations

__all__ = ["LifecycleTracker", "parse_time"]


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp as a datetime, or None when absent or unparsable (the schema reports that)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@covers("lifecycle.transition.legal", "lifecycle.terminal.immutable", "lifecycle.timestamps.ordered",
        "lifecycle.id.stable", "lifecycle.status.known")
class LifecycleTracker:
    """Judges each new observation of one interaction against the one before."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.observations = 0
        self._id: str | None = None
        self._status: str | None = None
        self._created: datetime | None = None
        self._created_raw: str | None = None
        self._updated: datetime | None = None
        self.history: list[str] = []

    @property
    def status(self) -> str | None:
        return self._status

    def observe(self, interaction: Mapping, *, source: str = "") -> list[Violation]:
        self.observations += 1
        where = source or f"observation[{self.observations - 1}]"
        out: list[Violation] = []
        machine = self.profile.status
        iid = interaction.get("id")
        if isinstance(iid, str):
            if self._id is not None and iid != self._id:
                out.append(violation("lifecycle.id.stable", "the interaction's id changed", location=f"{where}/id",
                                     expected=self._id, observed=iid))
            self._id = self._id or iid
        status = interaction.get("status")
        if isinstance(status, str):
            if not machine.known(status):
                out += status_violations(self.profile, status, location=f"{where}/status")
            elif self._status is not None and status != self._status:
                if machine.is_terminal(self._status):
                    out.append(violation(
                        "lifecycle.terminal.immutable", f"terminal status {self._status!r} changed to {status!r}",
                        location=f"{where}/status", expected=self._status, observed=status,
                        evidence={"history": " -> ".join(self.history + [status])}))
                elif not machine.legal(self._status, status):
                    out.append(violation(
                        "lifecycle.transition.legal", f"illegal move {self._status!r} -> {status!r}",
                        location=f"{where}/status", expected=f"one of {sorted(machine.transitions.get(self._status, ()))}",
                        observed=status, evidence={"history": " -> ".join(self.history + [status])}))
            if machine.known(status) and not (self._status is not None and machine.is_terminal(self._status)):
                self._status = status
            if not self.history or self.history[-1] != status:
                self.history.append(status)
        out += self._timestamps(interaction, where)
        return out

    def _timestamps(self, interaction: Mapping, where: str) -> list[Violation]:
        out: list[Violation] = []
        created, updated = parse_time(interaction.get("created")), parse_time(interaction.get("updated"))
        if created and updated and updated < created:
            out.append(violation("lifecycle.timestamps.ordered", "updated is earlier than created",
                                 location=f"{where}/updated", expected=f">= {interaction.get('created')}",
                                 observed=str(interaction.get("updated"))))
        if created:
            if self._created is not None and created != self._created:
                out.append(violation("lifecycle.timestamps.ordered", "created changed between observations",
                                     location=f"{where}/created", expected=str(self._created_raw),
                                     observed=str(interaction.get("created"))))
            if self._created is None:
                self._created, self._created_raw = created, interaction.get("created")
        if updated:
            if self._updated is not None and updated < self._updated:
                out.append(violation("lifecycle.timestamps.ordered", "updated went back in time",
                                     location=f"{where}/updated", expected=f">= {self._updated.isoformat()}",
                                     observed=str(interaction.get("updated"))))
            else:
                self._updated = updated
        return out
