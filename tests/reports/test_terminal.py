"""The one-screen terminal summary."""

from __future__ import annotations

import io

from rich.console import Console

from conformance.reports import render_summary

from .records import API_KEY, mixed_record, record, scenario


def test_plain_text_summary():
    text = render_summary(mixed_record())
    assert "\x1b[" not in text
    assert "stream.terminal.exactly-one [2026-05-20]" in text
    assert "two terminal events" in text
    assert "FAIL" in text and "exit 1" in text
    assert "1 MUST rule failed" in text and "1 scenario errored" in text
    lines = text.splitlines()
    area_rows = {line.split()[0]: line.split()[1:] for line in lines if line.strip()}
    assert area_rows["stream"][:3] == [".", "1", "."]   # passed, failed, warned
    assert area_rows["usage"][:3] == [".", ".", "1"]
    assert area_rows["background"][3] == "1"           # skipped
    assert len(lines) < 45                              # one screen
    assert API_KEY not in text


def test_prints_to_a_non_tty_console_without_escape_codes():
    buf = io.StringIO()
    console = Console(file=buf, width=90)  # StringIO is not a tty: rich writes plain text
    text = render_summary(record([scenario("a", "passed", ["schema.interaction.valid"])]), console)
    out = buf.getvalue()
    assert "\x1b[" not in out
    assert "PASS" in out and "PASS" in text and "exit 0" in text


def test_tty_console_gets_colour():
    buf = io.StringIO()
    console = Console(file=buf, width=100, force_terminal=True, color_system="standard")
    render_summary(mixed_record(), console)
    assert "\x1b[" in buf.getvalue()


def test_long_failure_lists_are_cut_to_one_screen():
    from conformance.rules import RULES, violation

    musts = [r.id for r in RULES if r.level == "MUST" and "2026-05-20" in r.revisions]
    vs = [violation(r, f"broke {r}").to_dict() for r in musts]
    text = render_summary(record([scenario("a", "failed", musts, violations=vs)], revisions=["2026-05-20"]))
    assert f"and {len(musts) - 12} more" in text
    assert len(text.splitlines()) < 50
