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


def test_validate_updated_earlier_than_created_fails(tmp_path, capsys):
    p = get_profile("2026-05-20")
    body = S.resource(p, [S.text_item(p, "x")])
    body["created"], body["updated"] = "2026-05-21T10:00:00Z", "2026-05-21T09:00:00Z"
    assert main(["validate", _write(tmp_path, "i.json", body)]) == 1
    assert "lifecycle.timestamps.ordered: updated is earlier than created at /updated" in capsys.readouterr().out


def test_validate_a_steps_resource_as_legacy_fails(tmp_path, capsys):
    body = S.resource(get_profile("2026-05-20"), S.sample_items(get_profile("2026-05-20")))
    assert main(["validate", "--revision", "legacy", _write(tmp_path, "i.json", body)]) == 1
    assert "revision.header.honoured: the interaction has steps" in capsys.readouterr().out


def test_validate_hints_at_the_revision_of_a_legacy_stream(tmp_path, capsys):
    p = get_profile("legacy")
    f = _write(tmp_path, "legacy.sse", S.to_bytes(S.events_for(p, S.sample_items(p))))
    assert main(["validate", f]) == 1
    out = capsys.readouterr().out
    assert "hint: the document conforms to revision legacy" in out and "pass --revision legacy" in out
    assert main(["validate", "--revision", "legacy", f]) == 0


def _iconf(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True, timeout=timeout)


def test_mock_rejects_a_port_out_of_range_without_a_traceback():
    proc = _iconf("mock", "--port", "99999")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "99999 is not a port number" in proc.stderr


def test_mock_on_a_busy_port_says_so_and_not_that_it_serves():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = _iconf("mock", "--port", str(port))
    assert proc.returncode == 2
    assert "serving on" not in proc.stderr and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_client_errors_name_the_subcommand(capsys):
    assert main(["client"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iconf client: error: no command given")


def test_cassettes_check_help_names_its_real_default(capsys):
    with pytest.raises(SystemExit):
        main(["cassettes", "check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "(default all: every revision directory found)" in help_text


def test_counts_are_singular_when_one():
    from conformance.clitools import plural

    assert plural(1, "request") == "1 request" and plural(2, "request") == "2 requests"
    assert plural(1, "retry", "retries") == "1 retry" and plural(0, "retry", "retries") == "0 retries"


def test_a_run_covers_every_revision_the_target_serves_by_default():
    from conformance.profiles import revision_names
    from conformance.suite.options import default_revision

    for target in ("mock", "replay"):
        assert sorted(revision_names(default_revision(target))) == ["2026-05-20", "legacy"]
    assert revision_names(default_revision("live")) == ["2026-05-20"]
    assert revision_names(default_revision("http://127.0.0.1:9")) == ["2026-05-20"]


def test_plain_run_outside_a_checkout_says_it_drops_the_replay_phase(tmp_path, monkeypatch, capsys):
    import argparse

    from conformance.suite.cli import default_targets

    monkeypatch.chdir(tmp_path)
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "ICONF_CASSETTE_DIR"):
        monkeypatch.delenv(name, raising=False)
    args = argparse.Namespace(target=None, record=None, api_key=None, cassette_dir=None)
    assert default_targets(args) == ["mock"]
    assert "the replay phase is skipped" in capsys.readouterr().err
