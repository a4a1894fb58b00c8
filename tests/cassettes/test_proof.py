"""The cassette proofs, end to end through `iconf` (subprocesses, as users run it).

* a run recorded against the mock and replayed with the network blocked gives identical verdicts
  (summary.json rule matrices and scenario outcomes), also with a mock fault switched on;
* no recorded cassette contains the mock's random canary key;
* a cassette edited to break a rule fails `iconf cassettes check` with that rule ID;
* the committed cassettes pass `iconf cassettes check`, and `iconf run --target replay --revision all` passes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cassettes.storage import chunk_from_yaml, chunk_to_yaml, dump_dict, load_dict

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "cassettes"
REV = "2026-05-20"

pytestmark = pytest.mark.slow


def iconf(*args: str, cwd: Path = ROOT, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "ICONF_CASSETTE_DIR")}
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _summary(report_dir: Path) -> dict:
    found = sorted(report_dir.glob("2*/summary.json"))
    assert found, f"no summary.json under {report_dir}"
    return json.loads(found[-1].read_text())


def _verdicts(summary: dict) -> tuple[dict, dict]:
    matrix = {rule: {rev: (cell["status"], sorted(cell.get("scenarios") or []),
                           sorted((v["rule_id"], v["message"]) for v in cell.get("violations") or []))
                     for rev, cell in cells.items()}
              for rule, cells in summary["rule_matrix"].items()}
    scenarios = {(s["nodeid"], s["revision"]): s["outcome"] for s in summary["scenarios"]}
    return matrix, scenarios


def _record_and_replay(tmp: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict, subprocess.CompletedProcess, dict]:
    cassettes = tmp / "cassettes"
    rec = iconf("run", "--target", "mock", "--revision", REV, "--record", "all", "--cassette-dir", str(cassettes),
                "--report-dir", str(tmp / "rec"), *extra)
    assert rec.returncode in (0, 1), rec.stdout[-3000:] + rec.stderr[-3000:]
    assert any(cassettes.glob(f"{REV}/*.yaml")), rec.stdout[-3000:]
    rep = iconf("run", "--target", "replay", "--revision", REV, "--cassette-dir", str(cassettes),
                "--report-dir", str(tmp / "rep"), *extra)
    return rec, _summary(tmp / "rec"), rep, _summary(tmp / "rep")


#: every scenario of one revision, with few generated examples (the committed-set replay runs the full count)
QUICK = ["--hypothesis-profile", "live"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    return tmp, *_record_and_replay(tmp, *QUICK)


def test_replay_gives_the_recorded_verdicts(recorded):
    tmp, rec, rec_summary, rep, rep_summary = recorded
    assert rec.returncode == 0, rec.stdout[-3000:]
    assert rep.returncode == rec.returncode, rep.stdout[-4000:] + rep.stderr[-2000:]
    assert rep_summary["target"]["kind"] == "replay" and rec_summary["target"]["kind"] == "mock"
    rec_matrix, rec_scenarios = _verdicts(rec_summary)
    rep_matrix, rep_scenarios = _verdicts(rep_summary)
    assert rep_scenarios == rec_scenarios
    assert rep_matrix == rec_matrix
    assert rep_summary["spent"]["requests"] == rec_summary["spent"]["requests"]


def test_recorded_cassettes_hold_no_key(recorded):
    tmp = recorded[0]
    files = list((tmp / "cassettes").rglob("*.yaml"))
    assert len(files) > 30
    for f in files:
        text = f.read_text()
        assert not re.search(r"iconf-mock-[0-9a-f]{6,}", text), f"{f} holds the mock's canary key"
        for interaction in load_dict(f)["interactions"]:
            sent = interaction["request"]["headers"].get("x-goog-api-key")
            assert sent in (None, ["<redacted:api-key>"], ["<redacted:other-key>"]), (f, sent)


def test_a_fault_is_recorded_and_caught_again_on_replay(tmp_path):
    rule = "stream.terminal.exactly-one"
    rec, rec_summary, rep, rep_summary = _record_and_replay(tmp_path, "--mock-fault", rule, "--rules", rule,
                                                            "-k", "not schemathesis and not generated")
    assert rec.returncode == 1, rec.stdout[-3000:]
    assert rep.returncode == 1, rep.stdout[-3000:] + rep.stderr[-2000:]
    assert rec_summary["rule_matrix"][rule][REV]["status"] == "failed"
    assert rep_summary["rule_matrix"][rule][REV]["status"] == "failed"
    assert _verdicts(rep_summary) == _verdicts(rec_summary)
    meta = load_dict(next((tmp_path / "cassettes" / REV).glob("*.yaml")))["metadata"]
    assert meta["target"]["mock_faults"] == [rule]


def _drop_event(path: Path, event: str) -> None:
    data = load_dict(path)
    for interaction in data["interactions"]:
        body = interaction["response"]["body"]
        if "chunks" not in body:
            continue
        whole = b"".join(chunk_from_yaml(c) for c in body["chunks"])
        events = [e + b"\n\n" for e in whole.split(b"\n\n") if e.strip()]
        for i, e in enumerate(events):
            if e.startswith(f"event: {event}\n".encode()):
                del events[i]
                body["chunks"] = [chunk_to_yaml(e) for e in events]
                body.pop("offsets_ms", None)
                dump_dict(path, data)
                return
    raise AssertionError(f"{path} has no {event} event")


def test_a_cassette_edited_to_break_a_rule_fails_check(recorded, tmp_path):
    source = recorded[0] / "cassettes" / REV / "test_stream_grammar_text.yaml"
    assert iconf("cassettes", "check", "--no-unused", str(source)).returncode == 0
    broken = tmp_path / REV / source.name
    broken.parent.mkdir()
    broken.write_text(source.read_text())
    _drop_event(broken, "step.stop")
    proc = iconf("cassettes", "check", "--no-unused", str(broken))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(rf"{re.escape(str(broken))}#0 POST /v1beta/interactions: stream\.block\.closed: ", proc.stdout)


def test_check_exit_2_on_unreadable_input(tmp_path):
    bad = tmp_path / "legacy" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("interactions: [oops\n")
    proc = iconf("cassettes", "check", "--no-unused", str(bad))
    assert proc.returncode == 2 and "bad.yaml" in proc.stderr
    assert iconf("cassettes", "check", str(tmp_path / "nowhere")).returncode == 2


def test_committed_cassettes_pass_check_and_report_nothing_unused():
    assert any(COMMITTED.glob("*/*.yaml")), "no committed cassettes under cassettes/"
    proc = iconf("cassettes", "check", "--revision", "all")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"0 MUST and \d+ SHOULD violations in 0 cassettes; 0 unused", proc.stdout), proc.stdout[-2000:]


def test_committed_cassettes_replay_offline(tmp_path):
    proc = iconf("run", "--target", "replay", "--revision", "all", "--no-report", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1].startswith("iconf run: replay: PASS"), proc.stdout[-2000:]  # the verdict is last
