"""Every document of the real-traffic corpus (tests/corpus/) against today's profiles.

A conforming document has no MUST violation; a documented real non-conformance is flagged with
exactly the MUST rules its entry names (see tests/corpus/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.checks import StreamChecker, validate_document
from conformance.profiles import get_profile
from conformance.schema import SchemaSet

CORPUS = Path(__file__).resolve().parent / "corpus"
ENTRIES = yaml.safe_load((CORPUS / "index.yaml").read_text(encoding="utf-8"))
#: what a fragment (part of a stream) is excused
FRAGMENT_EXCUSED = {"stream.terminal.exactly-one"}


def _must(violations) -> set[str]:
    return {v.rule_id for v in violations if v.level == "MUST"}


def _judge(entry: dict) -> set[str]:
    return _must(_violations(entry))


def _violations(entry: dict) -> list:
    schemas = SchemaSet(get_profile(str(entry["revision"])))
    data = (CORPUS / entry["file"]).read_bytes()
    if entry["kind"] == "events":
        found: list = []
        for event in json.loads(data):
            checker = StreamChecker(schemas, resumed=True)
            checker.on_event(event)
            found += checker.finish().violations
        return found
    _, violations = validate_document(schemas, data, entry["kind"])
    return violations


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_document(entry):
    found = _judge(entry)
    if entry.get("fragment"):
        found -= FRAGMENT_EXCUSED
    assert found == set(entry["expect"]), f"{entry['file']}: MUST rules {sorted(found)}, expected {entry['expect']}"
    messages = [v.message for v in _violations(entry) if v.level == "MUST"]
    should = {v.rule_id for v in _violations(entry) if v.level == "SHOULD"}
    assert set(entry.get("should", [])) <= should, f"{entry['file']}: SHOULD warnings {sorted(should)}"
    for fragment in entry.get("evidence", []):  # the non-conformance is flagged for the documented reason
        assert any(fragment in m for m in messages), f"{entry['file']}: no MUST violation says {fragment!r}"


def test_every_file_has_provenance():
    files = {p.name for p in CORPUS.iterdir() if p.name not in ("index.yaml", "README.md")}
    assert files == {e["file"] for e in ENTRIES}
    for entry in ENTRIES:
        assert entry.get("source") and entry.get("retrieved") and entry.get("how"), entry["file"]
        if entry["expect"]:
            assert entry.get("why"), f"{entry['file']}: a documented non-conformance says why"


def test_the_corpus_records_real_non_conformances():
    assert any(e["expect"] for e in ENTRIES) and any(not e["expect"] for e in ENTRIES)
