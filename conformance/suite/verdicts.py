"""A scenario's outcome: from pytest's report and the judge's violations to a :class:`ScenarioResult`.

Pytest knows whether the test function raised; the judge knows which
rules were violated. The two are combined here, once, so the terminal,
junit.xml, Allure and summary.json all see the same outcome:

* MUST violations recorded by the judge fail a scenario that otherwise passed;
* running out of the request budget skips it (with the reason), unless MUST
  rules had already failed: a spent budget says nothing about the target;
  likewise a scenario that skipped after finding a MUST violation fails;
* a failing set-up (a fixture broke) or an unexpected exception is an
  ``error``, not a verdict; an assertion or ``pytest.fail`` is a failure.

The failure text kept in pytest's report is short (one line per violation,
:meth:`Violation.format`); the full evidence goes to the reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..reports import ScenarioResult

#: violations listed in a failed scenario's terminal text before "... and N more"
MAX_LINES = 5
#: width of one violation line in the terminal (the report has the whole text)
LINE_WIDTH = 160
_SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"


def _budget_spent(excinfo: Any) -> bool:
    from ..targets import BudgetExhausted

    return excinfo is not None and excinfo.errisinstance(BudgetExhausted)


def _skipped(excinfo: Any) -> bool:
    return excinfo.errisinstance(pytest.skip.Exception) or _budget_spent(excinfo)


def failure_text(violations: list, report_hint: str | None = None) -> str:
    """What a scenario's MUST failures look like in the terminal: rule, one line, where."""
    lines = [f"  {v.format(level=False, evidence=False, width=LINE_WIDTH)}" for v in violations[:MAX_LINES]]
    if len(violations) > MAX_LINES:
        lines.append(f"  ... and {len(violations) - MAX_LINES} more")
    hint = f"\n  evidence (expected/observed, transcript): {report_hint}" if report_hint else ""
    return "MUST rules failed:\n" + "\n".join(lines) + hint


def adjust_report(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, judge: Any,
                  report_hint: str | None = None) -> None:
    """Rewrite pytest's call report so its outcome is the conformance verdict (see the module docstring)."""
    if report.when != "call":
        return
    must = judge.must_failures() if judge is not None else []
    if _budget_spent(call.excinfo) and not must:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
        return
    if must and (report.passed or report.skipped or _budget_spent(call.excinfo)):
        # a scenario that skipped after finding a MUST violation (the target stopped cooperating half-way)
        # still found it: it fails, and is counted as failed
        skipped = skip_reason(report) if report.skipped else None
        report.outcome = "failed"
        report.longrepr = failure_text(must, report_hint) + (f"\n  (the scenario then skipped: {skipped})"
                                                             if skipped else "")


def finished(report: pytest.TestReport) -> bool:
    """Whether this phase's report settles the scenario (its call, or a set-up that did not pass)."""
    return report.when == "call" or (report.when == "setup" and not report.passed)


def classify(report: pytest.TestReport, call: pytest.CallInfo, judge: Any) -> tuple[str, str | None]:
    """``(outcome, reason)``: passed, failed, skipped (reason) or error (reason)."""
    if report.skipped:
        return "skipped", skip_reason(report)
    if report.when == "setup":  # a fixture broke: not a verdict about the target
        return "error", str(call.excinfo.value)[:1000] if call.excinfo is not None else "set-up failed"
    if report.passed:
        return "passed", None
    if judge is not None and judge.must_failures() and (call.excinfo is None or _skipped(call.excinfo)):
        return "failed", None
    if call.excinfo is not None and call.excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
        return "failed", None
    return "error", str(call.excinfo.value)[:1000] if call.excinfo is not None else None


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def scenario_id(item: pytest.Item) -> str:
    """The scenario's ID as users see it: ``scenarios/test_streaming.py::test_x[2026-05-20-text]``.

    Pytest's node ID is relative to the rootdir, which for an installed
    package reads ``../.venv/lib/python3.x/site-packages/...``; the path
    below the scenarios package is what a user recognises (and can pass to ``-k``).
    """
    path = Path(str(item.path)).resolve()
    try:
        rel = path.relative_to(_SCENARIOS_DIR)
    except ValueError:
        return item.nodeid
    return f"scenarios/{rel.as_posix()}::{item.name}"


def scenario_result(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, judge: Any,
                    client: Any) -> ScenarioResult:
    """The scenario as the reports record it."""
    marker = item.get_closest_marker("iconf")
    revision = item.callspec.params.get("revision") if hasattr(item, "callspec") else None
    outcome, reason = classify(report, call, judge)
    rules = list(judge.rules) if judge is not None else list(marker.kwargs.get("rules", ())) if marker else []
    return ScenarioResult(
        nodeid=scenario_id(item), name=item.name, revision=revision or "-", outcome=outcome,
        duration=float(getattr(report, "duration", 0.0)), rules=rules,
        violations=[v.to_dict() for v in judge.violations] if judge is not None else [],
        skip_reason=reason if outcome in ("skipped", "error") else None,
        transcript="\n".join(client.transcript) if client is not None else None,
        area=marker.kwargs.get("area") if marker else None,
    )
