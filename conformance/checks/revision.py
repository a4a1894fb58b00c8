"""Revisions a server no longer serves: the live API retired legacy on 2026-06-08 (API-FACTS §9).

Old clients, old mocks and third-party servers still speak legacy, so the
legacy profile stays; what a server that *has* retired it must do is answer a
legacy request with the documented 400 instead of serving either shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules import Violation, violation
from ._render import short

__all__ = ["legacy_retired", "RETIRED_PHRASE"]

#: the documented answer says the legacy schema "is no longer supported"
RETIRED_PHRASE = "no longer supported"


def legacy_retired(status_code: int, body: Any, *, where: str = "POST /interactions") -> list[Violation]:
    """``revision.legacy.retired``: 400, an error envelope, a message saying legacy is no longer supported."""
    error = body.get("error") if isinstance(body, Mapping) else None
    message = error.get("message") if isinstance(error, Mapping) else None
    if status_code == 400 and isinstance(message, str) and RETIRED_PHRASE in message.lower():
        return []
    return [violation("revision.legacy.retired", f"a legacy request was answered HTTP {status_code}, not the "
                      "documented 400 saying legacy is no longer supported", location=where,
                      expected='400 {"error": {"code": "invalid_request", "message": "... no longer supported."}}',
                      observed=f"{status_code} {short(body, 200)}")]
