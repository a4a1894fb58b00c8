"""`iconf run -n 2` (pytest-xdist) reports exactly what a serial run reports: verdicts, counts, files.

Both runs go against the mock with a fault switched on, so the comparison
covers failing scenarios, violations and the exit code, not only passes.
What legitimately differs is left out: timestamps, durations, loopback ports
and the ids a mock hands out (each worker has its own mock).
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.suite.distributed import worker_share

ARGS = ["--target", "mock", "--revision", "all", "--mock-fault", "stream.terminal.last", "--rules", "stream,store",
        "-k", "not properties and not schemathesis"]


def _run(report_dir: Path, *extra: str) -> tuple[int, Path]:
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", *ARGS, "--report-dir", str(report_dir),
                           *extra], capture_output=True, text=True, timeout=600, env=dict(os.environ))
    [run_dir] = sorted(report_dir.glob("2*-mock"))
    return proc.returncode, run_dir


def _verdicts(run_dir: Path) -> dict:
    s = json.loads((run_dir / "summary.json").read_text())
    scenarios = [(x["nodeid"], x["outcome"], sorted(x["rules"]), sorted(v["rule_id"] for v in x["violations"]),
                  x["skip_reason"]) for x in s["scenarios"]]
    matrix = {rule: {rev: (cell["status"], sorted(cell["scenarios"]), sorted(v["rule_id"] for v in cell["violations"]))
                     for rev, cell in row.items()} for rule, row in s["rule_matrix"].items()}
    return {"scenarios": scenarios, "matrix": matrix, "counts": s["counts"], "area_counts": s["area_counts"],
            "verdict": s["verdict"], "exit_code": s["exit_code"], "must_failed": s["must_failed"],
            "requests": s["spent"].get("requests"), "revisions": s["revisions"], "target": s["target"]["name"]}


def _files(run_dir: Path) -> collections.Counter:
    """Every file, uuids masked. Allure *containers* (fixture set-ups) count once each: each xdist worker sets up
    its own session fixtures, so a run with N workers has N of those where a serial run has one."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    names = collections.Counter(uuid.sub("UUID", str(p.relative_to(run_dir))) for p in run_dir.rglob("*") if p.is_file())
    for name in names:
        if name.endswith("-container.json"):
            names[name] = 1
    return names


def _junit(run_dir: Path) -> list:
    root = ET.parse(run_dir / "junit.xml").getroot()
    return sorted((case.get("classname"), case.get("name"), tuple(sorted(child.tag for child in case
                                                                         if child.tag in ("failure", "error", "skipped"))))
                  for case in root.iter("testcase"))


def _allure(run_dir: Path) -> list:
    out = []
    for path in (run_dir / "allure-results").glob("*-result.json"):
        r = json.loads(path.read_text())
        labels = sorted((lb["name"], lb["value"]) for lb in r.get("labels", [])
                        if lb["name"] in ("epic", "feature", "story", "tag"))
        out.append((r.get("fullName") or r["name"], r["status"], tuple(labels)))
    return sorted(out)


@pytest.mark.slow
def test_n2_reports_what_a_serial_run_reports(tmp_path):
    code_serial, serial = _run(tmp_path / "serial")
    code_par, par = _run(tmp_path / "n2", "-n", "2")
    assert code_serial == code_par == 1  # the fault is caught either way
    a, b = _verdicts(serial), _verdicts(par)
    assert a["counts"]["scenarios"]["failed"] > 0 and a["counts"]["scenarios"]["passed"] > 0
    assert a == b
    assert _files(serial) == _files(par)
    assert _junit(serial) == _junit(par)
    assert _allure(serial) == _allure(par)
    # one secret for the whole run (the controller's mock key), swept from every file either way
    for path in par.rglob("*"):
        if path.is_file():
            assert "iconf-mock-" not in path.read_text(errors="replace"), path


def test_budget_split_adds_up_and_is_deterministic():
    for total in (0, 1, 7, 60, 61):
        for count in (1, 2, 3, 8):
            shares = [worker_share(total, i, count) for i in range(count)]
            assert sum(shares) == total and max(shares) - min(shares) <= 1
            assert shares == [worker_share(total, i, count) for i in range(count)]


def test_bad_numprocesses_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "mock", "-n", "two"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "-n" in proc.stderr and "Traceback" not in proc.stderr
