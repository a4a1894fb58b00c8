"""The data contract between the scenario suite and the reports.

The suite fills in one :class:`ScenarioResult` per scenario and one
:class:`RunRecord` per run; every report (summary.json, index.html, the
terminal summary, Allure's environment) is derived from that record alone.
Keeping the contract to plain dataclasses that round-trip through
``to_dict()``/``from_dict()`` lets a report be rebuilt later from
summary.json, and keeps the writers free of pytest.

The verdict logic lives here too (:meth:`RunRecord.rule_matrix`,
:meth:`RunRecord.exit_code`), so every report and the process exit code
agree on what "failed" means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Literal

from ..rules import RULES, Rule

Outcome = Literal["passed", "failed", "skipped", "error"]
CellStatus = Literal["passed", "failed", "warned", "skipped", "inconclusive", "not-run"]

OUTCOMES: tuple[str, ...] = ("passed", "failed", "skipped", "error")
#: every matrix status, worst first (the order the reports list them in)
STATUSES: tuple[str, ...] = ("failed", "warned", "inconclusive", "skipped", "not-run", "passed")


def _known(cls: type, data: dict) -> dict:
    """The entries of ``data`` that are fields of ``cls``: older/newer summary.json files still load."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class ScenarioResult:
    """What one scenario did under one revision.

    ``rules`` lists the rule IDs the scenario checks (its coverage), whether
    or not they were violated; ``violations`` holds ``Violation.to_dict()``
    dicts. ``transcript`` is the request/response/stream text kept as
    evidence; ``area`` is a free grouping label for the scenarios table.
    """

    nodeid: str
    name: str
    revision: str
    outcome: Outcome
    duration: float
    rules: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    skip_reason: str | None = None
    transcript: str | None = None
    area: str | None = None

    def __post_init__(self) -> None:
        # accept Violation objects too, so a checker's output can be passed straight in
        self.violations = [v.to_dict() if hasattr(v, "to_dict") else v for v in self.violations]
        if self.outcome not in OUTCOMES:
            raise ValueError(f"scenario {self.nodeid!r}: outcome {self.outcome!r} is not one of {', '.join(OUTCOMES)}")

    def to_dict(self) -> dict:
        return {
            "nodeid": self.nodeid,
            "name": self.name,
            "revision": self.revision,
            "outcome": self.outcome,
            "duration": self.duration,
            "rules": list(self.rules),
            "violations": [dict(v) for v in self.violations],
            "skip_reason": self.skip_reason,
            "transcript": self.transcript,
            "area": self.area,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ScenarioResult:
        return cls(**_known(cls, data))


@dataclass
class RuleCell:
    """The verdict for one rule under one revision, with what it rests on.

    ``scenarios`` are the nodeids of the scenarios that cover the rule or
    reported a violation of it; each entry of ``violations`` is a
    ``Violation.to_dict()`` plus ``"scenario"`` (the nodeid it came from).
    """

    rule_id: str
    revision: str
    level: str
    status: CellStatus
    scenarios: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "revision": self.revision,
            "level": self.level,
            "status": self.status,
            "scenarios": list(self.scenarios),
            "violations": [dict(v) for v in self.violations],
            "skip_reasons": list(self.skip_reasons),
        }

    @classmethod
    def from_dict(cls, data: dict) -> RuleCell:
        return cls(**_known(cls, data))


def _cell(rule: Rule, revision: str, scenarios: Iterable[ScenarioResult]) -> RuleCell:
    """Judge one rule under one revision (see :meth:`RunRecord.rule_matrix` for the order of the tests)."""
    violations: list[dict] = []
    covering: list[ScenarioResult] = []
    nodeids: list[str] = []
    for scenario in scenarios:
        hits = [v for v in scenario.violations if v.get("rule_id") == rule.id]
        covers = rule.id in scenario.rules
        if covers:
            covering.append(scenario)
        if hits or covers:
            nodeids.append(scenario.nodeid)
        violations.extend({**v, "scenario": scenario.nodeid} for v in hits)

    if violations:
        # a SHOULD rule raised to MUST by the forward-compatibility policy fails its cell too
        status = "failed" if any(v.get("level", rule.level) == "MUST" for v in violations) else "warned"
    elif any(s.outcome == "passed" for s in covering):
        status = "passed"
    elif covering and all(s.outcome == "skipped" for s in covering):
        status = "skipped"
    elif covering:
        status = "inconclusive"
    else:
        status = "not-run"
    reasons: list[str] = []
    if status == "skipped":
        for s in covering:
            reason = s.skip_reason or "skipped (no reason given)"
            if reason not in reasons:
                reasons.append(reason)
    return RuleCell(rule.id, revision, rule.level, status, nodeids, violations, reasons)


def _empty_status_counts() -> dict[str, int]:
    return {status: 0 for status in ("passed", "failed", "warned", "skipped", "inconclusive", "not-run")}


@dataclass
class RunRecord:
    """Everything one run of the suite observed; the single input of every report.

    ``started``/``finished`` are ISO-8601 UTC strings; ``target`` has
    ``name``, ``kind`` and ``base_url``; ``spent`` counts what the run cost
    (``{"requests": 12}``); ``extra_findings`` are findings from tools that
    do not run as scenarios (schemathesis): ``{source, check, rule_id|None,
    message, evidence}``. ``options`` are the run's options as given and may
    hold secrets: the writers redact them (see :mod:`.redact`).
    """

    run_id: str
    started: str
    finished: str
    target: dict
    revisions: list[str]
    model: str | None
    suite_version: str
    options: dict
    scenarios: list[ScenarioResult]
    spent: dict
    extra_findings: list[dict] = field(default_factory=list)
    #: whose rules the run judges: a suite run judges a server ("server", "both"); a proxy judges both sides
    parties: tuple[str, ...] = ("server", "client", "both")

    # -- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "target": dict(self.target),
            "revisions": list(self.revisions),
            "model": self.model,
            "suite_version": self.suite_version,
            "options": dict(self.options),
            "scenarios": [s.to_dict() for s in self.scenarios],
            "spent": dict(self.spent),
            "extra_findings": [dict(f) for f in self.extra_findings],
            "parties": list(self.parties),
        }

    @classmethod
    def from_dict(cls, data: dict) -> RunRecord:
        known = _known(cls, data)
        if "parties" in known:
            known["parties"] = tuple(known["parties"])
        known["scenarios"] = [
            s if isinstance(s, ScenarioResult) else ScenarioResult.from_dict(s) for s in known.get("scenarios", [])
        ]
        return cls(**known)

    # -- verdicts -----------------------------------------------------------------------------

    @property
    def run_revisions(self) -> list[str]:
        """The run's revisions, de-duplicated, in the order given."""
        return list(dict.fromkeys(self.revisions))

    def rule_matrix(self) -> dict[str, dict[str, RuleCell]]:
        """``{rule_id: {revision: RuleCell}}`` for every catalogue rule, in catalogue order.

        A rule gets a cell for each run revision it applies to (so a rule of
        no run revision, or judging a party the run does not judge, maps to ``{}``). Only scenarios of that revision
        count. The status is the first that holds:

        * ``failed``: a scenario reported a violation of the rule and the rule is MUST;
        * ``warned``: the same for a SHOULD rule;
        * ``passed``: a scenario that lists the rule in ``rules`` passed;
        * ``skipped``: every scenario that lists the rule was skipped (reasons kept);
        * ``inconclusive``: scenarios list the rule but none passed (they failed
          or errored on something else);
        * ``not-run``: no scenario lists the rule.
        """
        by_revision: dict[str, list[ScenarioResult]] = {rev: [] for rev in self.run_revisions}
        for scenario in self.scenarios:
            if scenario.revision in by_revision:
                by_revision[scenario.revision].append(scenario)
        return {
            rule.id: {
                rev: _cell(rule, rev, by_revision[rev]) for rev in self.run_revisions
                if rev in rule.revisions and rule.party in self.parties
            }
            for rule in RULES
        }

    def cells(self) -> list[RuleCell]:
        """Every cell of :meth:`rule_matrix`, rule by rule."""
        return [cell for row in self.rule_matrix().values() for cell in row.values()]

    def counts(self) -> dict[str, dict[str, int]]:
        """Scenario outcomes and rule statuses.

        ``rules`` counts matrix cells (one per rule and revision it was
        judged under), so a rule run under two revisions counts twice.
        """
        scenarios = {outcome: 0 for outcome in OUTCOMES}
        for scenario in self.scenarios:
            scenarios[scenario.outcome] += 1
        scenarios["total"] = len(self.scenarios)
        rules = _empty_status_counts()
        cells = self.cells()
        for cell in cells:
            rules[cell.status] += 1
        rules["total"] = len(cells)
        return {"scenarios": scenarios, "rules": rules}

    def area_counts(self) -> dict[str, dict[str, int]]:
        """Cell statuses per rule area (the first dotted part of the ID), areas in catalogue order."""
        areas: dict[str, dict[str, int]] = {}
        for rule_id, row in self.rule_matrix().items():
            area = RULES[rule_id].area
            counts = areas.setdefault(area, _empty_status_counts())
            for cell in row.values():
                counts[cell.status] += 1
        return areas

    def must_failed(self) -> list[str]:
        """IDs of the MUST rules that failed under at least one revision, in catalogue order."""
        return [
            rule_id for rule_id, row in self.rule_matrix().items()
            if any(cell.status == "failed" for cell in row.values())
        ]

    def errored(self) -> list[str]:
        """Nodeids of the scenarios whose outcome is ``error`` (the suite itself broke)."""
        return [s.nodeid for s in self.scenarios if s.outcome == "error"]

    def exit_code(self) -> int:
        """0 when no MUST rule failed and no scenario errored, else 1 (the CLI's contract)."""
        return 1 if self.must_failed() or self.errored() else 0

    def secrets(self) -> list[str]:
        """Values of options whose name looks secret (see :func:`.redact.secrets_from_options`)."""
        from .redact import secrets_from_options

        return secrets_from_options(self.options)

