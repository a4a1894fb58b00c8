"""Every mock fault makes the suite fail, and the report names that fault's rule ID.

One `iconf run` per fault, restricted with --rules to the scenarios that
check the rule (so the scenario markers must be complete), both revisions,
two at a time. This is the proof that each rule *catches* a violating
target; the clean run in test_suite_mock.py is the proof that it *passes*
a conforming one.
"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.rules import RULES

FAULTS = [r.id for r in RULES.faults()]


def _run_with_fault(rule_id: str, report_dir: Path) -> tuple[str, int, dict, str]:
    out = report_dir / rule_id
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--target", "mock", "--revision", "all",
             "--mock-fault", rule_id, "--rules", rule_id, "--report-dir", str(out), "--timeout", "20",
             # the property and schemathesis scenarios have their own fault tests (tests/suite/test_properties_*)
             "-k", "not properties and not schemathesis", "--", "--maxfail=1"],
        capture_output=True, text=True, timeout=180,
        )
    except subprocess.TimeoutExpired as exc:
        return rule_id, -1, {}, f"timed out: {exc}"
    summaries = sorted(out.glob("2*/summary.json"))
    summary = json.loads(summaries[-1].read_text()) if summaries else {}
    return rule_id, proc.returncode, summary, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.slow
def test_every_fault_is_caught_with_its_rule_id(tmp_path):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda r: _run_with_fault(r, tmp_path), FAULTS))
    problems = []
    for rule_id, code, summary, output in results:
        level = RULES[rule_id].level
        cells = summary.get("rule_matrix", {}).get(rule_id, {})
        statuses = {rev: cell.get("status") for rev, cell in cells.items()}
        wanted = "failed" if level == "MUST" else "warned"
        if wanted not in statuses.values():
            problems.append(f"{rule_id}: not caught (statuses {statuses}, exit {code})\n{output[-800:]}")
        elif level == "MUST" and code != 1:
            problems.append(f"{rule_id}: caught but exit code {code}")
    assert not problems, "\n\n".join(problems)
