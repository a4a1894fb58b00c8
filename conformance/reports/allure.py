"""Allure labels and attachments for one scenario: one Allure result per scenario, rules as labels and tags.

allure-pytest writes one result per test; this module only decorates it,
while the test is still running, so Allure's Behaviors tab counts each
scenario once (the same counts as junit.xml and the HTML scenarios table):

* epic = the scenario's rule area (``stream``, ``store``, ...),
* feature = the scenario (the test function),
* story = the revision it ran under,
* one ``rule`` label and one tag per rule the scenario covers (filterable in
  Allure's UI; the statements are in docs/rules.md),
* the violations (one line each, :meth:`Violation.format`) and, for failures,
  the request/response/stream transcript as attachments.

Per-rule verdicts (passed, failed, inconclusive, ...) are the HTML
matrix's job: Allure judges tests, not rules.
"""

from __future__ import annotations

from ..rules import RULES, Violation
from .model import ScenarioResult


def epic(result: ScenarioResult) -> str:
    """The scenario's rule area: its marker's area when that is a rule area, else its first rule's area."""
    areas = {rule.area for rule in RULES}
    if result.area in areas:
        return str(result.area)
    for rule_id in result.rules:
        if rule_id in RULES:
            return RULES[rule_id].area
    return result.area or "general"


def violations_text(violations: list[dict]) -> str:
    return "\n".join(Violation.from_dict(v).format() for v in violations)


def label(result: ScenarioResult, scenario: str) -> bool:
    """Decorate the running test's Allure result; False when allure-pytest is not active. Never raises."""
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dependency, but a report is never a reason to fail
        return False
    try:
        allure.dynamic.epic(epic(result))
        allure.dynamic.feature(scenario)
        allure.dynamic.story(result.revision)
        for rule_id in result.rules:
            allure.dynamic.label("rule", rule_id)
            allure.dynamic.tag(rule_id)
        if result.outcome in ("failed", "error") and result.transcript:
            allure.attach(result.transcript, name="request/response/stream transcript",
                          attachment_type=allure.attachment_type.TEXT)
        if result.violations:
            allure.attach(violations_text(result.violations), name="violations",
                          attachment_type=allure.attachment_type.TEXT)
    except Exception:  # noqa: BLE001 - allure is a report, never a reason to lose the verdict
        return False
    return True
