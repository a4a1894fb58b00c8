"""summary.json: the run's verdict for machines (CI gates, dashboards, diffing two runs).

It is the whole :class:`RunRecord` plus everything derived from it, so a
consumer never has to re-implement the matrix logic: ``counts``,
``exit_code``, ``must_failed``, ``rule_matrix`` and ``failures`` (one flat
entry per violation of a failed or warned rule, the list a person or a bot
reads first). Secrets are redacted before serialising.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..rules import RULES
from .model import RunRecord
from .redact import redact_record, scrub

SUMMARY_FILE = "summary.json"
#: bumped when a field changes meaning or disappears (additions do not bump it)
SCHEMA_VERSION = 1


def failures(record: RunRecord) -> list[dict]:
    """Every violation of a failed or warned rule, flat: rule, revision, scenario and evidence in one dict."""
    out: list[dict] = []
    for rule_id, row in record.rule_matrix().items():
        rule = RULES[rule_id]
        for revision, cell in row.items():
            if cell.status not in ("failed", "warned"):
                continue
            for v in cell.violations:
                out.append({
                    "rule_id": rule_id,
                    "level": rule.level,
                    "status": cell.status,
                    "revision": revision,
                    "statement": rule.statement,
                    "scenario": v.get("scenario"),
                    "message": v.get("message"),
                    "location": v.get("location"),
                    "expected": v.get("expected"),
                    "observed": v.get("observed"),
                    "evidence": v.get("evidence"),
                })
    return out


def summary_dict(record: RunRecord) -> dict:
    """The summary.json document for ``record`` (already redacted)."""
    safe = redact_record(record)
    data = safe.to_dict()
    data["schema_version"] = SCHEMA_VERSION
    data["counts"] = safe.counts()
    data["area_counts"] = safe.area_counts()
    data["exit_code"] = safe.exit_code()
    data["verdict"] = "pass" if data["exit_code"] == 0 else "fail"
    data["must_failed"] = safe.must_failed()
    data["rule_matrix"] = {
        rule_id: {rev: cell.to_dict() for rev, cell in row.items()}
        for rule_id, row in safe.rule_matrix().items()
    }
    data["failures"] = failures(safe)
    return data


def write_summary(record: RunRecord, run_dir: Path) -> Path:
    """Write ``run_dir/summary.json`` and return its path."""
    path = Path(run_dir) / SUMMARY_FILE
    text = json.dumps(summary_dict(record), indent=2, ensure_ascii=False, default=str)
    path.write_text(scrub(text, record.secrets()) + "\n", encoding="utf-8")
    return path


def load_summary(path: Path) -> RunRecord:
    """Rebuild the RunRecord from a summary.json (derived fields are recomputed, not trusted)."""
    return RunRecord.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
