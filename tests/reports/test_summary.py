"""summary.json content, and that secrets never reach the run directory."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from conformance.reports import (
    REDACTED,
    load_summary,
    new_run_dir,
    resolve_latest,
    scrub,
    secrets_from_options,
    write_report,
    write_summary,
)

from .records import API_KEY, TOKEN, mixed_record, record, scenario

NOW = datetime(2026, 11, 21, 5, 12, 0, tzinfo=timezone.utc)


def test_summary_content(tmp_path):
    rec = mixed_record()
    path = write_summary(rec, tmp_path)
    assert path == tmp_path / "summary.json"
    data = json.loads(path.read_text())
    for key in ("run_id", "started", "finished", "target", "revisions", "model", "suite_version", "options",
                "scenarios", "spent", "extra_findings"):
        assert key in data
    assert data["counts"] == rec.counts()
    assert data["exit_code"] == 1 and data["verdict"] == "fail"
    assert data["must_failed"] == ["stream.terminal.exactly-one"]
    assert data["rule_matrix"]["stream.terminal.exactly-one"]["2026-05-20"]["status"] == "failed"
    assert data["rule_matrix"]["background.create.in-progress"]["legacy"]["skip_reasons"] == [
        "target does not support background runs"]
    assert data["rule_matrix"]["timeline.post.model-only"] == {"2026-05-20": data["rule_matrix"][
        "timeline.post.model-only"]["2026-05-20"]}
    assert len(data["scenarios"]) == 6


def test_failures_flat_list(tmp_path):
    data = json.loads(write_summary(mixed_record(), tmp_path).read_text())
    by_rule = {f["rule_id"]: f for f in data["failures"]}
    assert set(by_rule) == {"stream.terminal.exactly-one", "usage.totals.add-up"}
    f = by_rule["stream.terminal.exactly-one"]
    assert f["status"] == "failed" and f["level"] == "MUST" and f["revision"] == "2026-05-20"
    assert f["scenario"] == "tests/suite/test_stream.py::test_stream[2026-05-20]"
    assert f["location"] == "event[7]" and f["expected"] == "exactly one terminal event"
    assert f["evidence"]["event"]["event_type"] == "error"
    assert by_rule["usage.totals.add-up"]["status"] == "warned"


def test_summary_reloads_into_the_same_record(tmp_path):
    rec = record([scenario("a", "passed", ["schema.interaction.valid"])])
    assert load_summary(write_summary(rec, tmp_path)) == rec


def test_secrets_found_in_options():
    opts = {"api_key": "k-1234", "auth": {"bearer_token": "t-5678"}, "client_secret": ["s-9999"],
            "keys_file": None, "timeout": 30, "model": "gemini"}
    assert secrets_from_options(opts) == ["k-1234", "t-5678", "s-9999"]


def test_scrub():
    assert scrub(f"GET /x?key={API_KEY} ok", [API_KEY]) == f"GET /x?key={REDACTED} ok"
    # undeclared strings shaped like a Google API key are caught too
    google = "AIza" + "B" * 35
    assert scrub(f"x-goog-api-key: {google}", []) == f"x-goog-api-key: {REDACTED}"
    # very short "secrets" are not searched for in free text (it would shred transcripts)
    assert scrub("a b c", ["a"]) == "a b c"


def test_no_secret_anywhere_in_the_run_dir(tmp_path):
    rec = mixed_record()
    run = new_run_dir(tmp_path, "mock", now=NOW)
    # a file another tool wrote into the run dir (allure attachment, junit.xml) is swept too
    (run / "allure-results").mkdir()
    (run / "allure-results" / "x-attachment.txt").write_text(f"header x-goog-api-key: {API_KEY}")
    written = write_report(rec, run)
    assert set(written) == {"environment", "summary", "html", "latest"}
    files = [p for p in run.rglob("*") if p.is_file()]
    assert len(files) >= 4
    for p in files:
        body = p.read_bytes()
        for secret in (API_KEY, TOKEN):
            assert secret.encode() not in body, p
            assert json.dumps(secret)[1:-1].encode() not in body, p
    data = json.loads((run / "summary.json").read_text())
    assert data["options"]["api_key"] == REDACTED
    assert data["options"]["auth"]["bearer_token"] == REDACTED
    assert data["options"]["timeout"] == 30
    assert REDACTED in data["scenarios"][1]["transcript"]
    # the caller's record is untouched
    assert rec.options["api_key"] == API_KEY


def test_write_report_updates_latest_to_newest(tmp_path):
    older = new_run_dir(tmp_path, "mock", now=NOW)
    newer = new_run_dir(tmp_path, "mock", now=NOW.replace(minute=30))
    write_report(mixed_record(), older)
    write_report(mixed_record(), newer)
    assert resolve_latest(tmp_path) == newer.resolve()
    assert (tmp_path / "latest" / "index.html").is_file()
    write_report(mixed_record(), older)  # rewriting an older run keeps latest on the newest
    assert resolve_latest(tmp_path) == newer.resolve()
