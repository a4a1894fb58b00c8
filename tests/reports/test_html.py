"""index.html: escaping, self-containment and the machine-checkable hooks."""

from __future__ import annotations

import re

from conformance.reports import render_html, write_html

from .dom import expected_cells, hooks
from .records import API_KEY, HOSTILE, mixed_record, record, scenario


def test_evidence_is_escaped(tmp_path):
    page = write_html(mixed_record(), tmp_path).read_text()
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    # the hostile text still reads as text once parsed (in the message, evidence, transcript, extra finding)
    text = "".join(hooks(page).text)
    assert text.count(HOSTILE) >= 4


def test_hostile_ids_in_attributes_are_escaped():
    s = scenario('x" onmouseover="alert(1)', "passed", ["schema.interaction.valid"])
    page = render_html(record([s]))
    assert 'data-nodeid="x&quot; onmouseover=&quot;alert(1)"' in page
    assert "onmouseover=\"alert" not in page


def test_self_contained():
    page = render_html(mixed_record())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.startswith("<!doctype html>")


def test_no_secret_in_page():
    page = render_html(mixed_record())
    assert API_KEY not in page and "&lt;redacted&gt;" in page


def test_hooks_match_record():
    rec = mixed_record()
    h = hooks(render_html(rec))
    assert h.cells == expected_cells(rec)
    counts = rec.counts()
    attrs = h.by_id["counts"]
    for status in ("passed", "failed", "warned", "skipped", "inconclusive", "not-run"):
        assert int(attrs[f"data-{status}"]) == counts["rules"][status]
    sattrs = h.by_id["scenario-counts"]
    for outcome in ("passed", "failed", "skipped", "error"):
        assert int(sattrs[f"data-{outcome}"]) == counts["scenarios"][outcome]
    assert h.by_id["verdict"]["data-exit-code"] == "1"


def test_status_word_visible_in_every_cell():
    page = render_html(mixed_record())
    for m in re.finditer(r'<td class="cell s-([a-z-]+)"[^>]*data-status="([a-z-]+)"[^>]*>(.*?)</td>', page, re.S):
        css, status, body = m.groups()
        assert css == status
        assert status.replace("-", " ") in body


def test_failed_and_warned_cells_expand_to_evidence():
    page = render_html(mixed_record())
    cell = re.search(r'<td [^>]*data-rule="stream.terminal.exactly-one" data-revision="2026-05-20"[^>]*>(.*?)</td>',
                     page, re.S).group(1)
    assert cell.startswith("<details>")
    for needle in ("event[7]", "exactly one terminal event", "interaction.complete, &lt;error&gt;",
                   "tests/suite/test_stream.py::test_stream[2026-05-20]", "<pre>"):
        assert needle in cell
    warned = re.search(r'<td [^>]*data-rule="usage.totals.add-up" data-revision="2026-05-20"[^>]*>(.*?)</td>',
                       page, re.S).group(1)
    assert "<details>" in warned and "total_tokens 10 != 4 + 5" in warned


def test_rules_grouped_by_area_and_na_cells():
    page = render_html(record([], revisions=["2026-05-20", "legacy"]))
    areas = re.findall(r'<tbody class="area-group" data-area="([a-z-]+)"', page)
    assert areas[0] == "schema" and len(areas) == len(set(areas))
    row = re.search(r'<tr class="rule" id="rule-timeline.post.model-only".*?</tr>', page, re.S).group(0)
    assert ">n/a</td>" in row and row.count("data-status=") == 1


def test_control_and_nul_bytes_are_escaped():
    s = scenario("ctl", "failed", ["schema.interaction.valid"])
    s.transcript = "data: {\"text\": \"a\x00b\x1b[31mc\x7f\"}\n"
    page = render_html(record([s]))
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)
    assert "a\\x00b\\x1b[31mc\\x7f" in page


def test_an_errored_scenario_says_error_not_skipped():
    s = scenario("boom", "error", ["schema.interaction.valid"])
    s.skip_reason = "ConnectError: connection refused"
    page = render_html(record([s]))
    assert "error: ConnectError: connection refused" in page
    assert "skipped: ConnectError" not in page


def test_the_source_tag_legend_is_in_the_report():
    from conformance.rules import SOURCE_TAGS

    page = render_html(mixed_record())
    assert 'id="sources"' in page
    for tag in SOURCE_TAGS:
        assert f"<code>{tag}</code>" in page
    assert "../shared" not in page


def test_scenarios_table_has_fixed_column_widths():
    """The details column wraps instead of pushing the table past the window (checked in Chromium too)."""
    page = render_html(mixed_record())
    assert "table.scenarios{table-layout:fixed}" in page and '<col class="c-details">' in page


def test_no_verdict_when_no_scenario_ran():
    page = render_html(record([]))
    assert "NO VERDICT" in page and ">PASS<" not in page
