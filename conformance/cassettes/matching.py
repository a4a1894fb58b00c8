"""Request matching for replay: vcrpy matchers over a normalised view of each request.

A recorded request and a replayed one match when they agree on:

* ``method``;
* ``path``: the URL path and query, without host/port (the mock listens on a
  random port, replay has no host) and without ``key=``-style parameters;
* ``api_revision``: the ``Api-Revision`` header (absent counts as a value);
* ``api_key``: whether a key was sent, and whether it was the target's own
  (so "no key" and "wrong key" requests stay apart);
* ``json_body``: the body compared as data (key order and whitespace ignored);
  a body that is not JSON is compared byte for byte.

Volatile values (interaction ids, call ids, event ids, timestamps,
signatures) are normalised before comparing: a value that an earlier answer
in the same cassette produced is replaced by a reference to *which* earlier
value it was (``<ref:3>``: the fourth volatile value seen). So
``GET /interactions/<id>`` or ``previous_interaction_id`` match the recorded
request even when the id itself differs (a cassette recorded against another
server, an edited cassette, a new_episodes run), and a chain still connects.

The matchers are plain vcrpy matchers (``matcher(r1, r2)`` raising
``AssertionError`` with the difference), used through vcrpy's
``Cassette``/``requests_match``; each request carries its normalised view
in the attribute ``iconf_key`` (see :class:`VolatileBook`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .scrub import KEY_PLACEHOLDER, SECRET_QUERY

#: keys whose string values in answers are remembered as volatile
VOLATILE_KEYS = frozenset({"id", "interaction_id", "call_id", "event_id", "last_event_id", "created", "updated",
                           "signature", "thought_signature", "previous_interaction_id"})
_MIN_VOLATILE_LEN = 6


class VolatileBook:
    """The volatile values seen in answers so far, in order of first appearance."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._index)

    def learn_json(self, value: Any) -> None:
        for v in _volatile_values(value):
            if v not in self._index:
                self._index[v] = len(self._index)

    def learn_body(self, data: bytes, content_type: str | None) -> None:
        """Learn from a JSON body or an SSE stream's ``data:`` lines."""
        if not data:
            return
        if content_type and "event-stream" in content_type.lower():
            for line in data.decode("utf-8", "replace").splitlines():
                if line.startswith("data:"):
                    self.learn_json(_loads(line[5:].strip()))
                elif line.startswith("id:"):
                    self.learn_json({"event_id": line[3:].strip()})
            return
        self.learn_json(_loads(data))

    def alias(self, value: str) -> str:
        i = self._index.get(value)
        return value if i is None else f"<ref:{i}>"

    def normalise(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.alias(value)
        if isinstance(value, Mapping):
            return {k: self.normalise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        return value


_NOT_JSON = object()


def _loads(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, TypeError):
        return _NOT_JSON


def _volatile_values(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k in VOLATILE_KEYS and isinstance(v, str) and len(v) >= _MIN_VOLATILE_LEN:
                yield v
            elif k in VOLATILE_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool) and k.endswith("id"):
                yield str(v)
            else:
                yield from _volatile_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _volatile_values(v)


def _header(headers: Mapping, name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name.lower():
            if isinstance(v, (list, tuple)):
                return str(v[0]) if v else None
            return str(v)
    return None


def request_key(method: str, uri: str, headers: Mapping, body: bytes | None, book: VolatileBook,
                target_key: str | None = None) -> dict:
    """The normalised view of one request that the matchers compare."""
    parts = urlsplit(uri)
    segments = [book.alias(s) for s in parts.path.split("/")]
    query = sorted((k, book.alias(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if k.lower() not in SECRET_QUERY)
    key = _header(headers, "x-goog-api-key")
    if key is None:
        qkey = [v for k, v in parse_qsl(parts.query) if k.lower() in SECRET_QUERY]
        key = qkey[0] if qkey else None
    if key is None:
        key_class = "none"
    elif key == KEY_PLACEHOLDER or (target_key and key == target_key):
        key_class = "the target's key"
    else:
        key_class = "another key"
    if body:
        parsed = _loads(body)
        if parsed is _NOT_JSON:
            norm_body: Any = ("raw", body)
        else:
            norm_body = ("json", json.dumps(book.normalise(parsed), sort_keys=True, ensure_ascii=False))
    else:
        norm_body = ("empty", None)
    return {"method": method.upper(), "path": "/".join(segments), "query": query,
            "revision": _header(headers, "api-revision"), "key": key_class, "body": norm_body}


def _key(r) -> dict:
    k = getattr(r, "iconf_key", None)
    if k is None:
        raise AssertionError(f"request {r!r} has no normalised view")
    return k


def method(r1, r2) -> None:
    a, b = _key(r1)["method"], _key(r2)["method"]
    if a != b:
        raise AssertionError(f"{a} != {b} (recorded)")


def path(r1, r2) -> None:
    a, b = _key(r1), _key(r2)
    if (a["path"], a["query"]) != (b["path"], b["query"]):
        qa = "&".join(f"{k}={v}" for k, v in a["query"])
        qb = "&".join(f"{k}={v}" for k, v in b["query"])
        raise AssertionError(f"{a['path']}{'?' + qa if qa else ''} != {b['path']}{'?' + qb if qb else ''} (recorded)")


def api_revision(r1, r2) -> None:
    a, b = _key(r1)["revision"], _key(r2)["revision"]
    if a != b:
        raise AssertionError(f"Api-Revision {a!r} != {b!r} (recorded)")


def api_key(r1, r2) -> None:
    a, b = _key(r1)["key"], _key(r2)["key"]
    if a != b:
        raise AssertionError(f"sent {a} != {b} (recorded)")


def json_body(r1, r2) -> None:
    a, b = _key(r1)["body"], _key(r2)["body"]
    if a != b:
        raise AssertionError(f"body {_show(a)} != {_show(b)} (recorded)")


def _show(body: tuple) -> str:
    kind, value = body
    if kind == "empty":
        return "(none)"
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if len(text) <= 300 else text[:300] + f"… ({len(text)} chars)"


MATCH_ON = (method, path, api_revision, api_key, json_body)
