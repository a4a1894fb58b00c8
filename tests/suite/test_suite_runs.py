"""The suite as users run it: against the mock (all MUST rules pass, both revisions), through the live
code path pointed at the mock, as a pytest plugin, and the report it writes (opened in Chromium)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.mock import MockConfig, MockServer
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from conformance.targets import BudgetExhausted, TargetClient, TargetConfig
from tests.reports.dom import expected_cells, hooks
from tests.reports.test_browser import dump_dom

FAST = "not properties and not schemathesis"


def _iconf(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", "run", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _summary(report_dir: Path) -> dict:
    [path] = sorted(report_dir.glob("2*/summary.json"))[-1:]
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def mock_run(tmp_path_factory):
    """One full run of the scenario catalogue against the mock, both revisions (shared by the tests below)."""
    reports = tmp_path_factory.mktemp("reports")
    proc = _iconf("--target", "mock", "--revision", "all", "--report-dir", str(reports), "-k", FAST)
    return proc, reports


def test_mock_passes_every_must_rule_for_both_revisions(mock_run):
    proc, reports = mock_run
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    summary = _summary(reports)
    assert summary["revisions"] == ["2026-05-20", "legacy"]
    failed = {(rule, rev) for rule, row in summary["rule_matrix"].items() for rev, cell in row.items()
              if cell["status"] in ("failed", "warned")}
    assert not failed
    passed = {(rule, rev) for rule, row in summary["rule_matrix"].items() for rev, cell in row.items()
              if cell["status"] == "passed"}
    assert len(passed) > 80  # the catalogue is really exercised, not skipped
    assert "PASS" in proc.stdout and "Rules by area" in proc.stdout


def test_report_files_and_latest(mock_run):
    _, reports = mock_run
    run_dir = sorted(reports.glob("2*-mock"))[-1]
    for name in ("summary.json", "index.html", "junit.xml", "allure-results/environment.properties"):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "allure-results").glob("*-result.json"))
    latest = reports / "latest"
    assert latest.exists() and latest.resolve() == run_dir.resolve()
    env = (run_dir / "allure-results" / "environment.properties").read_text()
    assert "target" in env and "2026-05-20" in env
    # the mock target's canary key never reaches disk
    key_marker = "iconf-mock-"
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert key_marker not in path.read_text(errors="replace"), path


def test_allure_labels_epic_feature_story(mock_run):
    _, reports = mock_run
    run_dir = sorted(reports.glob("2*-mock"))[-1]
    results = [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]
    summary = _summary(reports)
    assert len(results) == len(summary["scenarios"])  # one Allure result per scenario, as in junit.xml
    from conformance.rules import RULES

    rule_areas = {rule.area for rule in RULES}
    for result in results:
        labels = [(label["name"], label["value"]) for label in result["labels"]]
        names = [n for n, _ in labels]
        assert names.count("epic") == names.count("feature") == names.count("story") == 1  # counted once
        assert dict(labels)["epic"] in rule_areas  # epic = the scenario's rule area
        assert dict(labels)["story"] in ("legacy", "2026-05-20")
    judged = [r for r in results if r["status"] != "skipped"]
    assert all(any(label["name"] == "rule" for label in r["labels"]) for r in judged)  # rules as labels


def test_html_matrix_in_chromium_shows_the_run(mock_run, tmp_path):
    _, reports = mock_run
    from conformance.reports import load_summary

    run_dir = sorted(reports.glob("2*-mock"))[-1]
    record = load_summary(run_dir / "summary.json")
    dom = hooks(dump_dom(run_dir / "index.html", tmp_path / "profile"))
    assert dom.cells == expected_cells(record)
    counts = record.counts()
    for status in ("passed", "failed", "warned", "skipped"):
        assert int(dom.by_id["counts"][f"data-{status}"]) == counts["rules"][status]
    assert dom.by_id["verdict"]["data-exit-code"] == "0"


def test_fault_fails_the_run_and_names_the_rule(tmp_path):
    proc = _iconf("--target", "mock", "--revision", "2026-05-20", "--mock-fault", "stream.terminal.exactly-one",
                  "--report-dir", str(tmp_path), "-k", "test_stream_grammar_text")
    assert proc.returncode == 1
    assert "stream.terminal.exactly-one" in proc.stdout
    summary = _summary(tmp_path)
    assert summary["rule_matrix"]["stream.terminal.exactly-one"]["2026-05-20"]["status"] == "failed"
    assert "stream.terminal.exactly-one" in summary["must_failed"]


def test_live_code_path_against_the_mock_via_base_url(tmp_path):
    """--target live is real code: pointed at the mock with --base-url, it runs, budgets and scrubs the key."""
    key = "iconf-canary-live-9f2c1d"
    with MockServer(MockConfig(api_key=key)) as server:
        proc = _iconf("--target", "live", "--base-url", server.base_url, "--capability", "+scripted",
                      "--max-requests", "25", "--report-dir", str(tmp_path),
                      "-k", "test_store_defaults_to_true or test_stream_grammar_text or test_requests_without",
                      env={"GEMINI_API_KEY": key})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "spent:" in proc.stdout
    summary = _summary(tmp_path)
    assert summary["target"]["kind"] == "live"
    assert summary["rule_matrix"]["auth.key.required"]["2026-05-20"]["status"] == "passed"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(errors="replace"), path


def test_live_without_a_key_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "live", "--no-report",
                           "-k", "test_store_defaults_to_true"], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2  # a set-up error, not a verdict: one line, exit 2
    assert (proc.stdout + proc.stderr).count("needs an API key") == 1
    assert "Traceback" not in proc.stderr


def test_replay_without_cassettes_is_one_line_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--replay", "--no-report"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert (proc.stdout + proc.stderr).count("no cassettes") == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_plugin_stops_once_on_a_set_up_error(pytester):
    """pytest --iconf-target=live without a key: one usage error, not one failure per scenario."""
    env_key = {k: os.environ.pop(k) for k in ("GEMINI_API_KEY", "GOOGLE_API_KEY") if k in os.environ}
    try:
        result = pytester.runpytest_subprocess("--iconf-target=live", "--iconf-no-report", "-p", "no:cacheprovider")
    finally:
        os.environ.update(env_key)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert str(result.stderr).count("needs an API key") == 1


def test_unreachable_target_is_a_set_up_error_in_seconds(tmp_path):
    """Nothing listening: one clear line and exit 2 before any scenario, from iconf run and from the plugin."""
    started = time.monotonic()
    proc = _iconf("--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path), timeout=60)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "not reachable" in proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    assert len((proc.stdout + proc.stderr).strip().splitlines()) <= 2
    assert time.monotonic() - started < 30
    assert not list(tmp_path.glob("2*"))


def test_pytest_plugin_usage(pytester):
    """The README's line, in a user's own project: their tests and the packaged scenarios run together."""
    pytester.makepyfile(test_mine="def test_mine():\n    assert True\n")
    result = pytester.runpytest_subprocess("--iconf-target=mock", "--iconf-revision=2026-05-20", "--iconf-no-report",
                                           "-k", "test_mine or test_stream_grammar_text or test_missing_input",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*Interactions API conformance*", "PASS: no MUST rule failed*"])


def test_a_failing_project_test_keeps_pytests_exit_1(pytester):
    pytester.makepyfile(test_mine="def test_mine():\n    assert False\n")
    result = pytester.runpytest_subprocess("--iconf-target=mock", "--iconf-revision=2026-05-20", "--iconf-no-report",
                                           "-k", "test_mine or test_missing_input", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1


def test_pytest_plugin_never_says_pass_when_no_scenario_ran(pytester):
    result = pytester.runpytest_subprocess("--iconf-target=mock", "--iconf-no-report", "-k", "matches_nothing",
                                           "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "PASS" not in result.stdout.str()
    result.stdout.fnmatch_lines(["NO VERDICT: no conformance scenario ran*"])


# --- the live client's budget and backoff, unit-level -----------------------------------------------


def _client(handler, **cfg) -> tuple[TargetClient, list[float]]:
    slept: list[float] = []
    config = TargetConfig(name="live", kind="live", base_url="https://example.invalid", api_key="secret-key", **cfg)
    client = TargetClient(config, SchemaSet(get_profile("2026-05-20")), transport=httpx.MockTransport(handler),
                          sleep=slept.append)
    return client, slept


def test_backoff_honours_retry_after_on_429_and_503():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"code": 429, "message": "slow"}})
        if len(calls) == 2:
            return httpx.Response(503, json={"error": {"code": 503, "message": "busy"}})
        return httpx.Response(200, json={"id": "v1_x", "status": "completed"})

    client, slept = _client(handler)
    answer = client.get("v1_x")
    assert answer.status == 200 and len(calls) == 3
    assert slept == [3.0, 2.0]  # Retry-After, then exponential backoff
    assert client.spent.retries == 2 and client.spent.requests == 3
    assert calls[0].headers["x-goog-api-key"] == "secret-key"
    assert calls[0].headers["Api-Revision"] == "2026-05-20"


def test_budget_is_enforced_and_transcripts_are_scrubbed():
    client, _ = _client(lambda r: httpx.Response(200, json={"echo": r.headers["x-goog-api-key"]}), max_requests=2)
    client.get("a")
    client.get("b")
    with pytest.raises(BudgetExhausted, match="budget of 2"):
        client.get("c")
    assert "secret-key" not in "\n".join(client.transcript)


def test_timeouts_become_target_errors():
    from conformance.targets import TargetError

    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = _client(handler, timeout_s=1.0)
    with pytest.raises(TargetError, match=r"no answer: ReadTimeout after 1s \(--timeout\)"):
        client.get("x")


def test_a_spent_budget_skips_the_rest_with_the_reason(tmp_path):
    proc = _iconf("--target", "mock", "--max-requests", "12", "--report-dir", str(tmp_path), "-k", FAST)
    assert proc.returncode == 0, proc.stdout[-3000:]
    summary = _summary(tmp_path)
    assert summary["spent"]["requests"] == 12
    reasons = [s["skip_reason"] or "" for s in summary["scenarios"] if s["outcome"] == "skipped"]
    assert reasons and all("budget" in r or "lacks" in r or "revision has no" in r for r in reasons)
    assert not [s for s in summary["scenarios"] if s["outcome"] == "error"]
