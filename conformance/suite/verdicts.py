"""A scenario's outcome: from pytest's report and the judge's violations to a :class:`ScenarioResult`.

Pytest knows whether the test function raised; the judge knows which
rules were violated. The two are combined here, once, so the terminal,
junit.xml, Allure and summary.json all see the same outcome:

* MUST violations recorded by the judge fail a scenario that otherwise passed;
* running out of the request budget skips it (with the reason), unless MUST
  rules had already failed: a spent budget says nothing about the target;
  likewise a scenario that skipped after finding a MUST violation fails;
* a failing set-up (a fixture broke) or an unexpected exception is an
  ``error``, not a verdict; an assertion or ``pytest.fail`` is a failure;
* a target that could not be judged (a transport failure, a time-out, a
  size limit, the circuit breaker, the run deadline: :class:`TargetError`)
  is an ``error`` with that one line as its reason, never a rule failure.

An error in the call phase is filed as a set-up error (``report.when =
"setup"``): that is how pytest's terminal and junit.xml count errors, so
they agree with summary.json and Allure on passed/failed/errored.

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


def failure_text(violations: list, report_hint: str | None = None) -> str:
    """What a scenario's MUST failures look like in the terminal: rule, one line, where."""
    lines = [f"  {v.format(level=False, evidence=False, width=LINE_WIDTH)}" for v in violations[:MAX_LINES]]
    if len(violations) > MAX_LINES:
        lines.append(f"  ... and {len(violations) - MAX_LINES} more")
    hint = f"\n  evidence (expected/observed, transcript): {report_hint}" if report_hint else ""
    return "MUST rules failed:\n" + "\n".join(lines) + hint


def adjust_report(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, judge: Any,
                  report_hint: str | None = None) -> None:
    """Rewrite pytest's report so its outcome is the conformance verdict (see the module docstring)."""
    if report.when == "setup" and report.failed and _unjudged(call.excinfo):
        report.longrepr = f"could not judge: {call.excinfo.value}"  # the breaker or the deadline: one line
        return
    if report.when != "call":
        return
    must = judge.must_failures() if judge is not None else []
    if _budget_spent(call.excinfo) and not must:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
        return
    if must and not (report.failed and is_verdict(call.excinfo)):
        # a scenario that skipped, or could not go on, after finding a MUST violation still found it: it fails
        skipped = skip_reason(report) if report.skipped else None
        broke = (f"\n  (then the scenario could not go on: {call.excinfo.value})"
                 if report.failed and call.excinfo is not None else "")
        report.outcome = "failed"
        report.longrepr = failure_text(must, report_hint) + (f"\n  (the scenario then skipped: {skipped})"
                                                             if skipped else "") + broke
        if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
            _as_failure(call)
        return
    if report.failed and not is_verdict(call.excinfo):
        # not a verdict on the target but an error: could not judge it, or a bug of the suite
        report.when = "setup"
        if _unjudged(call.excinfo):
            report.longrepr = f"could not judge: {call.excinfo.value}"  # one line, no traceback
    elif report.failed:
        group = getattr(call.excinfo.value, "exceptions", None) if call.excinfo is not None else None
        if isinstance(group, (list, tuple)) and group:  # Hypothesis found several failures: one line each
            lines = [f"  {str(e).strip().splitlines()[0][:LINE_WIDTH]}" for e in group if str(e).strip()]
            report.longrepr = f"{len(group)} distinct failures:\n" + "\n".join(lines)
        _as_failure(call)


def _as_failure(call: pytest.CallInfo) -> None:
    """A verdict raised as a group of assertions (Hypothesis): shown to Allure as the failure it is, not 'broken'.

    Allure calls any exception other than AssertionError/pytest.fail "broken"; its hook runs after this one
    and reads ``call.excinfo``, so a failed verdict carries an AssertionError there.
    """
    exc = call.excinfo.value if call.excinfo is not None else None
    if exc is None or isinstance(exc, (AssertionError, pytest.fail.Exception)):
        return
    try:
        raise AssertionError(str(exc)[:2000])
    except AssertionError as failure:
        call.excinfo = pytest.ExceptionInfo.from_exception(failure)


def is_verdict(excinfo: Any) -> bool:
    """A failed check (assert, pytest.fail), or a group of them (Hypothesis reports several failures so)."""
    return excinfo is not None and _verdict_exc(excinfo.value)


def _verdict_exc(exc: BaseException) -> bool:
    group = getattr(exc, "exceptions", None)  # an ExceptionGroup (3.11+, or the backport on 3.10)
    if isinstance(group, (list, tuple)) and group:
        return all(_verdict_exc(e) for e in group)
    return isinstance(exc, (AssertionError, pytest.fail.Exception))


def _unjudged(excinfo: Any) -> bool:
    """The target could not be judged (transport failure, time-out, a limit, the breaker, the deadline)."""
    from ..targets import TargetError

    return excinfo is not None and excinfo.errisinstance(TargetError) and not _budget_spent(excinfo)


def finished(report: pytest.TestReport) -> bool:
    """Whether this phase's report settles the scenario (its call, or a set-up that did not pass)."""
    return report.when == "call" or (report.when == "setup" and not report.passed)


def classify(report: pytest.TestReport, call: pytest.CallInfo, judge: Any) -> tuple[str, str | None]:
    """``(outcome, reason)``: passed, failed, skipped (reason) or error (reason); after :func:`adjust_report`."""
    if report.skipped:
        return "skipped", skip_reason(report)
    if report.when == "setup":  # a fixture broke, the target could not be judged, or the suite broke: not a verdict
        reason = str(call.excinfo.value)[:1000] if call.excinfo is not None else "set-up failed"
        return "error", f"could not judge: {reason}" if _unjudged(call.excinfo) else reason
    if report.passed:
        return "passed", None
    return "failed", None  # a failed check, or MUST violations (errors were filed as set-up errors above)


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
