"""The one-screen summary printed at the end of a run.

It answers the three questions a person at a terminal has, in that order:
how did each rule area do, which MUST rules failed and why (first
violation only; the rest is in the report), and what is the verdict. It is
rendered with rich, which degrades to plain text when stdout is not a
terminal (CI logs), and is also returned as plain text for logging.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..rules import Violation, describe_location
from .model import RunRecord
from .redact import redact_record, scrub

#: failed MUST rules listed before "... and N more"
MAX_LISTED = 12
_COLUMNS = ("passed", "failed", "warned", "skipped", "inconclusive", "not-run")
_STYLE = {"passed": "green", "failed": "bold red", "warned": "yellow", "skipped": "dim",
          "inconclusive": "dim", "not-run": "dim"}


def verdict_line(record: RunRecord) -> Text:
    """The run's verdict in one line; never PASS when no scenario was judged."""
    failed = record.must_failed()
    errored = record.errored()
    counts = record.counts()
    sc = counts["scenarios"]
    if not failed and not errored and not (sc["passed"] or sc["failed"]):
        text = Text("NO VERDICT", style="bold yellow")
        if sc["total"]:
            text.append(f": every scenario was skipped ({sc['total']}); no rule was judged", style="yellow")
        else:
            text.append(": no conformance scenario ran (is --iconf-target given and are the scenarios collected?)",
                        style="yellow")
        return text
    if not failed and not errored:
        text = Text("PASS", style="bold green")
        text.append(": no MUST rule failed", style="green")
    else:
        text = Text("FAIL", style="bold red")
        parts = []
        if failed:
            parts.append(f"{len(failed)} MUST rule{'s' if len(failed) != 1 else ''} failed")
        if errored:
            parts.append(f"{len(errored)} scenario{'s' if len(errored) != 1 else ''} errored")
        text.append(": " + ", ".join(parts), style="red")
    warned = counts["rules"]["warned"]
    if warned:
        text.append(f"; {warned} SHOULD warning{'s' if warned != 1 else ''}", style="yellow")
    text.append(f"  (exit {record.exit_code()})")
    return text


def _summary_renderables(record: RunRecord) -> list[RenderableType]:
    target = record.target or {}
    counts = record.counts()
    head = Text()
    head.append("Interactions API conformance", style="bold")
    head.append(f"  target {target.get('name') or '?'}")
    if target.get("base_url"):
        head.append(f" ({target['base_url']})")
    head.append(f"\nrevisions {', '.join(record.run_revisions) or '-'}  model {record.model or '-'}"
                f"  suite {record.suite_version}")
    sc = counts["scenarios"]
    head.append(f"\nscenarios: {sc['passed']} passed, {sc['failed']} failed, {sc['skipped']} skipped, "
                f"{sc['error']} error ({sc['total']} total)")

    table = Table(box=box.SIMPLE_HEAD, title="Rules by area (rule x revision)", title_justify="left",
                  pad_edge=False, show_edge=False)
    table.add_column("area")
    for status in _COLUMNS:
        table.add_column(status, justify="right", style=_STYLE[status])
    for area, area_counts in record.area_counts().items():
        if not sum(area_counts.values()):
            continue
        table.add_row(area, *[str(area_counts[s]) if area_counts[s] else "." for s in _COLUMNS])
    rc = counts["rules"]
    table.add_row("total", *[str(rc[s]) for s in _COLUMNS], style="bold")

    parts: list[RenderableType] = [head, table]

    failed_lines: list[Text] = []
    listed = 0
    matrix = record.rule_matrix()
    failed = record.must_failed()
    for rule_id in failed:
        for revision, cell in matrix[rule_id].items():
            if cell.status != "failed" or listed == MAX_LISTED:
                continue
            v = Violation.from_dict(cell.violations[0])
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append("  FAILED ", style="bold red")
            line.append(f"{rule_id} [{revision}]", style="bold")
            more = f" (+{len(cell.violations) - 1} more)" if len(cell.violations) > 1 else ""
            where = describe_location(v.location)
            line.append(f": {' '.join(v.message.split())}" + (f" at {where}" if where else "") + more)
            failed_lines.append(line)
            listed += 1
    if failed:
        parts.append(Text("Failed MUST rules (first violation each; the evidence is in the report):", style="bold"))
        parts.extend(failed_lines)
        total_failed_cells = counts["rules"]["failed"]
        if total_failed_cells > listed:
            parts.append(Text(f"  ... and {total_failed_cells - listed} more (see index.html / summary.json)"))
    errored = record.errored()
    if errored:
        err = Text("Errored scenarios (the suite could not judge them):\n", style="bold")
        reasons = {sc.nodeid: sc.skip_reason for sc in record.scenarios}
        for nodeid in errored[:5]:
            reason = " ".join((reasons.get(nodeid) or "").split())
            err.append(f"  ERROR {nodeid}" + (f": {reason}" if reason else "") + "\n", style="red")
        if len(errored) > 5:
            err.append(f"  ... and {len(errored) - 5} more\n")
        err.rstrip()
        err.no_wrap, err.overflow = True, "ellipsis"
        parts.append(err)
    parts.append(verdict_line(record))
    return parts


def render_summary(record: RunRecord, console: Console | None = None, *, width: int | None = None) -> str:
    """Print the summary to ``console`` (if given) and return it as plain text.

    Without a console nothing is printed; the plain text is ``width``
    columns wide (default: the console's width, else 100) and carries no
    escape codes, so it can go straight into a log. Long lines are cut with
    ``…``, never wrapped mid-phrase; the verdict is the last line.
    """
    safe = redact_record(record)
    renderables = _summary_renderables(safe)
    width = width or (console.width if console is not None else 100)
    capture = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False,
                      no_color=True, highlight=False, emoji=False, soft_wrap=False)
    capture.print(Group(*renderables))
    if console is not None:
        console.print(Group(*renderables), highlight=False)
    text = capture.file.getvalue()
    return scrub(text, record.secrets())
