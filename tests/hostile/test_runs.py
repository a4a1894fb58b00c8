"""Whole ``iconf run``s against hostile servers: bounded in time and memory, exit 1, a report, no traceback.

The client layer is tested per behaviour in test_client.py; here a few
representative behaviours get a full run with the default settings (those
end fast because the circuit breaker opens after three failed requests),
one gets short time-outs, and the run deadline is shown to stop a run and
still write its report. Peak memory is the child's own (measured by a
wrapper process that has no other children).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .server import HostileServer

#: runs the command given and prints its peak RSS (KiB) last on stderr, exiting with its code
_WRAPPER = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
            "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(p.returncode)")
INTERNAL = ("Traceback", "INTERNALERROR", "TypeError", "AttributeError", "KeyError", "RecursionError")


def _run(url: str, report_dir: Path, *extra: str, timeout: float = 300) -> tuple[int, str, float, float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, "-m", "conformance", "run",
                           "--target", url, "--report-dir", str(report_dir), *extra],
                          capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    lines = proc.stderr.strip().splitlines()
    rss_mib = int(lines[-1].split()[1]) / 1024 if lines and lines[-1].startswith("maxrss") else -1
    return proc.returncode, proc.stdout + "\n".join(lines[:-1]), elapsed, rss_mib


def _summary(report_dir: Path) -> dict:
    found = sorted(report_dir.glob("2*/summary.json"))
    assert found, f"no report under {report_dir}"
    assert (found[-1].parent / "junit.xml").exists() and (found[-1].parent / "index.html").exists()
    return json.loads(found[-1].read_text())


def _check(code: int, output: str, rss_mib: float, report_dir: Path) -> dict:
    assert code == 1, output[-3000:]
    assert not [word for word in INTERNAL if word in output], output[-3000:]
    assert 0 < rss_mib < 300, rss_mib  # measured 120-145 MB (2026-12-01); was up to 473 MB before the registry fix
    summary = _summary(report_dir)
    errors = [s for s in summary["scenarios"] if s["outcome"] == "error"]
    assert all((s.get("skip_reason") or "").startswith("could not judge") for s in errors), errors[:3]
    return summary


@pytest.mark.slow
@pytest.mark.parametrize("behaviour", ["garbage", "huge"])
def test_a_full_run_with_default_settings_ends_fast_with_a_report(behaviour, tmp_path):
    """The breaker opens after three unusable answers; every other scenario is 'could not judge' at once."""
    with HostileServer(behaviour) as server:
        code, output, elapsed, rss = _run(server.base_url, tmp_path)
    summary = _check(code, output, rss, tmp_path)
    assert elapsed < 180
    counts = summary["counts"]["scenarios"]
    assert counts["error"] == counts["total"] - counts["skipped"], counts
    assert "target un" in json.dumps(summary["scenarios"])  # unresponsive / unjudgeable: the breaker's reason
    junit = next(tmp_path.glob("2*/junit.xml")).read_text()
    assert f'errors="{counts["error"]}"' in junit and 'failures="0"' in junit
    _allure_agrees(tmp_path, counts)


def _allure_agrees(report_dir: Path, counts: dict) -> None:
    """Allure's statuses give the same counts: failed = failed, broken = error, skipped = skipped."""
    results = list(report_dir.glob("2*/allure-results/*-result.json"))
    if not results:  # allure-pytest not installed
        return
    statuses = Counter(json.loads(p.read_text())["status"] for p in results)
    assert (statuses.get("failed", 0), statuses.get("broken", 0), statuses.get("skipped", 0)) == (
        counts["failed"], counts["error"], counts["skipped"]), (statuses, counts)


@pytest.mark.slow
def test_a_hanging_server_opens_the_breaker(tmp_path):
    with HostileServer("hang") as server:
        code, output, elapsed, rss = _run(server.base_url, tmp_path, "--timeout", "2", "--stream-timeout", "3")
    _check(code, output, rss, tmp_path)
    assert elapsed < 120
    assert "target unresponsive: 3 requests in a row failed or timed out" in output


@pytest.mark.slow
def test_the_run_deadline_stops_the_run_and_writes_the_report(tmp_path):
    with HostileServer("drip", drip_interval_s=0.5) as server:
        code, output, elapsed, rss = _run(server.base_url, tmp_path, "--deadline", "4")
    summary = _check(code, output, rss, tmp_path)
    assert elapsed < 90
    assert "run deadline passed (--deadline 4s)" in json.dumps(summary["scenarios"])


@pytest.mark.slow
def test_verdicts_on_a_server_that_answers_500_in_the_envelope(tmp_path):
    with HostileServer("error-500") as server:
        code, output, elapsed, rss = _run(server.base_url, tmp_path, "-k",
                                          "test_store_defaults_to_true or test_missing_input or test_stream_grammar")
    summary = _check(code, output, rss, tmp_path)
    counts = summary["counts"]["scenarios"]
    assert counts["failed"] >= 1 and counts["error"] == 0, counts
    assert "request.valid.accepted" in summary["must_failed"]
    junit = next(tmp_path.glob("2*/junit.xml")).read_text()
    assert f'failures="{counts["failed"]}"' in junit and 'errors="0"' in junit
    _allure_agrees(tmp_path, counts)


@pytest.mark.slow
def test_a_property_scenario_against_a_failing_server_stops_at_its_budget(tmp_path):
    """Every answer breaks a MUST rule, so Hypothesis shrinks every example it can: with the default budget
    (tests/suite/test_property_budget.py shows it cutting shrinking short) the scenario ends soon after its
    first failure and reports the violations it found, as a verdict."""
    from conformance.suite.hypothesis_profiles import BUDGET_S

    budget = BUDGET_S["quick"]
    with HostileServer("invalid-utf8") as server:
        code, output, elapsed, rss = _run(server.base_url, tmp_path, "-k",
                                          "test_generated_valid_requests_answered_with_conforming_interactions",
                                          timeout=240)
    summary = _check(code, output, rss, tmp_path)
    assert elapsed < 3 * budget + 30, f"{elapsed:.0f}s"  # generous: start-up, first failure, Hypothesis winding down
    assert summary["counts"]["scenarios"]["failed"] == 1, summary["counts"]
    assert "FAILED schema.interaction.valid" in output  # the MUST failure, named (the body is not JSON)
