"""Render ``iconf schema diff`` results: a terminal table, JSON, or Markdown (for a PR comment)."""

from __future__ import annotations

import json
from collections import Counter

from .classify import LEVEL_TEXT, LEVELS
from .openapi_diff import Change

__all__ = ["render"]


def _ops(change: Change) -> str:
    ops = sorted(change.operations)
    if not ops:
        return ""
    return ops[0] if len(ops) == 1 else f"{ops[0]} (+{len(ops) - 1} more)"


def _summary(changes: list[Change]) -> str:
    counts = Counter(c.level for c in changes)
    return ", ".join(f"{counts.get(lvl, 0)} {LEVEL_TEXT[lvl]}" for lvl in LEVELS)


def _text(changes: list[Change], old: str, new: str) -> str:
    lines = [f"iconf schema diff: {old} -> {new}", f"{len(changes)} change(s): {_summary(changes)}"]
    if not changes:
        return "\n".join(lines) + "\n"
    id_w = min(max(len(c.id) for c in changes), 48)
    lines.append("")
    lines.append(f"{'LEVEL':<20}  {'CHECK':<{id_w}}  WHERE / CHANGE / WHY")
    for c in changes:
        lines.append(f"{LEVEL_TEXT[c.level]:<20}  {c.id:<{id_w}}  {c.location}")
        pad = " " * (22 + id_w + 2)
        lines.append(f"{pad}{c.message}")
        lines.append(f"{pad}why: {c.reason}")
        if c.operations:
            lines.append(f"{pad}used by: {_ops(c)}")
        elif c.unreferenced:
            lines.append(f"{pad}used by: no operation (an unreferenced component, judged as a {c.direction})")
    return "\n".join(lines) + "\n"


def _markdown(changes: list[Change], old: str, new: str) -> str:
    lines = [f"### `iconf schema diff` {old} → {new}", "", f"{len(changes)} change(s): {_summary(changes)}", ""]
    if not changes:
        return "\n".join(lines)
    lines += ["| Level | Check | Where | Change | Why | Used by |", "|---|---|---|---|---|---|"]
    for c in changes:
        used = _ops(c) or ("(unreferenced component)" if c.unreferenced else "")
        cells = [LEVEL_TEXT[c.level], f"`{c.id}`", f"`{c.location}`", c.message, c.reason, used]
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines) + "\n"


def _json(changes: list[Change], old: str, new: str) -> str:
    counts = Counter(c.level for c in changes)
    return json.dumps({"old": old, "new": new, "summary": {lvl: counts.get(lvl, 0) for lvl in LEVELS},
                       "breaking": any(c.breaking for c in changes),
                       "changes": [c.as_dict() for c in changes]}, indent=2) + "\n"


def render(changes: list[Change], fmt: str, *, old: str, new: str) -> str:
    return {"text": _text, "json": _json, "markdown": _markdown}[fmt](changes, old, new)
