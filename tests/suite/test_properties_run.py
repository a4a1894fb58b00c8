"""The property, negative and schemathesis scenarios against the mock: clean passes, faults are caught by rule ID."""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SELECT = "properties or schemathesis"
#: faults these scenarios must catch on their own, and the rule ID the run must name
FAULTS = {
    "error.bad-input.no-5xx": "error.bad-input.no-5xx",  # malformed JSON answered 500
    "schema.interaction.valid": "schema.interaction.valid",  # resources that break the schema
    "error.bad-input.rejected": "error.bad-input.rejected",  # wrong types accepted
}


def _run(report_dir: Path, *extra: str, select: str = SELECT) -> tuple[int, str, dict, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--target", "mock", "--revision", "all", "-k", select,
         "--report-dir", str(report_dir), "--timeout", "20", *extra],
        capture_output=True, text=True, timeout=300,
    )
    summaries = sorted(report_dir.glob("2*/summary.json"))
    summary = json.loads(summaries[-1].read_text()) if summaries else {}
    return proc.returncode, proc.stdout + proc.stderr, summary, time.monotonic() - started


@pytest.mark.slow
def test_clean_mock_passes_and_faults_are_caught(tmp_path):
    jobs = {"clean": ()} | {fault: ("--mock-fault", fault) for fault in FAULTS}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run, tmp_path / name.replace(".", "_"), *args) for name, args in jobs.items()}
        results = {name: f.result() for name, f in futures.items()}

    code, output, summary, elapsed = results["clean"]
    assert code == 0, output[-4000:]
    scenarios = summary.get("scenarios", [])
    names = {s.get("name", "").split("[")[0] for s in scenarios}
    assert {"test_generated_valid_requests_answered_with_conforming_interactions",
            "test_generated_valid_requests_stream_conforming_events",
            "test_generated_invalid_requests_rejected_with_4xx", "test_schemathesis_operation"} <= names
    assert all(s.get("outcome") == "passed" for s in scenarios), [s for s in scenarios if s.get("outcome") != "passed"]
    assert elapsed < 150, f"the property scenarios took {elapsed:.0f}s"

    problems = []
    for fault, rule_id in FAULTS.items():
        code, output, summary, _ = results[fault]
        cells = summary.get("rule_matrix", {}).get(rule_id, {})
        if code != 1 or rule_id not in output or "failed" not in {c.get("status") for c in cells.values()}:
            problems.append(f"{fault}: exit {code}, matrix {cells}\n{output[-1500:]}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.slow
def test_schemathesis_findings_reach_the_report(tmp_path):
    """A schemathesis finding is in summary.json's extra findings, with its rule, and fails the matrix cell."""
    code, output, summary, _ = _run(tmp_path, "--mock-fault", "schema.delete.empty-object", select="schemathesis")
    assert code == 1, output[-3000:]
    extra = summary.get("extra_findings", [])
    assert any(f.get("source") == "schemathesis" and f.get("rule_id") == "schema.delete.empty-object" for f in extra), extra
    cells = summary["rule_matrix"]["schema.delete.empty-object"]
    assert {c["status"] for c in cells.values()} == {"failed"}
