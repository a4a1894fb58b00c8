"""index.html: the run's report for people, as ONE self-contained file.

One file with inline CSS and no scripts, fonts or images from elsewhere, so
it can be attached to a CI run or a bug report and read offline years
later. Every value from the run is passed through :func:`html.escape`
(server answers are untrusted text), after secrets are redacted.

Status is never shown by colour alone: every cell carries its status word.
Elements carry machine-checkable hooks for tests and scrapers:
``data-rule``/``data-revision``/``data-status`` on matrix cells,
``#counts`` with ``data-<status>`` attributes (rule x revision cells),
``#scenario-counts`` likewise for scenarios, ``#verdict[data-exit-code]``.

The "only failed/warned" filter is pure CSS (``:has()``), so the page
works with scripts disabled.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..rules import FACTS_SECTIONS, RULES, SOURCE_TAGS
from .model import RuleCell, RunRecord, ScenarioResult
from .redact import redact_record, scrub

INDEX_FILE = "index.html"
#: cut-offs that keep a pathological run's page openable
MAX_EVIDENCE_CHARS = 20_000
MAX_TRANSCRIPT_CHARS = 100_000
MAX_VIOLATIONS_PER_CELL = 20

_STATUS_LABEL = {
    "passed": "\u2713 passed", "failed": "\u2717 failed", "warned": "! warned", "skipped": "\u2013 skipped",
    "inconclusive": "? inconclusive", "not-run": "\u00b7 not run",
}
#: display order everywhere on the page
_ORDER = ("passed", "failed", "warned", "skipped", "inconclusive", "not-run")
_STATUS_HELP = {
    "passed": "a scenario covering the rule passed and none reported a violation",
    "failed": "a scenario reported a violation of this MUST rule",
    "warned": "a scenario reported a violation of this SHOULD rule",
    "skipped": "every scenario covering the rule was skipped",
    "inconclusive": "scenarios covering the rule ran but failed or errored on other rules",
    "not-run": "no scenario in this run covers the rule",
}
_OUTCOME_STATUS = {"passed": "passed", "failed": "failed", "skipped": "skipped", "error": "failed"}

_CSS = """
:root{--pass:#116329;--pass-bg:#d3f5dc;--fail:#a40e26;--fail-bg:#ffdcd7;--warn:#7a4d00;--warn-bg:#fff0b3;
--skip:#424a53;--skip-bg:#e1e4e8;--light:#f6f8fa;--muted:#57606a;--border:#d0d7de;--ink:#1f2328}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);background:#fff}
header{padding:18px 24px 14px;background:var(--light);border-bottom:1px solid var(--border)}
main{padding:4px 24px 48px}
h1{font-size:21px;margin:0 0 10px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--border)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.verdict{display:inline-block;font-size:16px;font-weight:700;padding:5px 14px;border-radius:6px;border:2px solid}
.verdict.pass{background:var(--pass-bg);color:var(--pass)}
.verdict.fail{background:var(--fail-bg);color:var(--fail)}
.verdict.none{background:var(--warn-bg);color:var(--warn)}
.verdict-why{margin-left:10px;color:var(--ink)}
.cols{display:flex;flex-wrap:wrap;gap:10px 40px;margin-top:12px}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 0}
.counts .what{color:var(--muted);min-width:10.5em}
.chip{display:inline-block;padding:1px 9px;border-radius:12px;font-weight:600;border:1px solid var(--border)}
.s-passed{background:var(--pass-bg);color:var(--pass)}
.s-failed{background:var(--fail-bg);color:var(--fail)}
.s-warned{background:var(--warn-bg);color:var(--warn)}
.s-skipped{background:var(--skip-bg);color:var(--skip)}
.s-inconclusive{background:var(--light);color:var(--muted);font-style:italic}
.s-not-run{background:#fff;color:var(--muted)}
.s-na{background:#fff;color:#8c959f;font-weight:400}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#fff;z-index:1;box-shadow:0 1px 0 var(--border)}
tr.area th{background:#eaeef2;font-size:13px;letter-spacing:.02em}
tr.area .area-counts{font-weight:400;color:var(--muted);margin-left:10px}
td.rule-id{white-space:nowrap}
td.level{white-space:nowrap;font-size:12px;font-weight:600}
td.statement .source{display:block;color:var(--muted);font-size:12px}
td.cell{white-space:nowrap;font-weight:600;min-width:8.5em}
td.cell.s-not-run,td.cell.s-inconclusive{font-weight:400}
td.cell details[open]{white-space:normal;min-width:30em;max-width:56em;font-weight:400}
td.cell details[open] summary{font-weight:600}
summary{cursor:pointer}
.violation{border-left:3px solid currentColor;padding:2px 0 4px 8px;margin:8px 0;color:var(--ink)}
.violation .msg{font-weight:600}
.violation dl{display:grid;grid-template-columns:max-content auto;gap:1px 10px;margin:4px 0}
.violation dt{color:var(--muted)}
.violation dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:26em;overflow:auto;background:var(--light);
border:1px solid var(--border);border-radius:4px;padding:6px 8px;margin:4px 0;color:var(--ink);font-weight:400}
.muted{color:var(--muted)}
.filter{margin:6px 0 10px;user-select:none}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12.5px;margin:4px 0 10px}
.legend .chip{font-size:12px}
table.scenarios{table-layout:fixed}
table.scenarios td,#extra-findings td{overflow-wrap:anywhere}
table.scenarios col.c-name{width:26%}table.scenarios col.c-area{width:7em}table.scenarios col.c-rev{width:7.5em}
table.scenarios col.c-outcome{width:6.5em}table.scenarios col.c-dur{width:6em}table.scenarios col.c-rules{width:4.5em}
table.sources{table-layout:fixed}table.sources col.c-tag{width:9em}
td.outcome{white-space:nowrap;font-weight:600}
td.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
table.scenarios td.nowrap{white-space:normal}
ul.plain{margin:2px 0;padding-left:18px}
body:has(#only-problems:checked) tbody.area-group:not(:has(td.s-failed,td.s-warned)),
body:has(#only-problems:checked) tr.rule:not(:has(td.s-failed,td.s-warned)),
body:has(#only-problems:checked) tr.scenario:not(.o-failed):not(.o-error){display:none}
@media print{thead th{position:static}.filter{display:none}}
"""


#: C0 controls (but tab, newline, carriage return), DEL and C1 controls: shown as \\xNN, never written raw
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}


def _e(value: Any) -> str:
    """Escape anything for HTML text or a double-quoted attribute; control and NUL bytes become visible ``\\xNN``."""
    return html.escape(("" if value is None else str(value)).translate(_CONTROLS), quote=True)


def _pretty(value: Any, limit: int) -> str:
    """A readable, length-capped rendering of evidence (JSON if structured)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=False)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > limit:
        text = text[:limit] + f"\n... [{len(text) - limit} more characters cut; see summary.json]"
    return text


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def _duration(record: RunRecord) -> str:
    start, end = _parse_time(record.started), _parse_time(record.finished)
    if not start or not end:
        return ""
    try:
        seconds = (end - start).total_seconds()
    except TypeError:  # one naive, one aware
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"


def _counts_html(element_id: str, what: str, counts: dict[str, int], order: tuple[str, ...]) -> str:
    attrs = " ".join(f'data-{_e(k)}="{int(v)}"' for k, v in counts.items())
    chips = "".join(
        f'<span class="chip s-{_STATUS_OF.get(k, k)}" data-count="{_e(k)}">{int(counts[k])} {_e(k.replace("-", " "))}</span>'
        for k in order if k in counts
    )
    return (f'<div class="counts" id="{element_id}" {attrs}><span class="what">{_e(what)}</span>{chips}'
            f'<span class="muted">of {int(counts.get("total", 0))}</span></div>')


_STATUS_OF = {"error": "failed"}


def _header(record: RunRecord) -> str:
    target = record.target or {}
    counts = record.counts()
    exit_code = record.exit_code()
    failed, errored = record.must_failed(), record.errored()
    judged = counts["scenarios"]["passed"] + counts["scenarios"]["failed"]
    if exit_code == 0 and not judged:
        verdict = '<span class="verdict none">NO VERDICT</span>'
        why = "no scenario was judged (none ran, or every one was skipped)"
    elif exit_code == 0:
        verdict = '<span class="verdict pass">PASS</span>'
        why = "no MUST rule failed and no scenario errored"
    else:
        verdict = '<span class="verdict fail">FAIL</span>'
        bits = []
        if failed:
            bits.append(f"{len(failed)} MUST rule{'s' if len(failed) != 1 else ''} failed")
        if errored:
            bits.append(f"{len(errored)} scenario{'s' if len(errored) != 1 else ''} errored")
        why = ", ".join(bits)
    rc = counts["rules"]
    notes = []
    if rc["warned"]:
        notes.append(f"{rc['warned']} SHOULD warning{'s' if rc['warned'] != 1 else ''}")
    unjudged = rc["not-run"] + rc["inconclusive"] + rc["skipped"]
    if unjudged:
        notes.append(f"{unjudged} of {rc['total']} rule checks not judged (skipped, inconclusive or not run)")
    why_html = _e(why) + (f' <span class="muted">\u2014 {_e("; ".join(notes))}</span>' if notes else "")

    meta = [
        ("Target", f"{target.get('name') or '?'}" + (f" ({target['kind']})" if target.get("kind") else "")),
        ("Base URL", target.get("base_url") or ""),
        ("Revisions", ", ".join(record.run_revisions)),
        ("Model", record.model or "\u2014"),
        ("Suite version", record.suite_version),
    ]
    meta2 = [
        ("Run", record.run_id),
        ("Started", record.started),
        ("Finished", record.finished),
        ("Duration", _duration(record)),
        ("Spent", ", ".join(f"{k}: {v}" for k, v in (record.spent or {}).items()) or "\u2014"),
    ]

    def dl(rows: list[tuple[str, str]]) -> str:
        return '<dl class="meta">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"

    options = ""
    if record.options:
        options = (f'<details><summary class="muted">Run options</summary><pre>'
                   f"{_e(_pretty(record.options, MAX_EVIDENCE_CHARS))}</pre></details>")
    rule_counts = {k: rc[k] for k in ("passed", "failed", "warned", "skipped", "inconclusive", "not-run", "total")}
    return (
        "<header>"
        f"<h1>Interactions API conformance: {_e(target.get('name') or '?')}</h1>"
        f'<div id="verdict" data-exit-code="{exit_code}">{verdict}<span class="verdict-why">{why_html}</span></div>'
        f'<div class="cols">{dl(meta)}{dl(meta2)}</div>'
        '<div style="margin-top:12px">'
        + _counts_html("counts", "Rules (rule \u00d7 revision)", rule_counts,
                       ("passed", "failed", "warned", "skipped", "inconclusive", "not-run"))
        + _counts_html("scenario-counts", "Scenarios", counts["scenarios"], ("passed", "failed", "skipped", "error"))
        + "</div>" + options + "</header>"
    )


def _violation_html(v: dict, scenario_names: dict[str, str]) -> str:
    rows = []
    for label, key in (("location", "location"), ("expected", "expected"), ("observed", "observed")):
        if v.get(key) not in (None, ""):
            rows.append(f"<dt>{label}</dt><dd><code>{_e(v.get(key))}</code></dd>")
    nodeid = v.get("scenario") or ""
    name = scenario_names.get(nodeid)
    rows.append(f"<dt>scenario</dt><dd><code>{_e(nodeid)}</code>"
                + (f' <span class="muted">({_e(name)})</span>' if name and name != nodeid else "") + "</dd>")
    evidence = v.get("evidence")
    pre = f"<pre>{_e(_pretty(evidence, MAX_EVIDENCE_CHARS))}</pre>" if evidence not in (None, {}, [], "") else ""
    return (f'<div class="violation"><div class="msg">{_e(v.get("message"))}</div>'
            f'<dl>{"".join(rows)}</dl>{pre}</div>')


def _cell_html(cell: RuleCell, outcomes: dict[str, str], names: dict[str, str]) -> str:
    hooks = (f'class="cell s-{_e(cell.status)}" data-rule="{_e(cell.rule_id)}" '
             f'data-revision="{_e(cell.revision)}" data-status="{_e(cell.status)}"')
    label = _e(_STATUS_LABEL[cell.status])
    if cell.status in ("failed", "warned"):
        shown = cell.violations[:MAX_VIOLATIONS_PER_CELL]
        body = "".join(_violation_html(v, names) for v in shown)
        if len(cell.violations) > len(shown):
            body += f'<p class="muted">{len(cell.violations) - len(shown)} more violations in summary.json</p>'
        n = len(cell.violations)
        return (f"<td {hooks}><details><summary>{label} <span class=\"muted\">({n})</span></summary>"
                f"{body}</details></td>")
    if cell.status == "skipped":
        items = "".join(f"<li>{_e(r)}</li>" for r in cell.skip_reasons)
        return f'<td {hooks}><details><summary>{label}</summary><ul class="plain">{items}</ul></details></td>'
    if cell.status == "inconclusive":
        items = "".join(f"<li><code>{_e(n)}</code>: {_e(outcomes.get(n, '?'))}</li>" for n in cell.scenarios)
        return (f'<td {hooks}><details><summary>{label}</summary><p class="muted">{_e(_STATUS_HELP["inconclusive"])}'
                f'</p><ul class="plain">{items}</ul></details></td>')
    title = _STATUS_HELP[cell.status]
    if cell.scenarios:
        title += ": " + ", ".join(cell.scenarios[:10]) + (" ..." if len(cell.scenarios) > 10 else "")
    return f'<td {hooks} title="{_e(title)}">{label}</td>'


def _matrix(record: RunRecord) -> str:
    revisions = record.run_revisions
    matrix = record.rule_matrix()
    area_counts = record.area_counts()
    outcomes = {s.nodeid: s.outcome for s in record.scenarios}
    names = {s.nodeid: s.name for s in record.scenarios}
    ncols = 3 + len(revisions)
    head = ("<thead><tr><th>Rule</th><th>Level</th><th>Statement</th>"
            + "".join(f'<th data-revision="{_e(r)}">{_e(r)}</th>' for r in revisions) + "</tr></thead>")
    groups: dict[str, list[str]] = {}
    for rule in RULES:
        row = matrix.get(rule.id, {})
        cells = []
        for rev in revisions:
            cell = row.get(rev)
            if cell is None:
                cells.append(f'<td class="cell s-na" title="not judged by this run (another revision, or a {_e(rule.party)} rule)">n/a</td>')
            else:
                cells.append(_cell_html(cell, outcomes, names))
        party = f" \u00b7 {_e(rule.party)} rule" if rule.party != "server" else ""
        groups.setdefault(rule.area, []).append(
            f'<tr class="rule" id="rule-{_e(rule.id)}" data-rule="{_e(rule.id)}" data-level="{_e(rule.level)}">'
            f'<td class="rule-id"><code>{_e(rule.id)}</code></td><td class="level">{_e(rule.level)}</td>'
            f'<td class="statement">{_e(rule.statement)}<span class="source">{_e(rule.source)}'
            f'{party}</span></td>'
            + "".join(cells) + "</tr>"
        )
    bodies = []
    for area, rows in groups.items():
        ac = area_counts.get(area, {})
        summary = " \u00b7 ".join(f"{n} {s.replace('-', ' ')}" for s in _ORDER if (n := ac.get(s)))
        bodies.append(
            f'<tbody class="area-group" data-area="{_e(area)}"><tr class="area"><th colspan="{ncols}">{_e(area)}'
            f'<span class="area-counts">{_e(summary)}</span></th></tr>' + "".join(rows) + "</tbody>"
        )
    legend = "".join(
        f'<span><span class="chip s-{s}">{_e(_STATUS_LABEL[s])}</span> {_e(_STATUS_HELP[s])}</span>'
        for s in _ORDER
    )
    return (
        '<section id="matrix"><h2>Conformance matrix</h2>'
        f'<div class="legend">{legend}</div>'
        '<label class="filter"><input type="checkbox" id="only-problems"> show only failed and warned rules '
        "and failed/errored scenarios</label>"
        f'<table class="matrix">{head}{"".join(bodies)}</table></section>'
    )


def _scenario_row(s: ScenarioResult) -> str:
    status = _OUTCOME_STATUS[s.outcome]
    details = []
    if s.violations:
        items = "".join(
            f"<li><code>{_e(v.get('rule_id'))}</code> ({_e(v.get('level'))}): {_e(v.get('message'))}"
            + (f' <span class="muted">at {_e(v.get("location"))}</span>' if v.get("location") else "") + "</li>"
            for v in s.violations
        )
        details.append(f'<ul class="plain">{items}</ul>')
    if s.skip_reason:
        word = "error" if s.outcome == "error" else "skipped"
        details.append(f'<div class="muted">{word}: {_e(s.skip_reason)}</div>')
    if s.transcript:
        details.append(f"<details><summary>transcript</summary><pre>"
                       f"{_e(_pretty(s.transcript, MAX_TRANSCRIPT_CHARS))}</pre></details>")
    rules = ""
    if s.rules:
        rules = (f"<details><summary>{len(s.rules)}</summary><ul class=\"plain\">"
                 + "".join(f'<li><a href="#rule-{_e(r)}"><code>{_e(r)}</code></a></li>' for r in s.rules)
                 + "</ul></details>")
    name = _e(s.name) + (f'<div class="muted mono">{_e(s.nodeid)}</div>' if s.nodeid != s.name else "")
    return (
        f'<tr class="scenario o-{_e(s.outcome)}" data-nodeid="{_e(s.nodeid)}" data-revision="{_e(s.revision)}" '
        f'data-outcome="{_e(s.outcome)}"><td>{name}</td><td>{_e(s.area or "")}</td><td class="nowrap">{_e(s.revision)}</td>'
        f'<td class="outcome s-{status}">{_e(s.outcome)}</td><td class="num">{s.duration:.2f} s</td>'
        f'<td class="nowrap">{rules}</td><td>{"".join(details)}</td></tr>'
    )


def _scenarios(record: RunRecord) -> str:
    if not record.scenarios:
        return '<section id="scenarios"><h2>Scenarios</h2><p class="muted">No scenario ran.</p></section>'
    return (
        '<section id="scenarios"><h2>Scenarios</h2><table class="scenarios"><colgroup><col class="c-name">'
        '<col class="c-area"><col class="c-rev"><col class="c-outcome"><col class="c-dur"><col class="c-rules">'
        '<col class="c-details"></colgroup><thead><tr><th>Scenario</th>'
        "<th>Area</th><th>Revision</th><th>Outcome</th><th>Duration</th><th>Rules</th><th>Details</th></tr></thead>"
        "<tbody>" + "".join(_scenario_row(s) for s in record.scenarios) + "</tbody></table></section>"
    )


def _extra_findings(record: RunRecord) -> str:
    if not record.extra_findings:
        return ('<section id="extra-findings"><h2>Extra findings</h2>'
                '<p class="muted">No findings from other tools.</p></section>')
    rows = []
    for f in record.extra_findings:
        rule_id = f.get("rule_id")
        level = RULES[rule_id].level if rule_id and rule_id in RULES else ""
        rule = (f'<a href="#rule-{_e(rule_id)}"><code>{_e(rule_id)}</code></a> {_e(level)}' if rule_id and level
                else f"<code>{_e(rule_id)}</code>" if rule_id else '<span class="muted">\u2014</span>')
        evidence = f.get("evidence")
        ev = (f"<details><summary>evidence</summary><pre>{_e(_pretty(evidence, MAX_EVIDENCE_CHARS))}</pre></details>"
              if evidence not in (None, "", {}, []) else "")
        rows.append(f'<tr class="finding" data-source="{_e(f.get("source"))}" data-rule="{_e(rule_id or "")}">'
                    f'<td>{_e(f.get("source"))}</td><td>{_e(f.get("check"))}</td><td>{rule}</td>'
                    f'<td>{_e(f.get("message"))}{ev}</td></tr>')
    return (
        '<section id="extra-findings"><h2>Extra findings</h2>'
        '<p class="muted">From tools that do not run as scenarios (e.g. schemathesis); not part of the matrix.</p>'
        "<table><thead><tr><th>Source</th><th>Check</th><th>Rule</th><th>Finding</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></section>"
    )


def _sources() -> str:
    """The legend of the source tags of the Statement column (the same as docs/sources.md)."""
    rows = "".join(f"<tr><td><code>{_e(tag)}</code></td><td>{_e(text)}</td></tr>" for tag, text in SOURCE_TAGS.items())
    sections = "".join(f"<tr><td><code>FACTS {_e(sec)}</code></td><td>{_e(text)}</td></tr>"
                       for sec, text in FACTS_SECTIONS.items())
    return (
        '<section id="sources"><h2>Sources</h2><p class="muted">What the tags under each rule\'s statement mean.</p>'
        '<table class="sources"><colgroup><col class="c-tag"><col></colgroup><tbody>' + rows + sections
        + "</tbody></table></section>"
    )


def render_html(record: RunRecord) -> str:
    """The whole page for ``record`` as a string (secrets redacted)."""
    safe = redact_record(record)
    title = f"Conformance {safe.target.get('name') or ''} {safe.run_id}".strip()
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        + _header(safe)
        + "<main>" + _matrix(safe) + _scenarios(safe) + _extra_findings(safe) + _sources() + "</main>"
        + f'<footer class="muted" style="padding:0 24px 24px">interactions-conformance {_e(safe.suite_version)}'
        " \u00b7 machine-readable results: summary.json, junit.xml, allure-results/</footer>"
        "</body></html>\n"
    )
    return scrub(page, record.secrets())


def write_html(record: RunRecord, run_dir: Path) -> Path:
    """Write ``run_dir/index.html`` and return its path."""
    path = Path(run_dir) / INDEX_FILE
    path.write_text(render_html(record), encoding="utf-8")
    return path
