"""One redaction for every writer: which names are secret, how a secret is found, what replaces it.

A secret must not reach any report, cassette, log or transcript *in any
encoding*: an API key containing ``"`` or ``\\`` is written ``\\"`` and
``\\\\`` once a JSON body that carried it is kept as text, ``%22`` in a URL,
``&quot;`` in HTML. So a secret is searched for in each of those forms
(:func:`forms`), and redaction runs on the structured data before it is
serialised (:func:`redact_data`), with :func:`redact_text` for text that
already holds serialised bodies (transcripts). Used by the report writers
(``reports.redact``), the target client's transcripts, the proxy and the
cassette scrubber.

No imports from the rest of the package: every layer may use it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

#: what a secret becomes, everywhere
PLACEHOLDER = "<redacted>"
#: names (option keys, header names, query parameters) whose values are secrets
SECRET_NAME = re.compile(r"key|token|secret|password|passwd|credential|authorization|cookie", re.IGNORECASE)
#: a Google API key, wherever it shows up, declared or not
GOOGLE_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
#: shorter values are redacted where they are a named secret's value, but not searched for in free text
MIN_SECRET_LEN = 4


def is_secret_name(name: Any) -> bool:
    """True for names like ``api_key``, ``x-goog-api-key``, ``Authorization``, ``client_secret``."""
    return bool(SECRET_NAME.search(str(name)))


def forms(secret: str) -> list[str]:
    """``secret`` as it can appear in text: raw, JSON-escaped (twice, as in a JSON string holding a JSON
    body), URL-encoded, HTML-escaped, and those combined; longest first."""
    out = {secret}
    for _ in range(2):
        for s in list(out):
            out.add(json.dumps(s)[1:-1])
            out.add(json.dumps(s, ensure_ascii=False)[1:-1])
            out.add(quote(s, safe=""))
            out.add(quote_plus(s, safe=""))
            out.add(html.escape(s))
            out.add(html.escape(s, quote=False))
    return sorted(out, key=len, reverse=True)


class Redactor:
    """Finds a fixed set of secrets, in every form, in text and in structured data."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        found = sorted({s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LEN}, key=len,
                       reverse=True)
        self.secrets = found
        variants = sorted({f for s in found for f in forms(s)}, key=len, reverse=True)
        parts = [re.escape(v) for v in variants] + [GOOGLE_KEY.pattern]
        self._text = re.compile("|".join(parts))
        self._bytes = re.compile("|".join(parts).encode("utf-8"))

    def text(self, value: str) -> str:
        return self._text.sub(PLACEHOLDER, value) if value else value

    def bytes(self, value: bytes) -> bytes:
        return self._bytes.sub(PLACEHOLDER.encode(), value) if value else value

    def data(self, value: Any, *, by_name: bool = False) -> Any:
        """A copy of a JSON-like structure: the value of every secret-named key replaced whole (when
        ``by_name``), every string searched for the secrets, keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                key = self.text(k) if isinstance(k, str) else k
                named = by_name and is_secret_name(k) and isinstance(v, str) and v not in ("", PLACEHOLDER)
                out[key] = PLACEHOLDER if named else self.data(v, by_name=by_name)
            return out
        if isinstance(value, (list, tuple)):
            return [self.data(v, by_name=by_name) for v in value]
        return value


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of every secret (and anything shaped like a Google API key) replaced."""
    return Redactor(secrets).text(text)


def redact_data(value: Any, secrets: Iterable[str | None], *, by_name: bool = False) -> Any:
    """A JSON-like structure with every secret replaced, before it is serialised (see :class:`Redactor`)."""
    return Redactor(secrets).data(value, by_name=by_name)


__all__ = ["GOOGLE_KEY", "MIN_SECRET_LEN", "PLACEHOLDER", "Redactor", "forms", "is_secret_name", "redact_data",
           "redact_text"]
