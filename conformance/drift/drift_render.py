"""Print a drift comparison: plain text (the checklist people read) or JSON (for tools)."""

from __future__ import annotations

import json

from .compare import Drift

__all__ = ["drift_text", "drift_json"]


def _rows(rows: list[tuple], indent: str = "  ") -> list[str]:
    if not rows:
        return [f"{indent}(none)"]
    width = min(max(len(r[0]) for r in rows), 70)
    return [f"{indent}{r[0]:<{width}}  {'  '.join(r[1:])}" for r in rows]


def drift_text(drift: Drift, *, header: str, show_allowed: bool = True) -> str:
    lines = [header, ""]
    lines.append(f"SDK has, profile lacks ({len(drift.missing)}): add to the profile or to its DRIFT_ALLOW")
    lines += _rows(drift.missing)
    lines += ["", f"Profile has, SDK lacks ({len(drift.extra)}): our additions, or the SDK dropped them"]
    lines += _rows(drift.extra)
    if show_allowed:
        lines += ["", f"Deliberately left out (DRIFT_ALLOW, {len(drift.allowed)}), by reason"]
        by_reason: dict[str, list[str]] = {}
        for item, _where, reason in drift.allowed:
            by_reason.setdefault(reason, []).append(item)
        for reason, items in by_reason.items():
            shown = ", ".join(items[:6]) + (f", ... ({len(items)} in all)" if len(items) > 6 else "")
            lines += [f"  {reason}:", f"    {shown}"]
        if not by_reason:
            lines.append("  (none)")
    if drift.unused_allow:
        lines += ["", f"DRIFT_ALLOW entries that match nothing ({len(drift.unused_allow)}): remove them"]
        lines += [f"  {p}" for p in drift.unused_allow]
    verdict = "ok: nothing unexplained" if drift.ok else f"DRIFT: {len(drift.missing)} SDK item(s) not in the profile"
    lines += ["", verdict]
    return "\n".join(lines)


def drift_json(drift: Drift, *, meta: dict) -> str:
    return json.dumps({
        **meta,
        "ok": drift.ok,
        "missing": [{"item": i, "where": w} for i, w in drift.missing],
        "extra": [{"item": i, "where": w} for i, w in drift.extra],
        "allowed": [{"item": i, "where": w, "reason": r} for i, w, r in drift.allowed],
        "unused_allow": drift.unused_allow,
    }, indent=2)
