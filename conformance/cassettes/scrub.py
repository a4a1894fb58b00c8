"""Scrubbing: secrets never reach a cassette file.

Everything a cassette stores passes through a :class:`Scrubber` before it is
appended to the in-memory cassette, and the persister asks the same scrubber
to *prove* the text is clean before it writes (:meth:`Scrubber.leaks`); a
recording that still contains a secret is refused with :class:`SecretLeakError`
and nothing is written.

What is replaced:

* request headers ``x-goog-api-key`` (by a placeholder that only says whether
  it was the target's key or another one, so replay can still tell a missing
  key from a wrong one), ``Authorization``, ``Proxy-Authorization``, ``Cookie``;
* response headers ``Set-Cookie`` and any header whose value holds a secret;
* ``key=`` (and ``api_key=``, ``access_token=``) query parameters;
* every occurrence of a known secret (the target's API key, values given to
  the scrubber) and of every configured pattern, anywhere: URIs, bodies,
  stream chunks (a secret split across two chunks is found too, and the chunk
  boundaries are kept).

Patterns: :data:`DEFAULT_PATTERNS`, plus one regular expression per line in
``$ICONF_SCRUB_PATTERNS`` and in ``<cassette dir>/scrub-patterns.txt``
(``#`` starts a comment).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import SecretLeakError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..redaction import forms

#: what a target's own key becomes
KEY_PLACEHOLDER = "<redacted:api-key>"
#: what any other key value becomes (a deliberately wrong key, say)
OTHER_KEY_PLACEHOLDER = "<redacted:other-key>"
REDACTED = "<redacted>"

KEY_HEADERS = frozenset({"x-goog-api-key"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-goog-api-client-key"})
SECRET_QUERY = frozenset({"key", "api_key", "apikey", "access_token"})

#: patterns scrubbed from every recording (and refused if they survive)
DEFAULT_PATTERNS = (
    r"AIza[0-9A-Za-z_\-]{35}",         # Google API keys
    r"ya29\.[0-9A-Za-z_\-.]{20,}",      # Google OAuth access tokens
    r"iconf-mock-[0-9a-f]{8,}",         # the mock target's random canary key
)

PATTERNS_FILE = "scrub-patterns.txt"


def _read_patterns(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def configured_patterns(cassette_dir: Path | None = None) -> list[str]:
    """The default patterns, ``$ICONF_SCRUB_PATTERNS`` and ``<cassette_dir>/scrub-patterns.txt``."""
    patterns = list(DEFAULT_PATTERNS)
    patterns += _read_patterns(os.environ.get("ICONF_SCRUB_PATTERNS", ""))
    if cassette_dir is not None:
        f = Path(cassette_dir) / PATTERNS_FILE
        if f.is_file():
            patterns += _read_patterns(f.read_text(encoding="utf-8"))
    return patterns


@dataclass
class Scrubber:
    """Replaces secrets; knows the target's key so it can label key headers."""

    secrets: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=lambda: list(DEFAULT_PATTERNS))
    target_key: str | None = None

    def __post_init__(self) -> None:
        if self.target_key and self.target_key not in self.secrets:
            self.secrets.append(self.target_key)
        # longest first, so a secret containing another is replaced whole
        self.secrets = sorted({s for s in self.secrets if s and len(s) >= 4}, key=len, reverse=True)
        try:
            self._regexes = [re.compile(p) for p in self.patterns]
        except re.error as exc:
            raise ValueError(f"bad scrub pattern: {exc}") from None
        # each secret in every form a body, URL or page may hold it (conformance.redaction.forms)
        variants = sorted({f for s in self.secrets for f in forms(s)}, key=len, reverse=True)
        parts = [re.escape(s) for s in variants] + [f"(?:{p})" for p in self.patterns]
        self._any = re.compile("|".join(parts)) if parts else None
        self._any_b = re.compile("|".join(parts).encode()) if parts else None

    # -- text ----------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        return self._any.sub(REDACTED, value) if self._any is not None and value else value

    def data(self, value: bytes) -> bytes:
        return self._any_b.sub(REDACTED.encode(), value) if self._any_b is not None and value else value

    def chunks(self, chunks: list[bytes]) -> list[bytes]:
        """Scrub a stream, keeping its chunk boundaries (a secret across a boundary is found too)."""
        if self._any_b is None or not chunks:
            return list(chunks)
        joined = b"".join(chunks)
        spans = [m.span() for m in self._any_b.finditer(joined)]
        if not spans:
            return list(chunks)
        bounds, pos = [], 0
        for c in chunks:
            pos += len(c)
            bounds.append(pos)
        out_data = bytearray()
        mapped: dict[int, int] = {}
        cursor, b_iter = 0, iter(bounds)
        pending = next(b_iter, None)
        red = REDACTED.encode()

        def emit_until(limit: int) -> None:
            nonlocal cursor, pending
            while pending is not None and pending <= limit:
                out_data.extend(joined[cursor:pending])
                cursor = pending
                mapped[pending] = len(out_data)
                pending = next(b_iter, None)
            out_data.extend(joined[cursor:limit])
            cursor = limit

        for start, end in spans:
            emit_until(start)
            out_data.extend(red)
            # boundaries inside the secret move to its end
            while pending is not None and pending <= end:
                mapped[pending] = len(out_data)
                pending = next(b_iter, None)
            cursor = end
        emit_until(len(joined))
        out, prev = [], 0
        for b in bounds:
            new = mapped.get(b, len(out_data))
            out.append(bytes(out_data[prev:new]))
            prev = new
        return [c for c in out if c] or [b""]

    # -- HTTP parts ----------------------------------------------------------------------------

    def uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if any(k.lower() in SECRET_QUERY for k, _ in pairs):
                query = [(k, REDACTED if k.lower() in SECRET_QUERY else v) for k, v in pairs]
                parts = parts._replace(query=urlencode(query, safe="<>:"))
        if parts.username or parts.password:
            parts = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
        return self.text(urlunsplit(parts))

    def key_label(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value in (KEY_PLACEHOLDER, OTHER_KEY_PLACEHOLDER):
            return value
        return KEY_PLACEHOLDER if self.target_key and value == self.target_key else OTHER_KEY_PLACEHOLDER

    def request_headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in headers:
            low = name.lower()
            if low in KEY_HEADERS:
                value = self.key_label(value) or ""
            elif low in SECRET_HEADERS:
                value = REDACTED
            else:
                value = self.text(value)
            out.setdefault(low, []).append(value)
        return out

    def response_headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in headers:
            low = name.lower()
            value = REDACTED if low in SECRET_HEADERS or low in KEY_HEADERS else self.text(value)
            out.setdefault(low, []).append(value)
        return out

    # -- proof -----------------------------------------------------------------------------------

    def leaks(self, *, text: str | None = None, data: Any = None) -> list[str]:
        """What in ``text`` (the serialized cassette) or ``data`` (its structure) still looks secret."""
        found: list[str] = []

        def look(s: str, where: str) -> None:
            for secret in self.secrets:
                if secret in s:
                    found.append(f"{where}: the key/secret {_hint(secret)}")
            for rx in self._regexes:
                m = rx.search(s)
                if m:
                    found.append(f"{where}: pattern {rx.pattern!r} ({_hint(m.group(0))})")

        if text is not None:
            look(text, "text")
        if data is not None:
            for where, s in _strings(data, "$"):
                look(s, where)
        return found


def _hint(secret: str) -> str:
    return f"{secret[:4]}…({len(secret)} chars)"


def _strings(value: Any, where: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, bytes):
        yield where, value.decode("utf-8", "replace")
    elif isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k, f"{where}.<key>")
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (bytes, str)) for v in value):
            joined = "".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value)
            yield f"{where}[*]", joined
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")
