"""How a checker shows a payload in a violation's message or evidence: compact JSON, cut to a length.

Every checker renders what it observed the same way, so the rendering lives here, apart from any one
checker (it used to sit in ``payload.py`` and be imported from there by the others).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["short"]

_TOO_DEEP_TO_SHOW = "<nested too deep to show>"


def short(value: Any, limit: int = 300) -> str:
    """A compact JSON rendering for messages and evidence, cut at ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except RecursionError:  # a hostile, absurdly nested value: evidence must not crash the verdict
        text = _TOO_DEEP_TO_SHOW
    except (TypeError, ValueError):
        try:
            text = repr(value)
        except RecursionError:
            text = _TOO_DEEP_TO_SHOW
    return text if len(text) <= limit else text[: limit - 1] + "…"
