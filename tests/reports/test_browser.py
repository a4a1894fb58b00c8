"""Open index.html in headless Chromium and check what it rendered against the record.

This catches what string tests cannot: markup the browser repairs or drops
(an unclosed tag swallowing a row, a cell escaping its table), so the
hooks are read from the DOM Chromium built, not from the file we wrote.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.reports import write_html
from conformance.rules import RULES

from .dom import expected_cells, hooks
from .records import HOSTILE, mixed_record

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def dump_dom(page: Path, profile: Path) -> str:
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (install it with: apt-get install -y chromium)")
    proc = subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(profile)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def test_rendered_dom_matches_record(tmp_path):
    rec = mixed_record()
    page = write_html(rec, tmp_path)
    dom = hooks(dump_dom(page, tmp_path / "profile"))

    assert dom.cells == expected_cells(rec)

    counts = rec.counts()
    attrs = dom.by_id["counts"]
    for status in ("passed", "failed", "warned", "skipped", "inconclusive", "not-run"):
        assert int(attrs[f"data-{status}"]) == counts["rules"][status], status
    for outcome in ("passed", "failed", "skipped", "error"):
        assert int(dom.by_id["scenario-counts"][f"data-{outcome}"]) == counts["scenarios"][outcome], outcome
    assert dom.by_id["verdict"]["data-exit-code"] == str(rec.exit_code())

    # the hostile evidence stayed text: no element came out of it
    assert not [t for t, _ in dom.tags if t in ("script", "img")]
    assert HOSTILE in "".join(dom.text)
    # every rule has its row, and every row as many cells as the header (no markup leaked out of a cell)
    widths: list[int] = []
    for tag, a in dom.tags:
        if tag == "tr":
            widths.append(0) if "data-level" in a else widths.append(-1)
        elif tag == "td" and widths and widths[-1] >= 0:
            widths[-1] += 1
    rule_rows = [w for w in widths if w >= 0]
    assert len(rule_rows) == len(RULES)
    assert set(rule_rows) == {3 + len(rec.run_revisions)}


def test_skips_with_install_hint_without_chromium(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.chromium", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        dump_dom(tmp_path / "index.html", tmp_path)


def test_the_page_fits_a_1400_px_window(tmp_path):
    """No table is wider than a 1 400 px window: long details wrap inside their column."""
    from .records import scenario

    rec = mixed_record()
    long = scenario("scenarios/test_streaming.py::test_" + "very_long_name_" * 8 + "[2026-05-20-text]", "error",
                    ["stream.terminal.exactly-one"])
    long.skip_reason = "ConnectError: " + "x" * 600
    rec.scenarios.append(long)
    page = write_html(rec, tmp_path)
    probe = ("<script>document.addEventListener('DOMContentLoaded',()=>{document.body.dataset.width="
             "Math.max(...[...document.querySelectorAll('table')].map(t=>Math.ceil(t.getBoundingClientRect().right)),"
             "document.documentElement.scrollWidth)})</script>")
    page.write_text(page.read_text().replace("</body>", probe + "</body>"))
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (install it with: apt-get install -y chromium)")
    proc = subprocess.run([exe, *FLAGS, "--window-size=1400,900", f"--user-data-dir={tmp_path / 'profile'}",
                           "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path / "profile")})
    width = int(re.search(r'<body data-width="(\d+)"', proc.stdout).group(1))
    assert width <= 1400, width
