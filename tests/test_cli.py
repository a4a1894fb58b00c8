"""iconf validate / iconf rules as users and scripts call them: exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.profiles import get_profile
from conformance.rules import RULES
from tests import streams as S

OFFICIAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "openapi"


def _write(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return str(p)


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_validate_conforming_documents_exit_0(tmp_path, capsys, revision):
    p = get_profile(revision)
    files = [
        _write(tmp_path, "req.json", {"model": "gemini-3-flash-preview", "input": "Hi"}),
        _write(tmp_path, "int.json", S.resource(p, S.sample_items(p))),
        _write(tmp_path, "err.json", {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}),
        _write(tmp_path, "s.sse", S.to_bytes(S.events_for(p, S.sample_items(p)))),
    ]
    assert main(["validate", "--revision", revision, *files]) == 0
    out = capsys.readouterr().out
    for kind in ("request", "interaction", "error", "stream"):
        assert f": {kind} ({revision}): ok" in out


def test_validate_violation_exit_1_prints_rule_and_location(tmp_path, capsys):
    p = get_profile("2026-05-20")
    events = S.events_for(p, S.sample_items(p))[:-1]
    f = _write(tmp_path, "cut.sse", S.to_bytes(events))
    assert main(["validate", f]) == 1
    out = capsys.readouterr().out
    assert "stream.terminal.exactly-one: the stream ended without a terminal event at stream end" in out


def test_should_only_violation_exits_0(tmp_path, capsys):
    p = get_profile("2026-05-20")
    body = S.resource(p, [S.text_item(p, "x")])
    del body["object"]
    assert main(["validate", "--kind", "interaction", _write(tmp_path, "i.json", body)]) == 0
    assert "schema.interaction.object-field [SHOULD]" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["validate", "/nonexistent/file.json"], "cannot read"),
    (["validate", "--revision", "1999-01-01", "x"], "unknown revision '1999-01-01'"),
    (["validate", "--schema", "/nonexistent.yaml", "x"], "cannot read schema"),
    (["validate", "--strict", "error_code=float", "x"], "error_code"),
])
def test_usage_errors_exit_2_without_traceback(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_unreadable_document_exit_2(tmp_path, capsys):
    assert main(["validate", _write(tmp_path, "x.txt", b"hello")]) == 2
    assert "neither JSON nor an event stream" in capsys.readouterr().err


def test_rules_lists_catalogue(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(r.id in out for r in RULES)
    assert main(["rules", "--revision", "legacy"]) == 0
    out = capsys.readouterr().out
    assert "timeline.post.model-only" not in out and "timeline.legacy.outputs-model-only" in out


def test_docs_rules_md_is_current():
    from conformance.cli import rules_markdown
    text = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text()
    assert rules_markdown() in text, "docs/rules.md is stale: run `iconf rules --format markdown`"


@pytest.mark.skipif(not OFFICIAL.is_dir(), reason="official OpenAPI documents not present (../shared/reference)")
@pytest.mark.parametrize("revision, name", [("legacy", "interactions-legacy.openapi.json"),
                                            ("2026-05-20", "interactions-2026-05-20.openapi.json")])
def test_user_supplied_official_schema_same_rules(tmp_path, capsys, revision, name):
    p = get_profile(revision)
    good = _write(tmp_path, "s.sse", S.to_bytes(S.events_for(p, S.sample_items(p))))
    # revision inferred from the document
    assert main(["validate", "--schema", str(OFFICIAL / name), good]) == 0
    assert f"({revision})" in capsys.readouterr().out
    body = S.resource(p, [S.text_item(p, "x")])
    del body["updated"]
    assert main(["validate", "--schema", str(OFFICIAL / name), _write(tmp_path, "i.json", body)]) == 1
    assert "schema.interaction.valid" in capsys.readouterr().out


def test_console_script_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "conformance", "rules"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "stream.terminal.exactly-one" in proc.stdout


def test_docs_sources_md_is_current_and_covers_every_tag():
    import re

    from conformance.rules import FACTS_SECTIONS, RULES, SOURCE_TAGS, sources_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "sources.md").read_text()
    assert sources_markdown() in text, "docs/sources.md is stale: paste conformance.rules.sources_markdown()"
    for rule in RULES:
        for tag in re.findall(r"\[[A-Z]+\]", rule.source):
            assert tag in SOURCE_TAGS, (rule.id, tag)
        for section in re.findall(r"§\d+(?:\.\d+)?", rule.source):
            assert section in FACTS_SECTIONS, (rule.id, section)
    assert "../shared" not in text
