"""Legacy on a target that retired it (the live API since 2026-06-08): only the retired answer is judged."""

from __future__ import annotations

import json
import subprocess
import sys

from conformance.suite.options import default_revision


def test_live_defaults_to_the_steps_revision():
    assert default_revision("live") == "2026-05-20"


def test_a_target_without_legacy_must_answer_legacy_with_the_retired_400(tmp_path):
    # the mock serves legacy (the default), so declared as a retired-legacy target it breaks revision.legacy.retired
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--target", "mock", "--revision", "all",
         "--capability", "-legacy", "--report-dir", str(tmp_path), "--timeout", "20",
         "-k", "legacy_request or test_store_defaults_to_true"],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    summary = json.loads(next(tmp_path.glob("2*/summary.json")).read_text())
    matrix = summary["rule_matrix"]
    assert matrix["revision.legacy.retired"]["legacy"]["status"] == "failed"
    # every other legacy scenario is skipped with the reason, 2026-05-20 still runs
    assert matrix["store.default.retrievable"]["legacy"]["status"] == "skipped"
    assert matrix["store.default.retrievable"]["2026-05-20"]["status"] == "passed"


def test_the_mock_retiring_legacy_as_live_passes_the_rule(tmp_path):
    # --mock-legacy retired: the mock answers legacy with the documented 400 and is judged without legacy
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--target", "mock", "--revision", "all",
         "--mock-legacy", "retired", "--report-dir", str(tmp_path), "--timeout", "20",
         "-k", "legacy_request or test_store_defaults_to_true"],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    matrix = json.loads(next(tmp_path.glob("2*/summary.json")).read_text())["rule_matrix"]
    assert matrix["revision.legacy.retired"]["legacy"]["status"] == "passed"
    assert matrix["store.default.retrievable"]["legacy"]["status"] == "skipped"
    assert matrix["store.default.retrievable"]["2026-05-20"]["status"] == "passed"
