"""The one timestamp format of reports and cassettes: ISO-8601 UTC to the second, ``2026-11-21T05:12:00Z``."""

from __future__ import annotations

import datetime as _dt


def utcnow() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
