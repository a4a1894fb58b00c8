"""``schema.response.json``: a non-streaming answer is JSON, in UTF-8, labelled application/json.

The client parses every body and says why one did not parse (``body_problem``:
not JSON, not UTF-8); this turns that, and the Content-Type, into verdicts, so
a server that answers HTML, garbage or Latin-1 gets a rule failure rather than
an empty body some later check trips over.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..rules import Violation, covers, violation

#: the deepest nesting a body or document may have to be judged: the schema validator gives up near 256
MAX_JSON_DEPTH = 200


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than ``limit`` (an iterative walk: no recursion, stops early)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


#: ``decode_json``'s problem for a value nested past ``MAX_JSON_DEPTH``: it cannot be judged at all
TOO_DEEP = "too-deep"


def decode_json(data: bytes) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, problem)``: the one JSON decoder for bodies and documents.

    orjson first (fast, strict UTF-8, a nesting limit instead of a RecursionError); the standard
    library for what orjson refuses but JSON allows (integers past 64 bits). ``problem`` is
    :data:`TOO_DEEP` (deeper than the checks can follow) or a phrase: ``not UTF-8 (…)``, ``not JSON (…)``.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        message = str(exc)
    else:
        return (None, TOO_DEEP) if json_depth_exceeds(value) else (value, None)
    if "depth" in message or "recursion" in message:
        return None, TOO_DEEP
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (invalid byte at offset {exc.start})"
    try:
        value = json.loads(data)
    except RecursionError:
        return None, TOO_DEEP
    except ValueError:
        return None, f"not JSON ({message})"
    return (None, TOO_DEEP) if json_depth_exceeds(value) else (value, None)


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


@covers("schema.response.json")
def check_json_answer(content_type: str, problem: str | None, *, has_body: bool = True,
                      location: str = "") -> list[Violation]:
    """Violations of ``schema.response.json`` for one answer (an empty body is the payload checks' to judge)."""
    if not has_body:
        return []
    out = []
    if problem:
        out.append(violation("schema.response.json", f"the answer body is not readable JSON: {problem}",
                             location=location, expected="one JSON value in UTF-8", observed=problem))
    if not is_json_media_type(content_type or ""):
        out.append(violation("schema.response.json", "the answer is not labelled as JSON", location=location,
                             expected="Content-Type: application/json", observed=content_type or "(none)"))
    return out
