"""Keep API keys out of every log line the servers write (the mock's access log, the proxy's httpx log).

uvicorn's access log prints the request path with its query, so ``?key=...``
would land in clear in the mock's log; httpx logs every upstream URL at INFO,
so the proxy in front of a real API would print the real key the moment a
caller turns logging on. A :class:`RedactKeys` filter on those loggers
rewrites the final message; headers are never logged by either.
"""

from __future__ import annotations

import logging
import re

from .redaction import PLACEHOLDER as REDACTED  # the one placeholder (conformance.redaction)

__all__ = ["REDACTED", "RedactKeys", "install", "redact"]
_QUERY = re.compile(r"(?i)((?:^|[?&;\s\"'])(?:key|api_key|apikey|api-key|access_token|token)=)[^&;\s\"']*")
_HEADER = re.compile(r"(?i)((?:x-goog-api-key|authorization)[\"']?\s*[:=,]\s*[\"']?)[^\s\"',)}\]]+")
#: the loggers that see request URLs: uvicorn's access and error logs, httpx (the proxy's upstream calls)
LOGGERS = ("uvicorn.access", "uvicorn.error", "httpx")


def redact(text: str) -> str:
    """``text`` with the value of every key-like query parameter and key header replaced by <redacted>."""
    lowered = text.lower()
    if "key" in lowered or "token=" in lowered:
        text = _QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    if "x-goog-api-key" in lowered or "authorization" in lowered:
        text = _HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactKeys(logging.Filter):
    """Rewrites a record's message with :func:`redact` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is left to logging's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install(names: tuple[str, ...] = LOGGERS) -> None:
    """Attach one RedactKeys filter to each named logger (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
