"""The mock's hard limits, and the cheap checks that enforce them before any real work.

A stand-in for the API is run in CI and behind gateways that are load-tested,
so no single request may cost unbounded CPU or memory: a 100 MB body, a
10 000-level nesting, 10 000 input blocks or a schema asking for ten million
array items must be a prompt 4xx naming the field, never a 5xx, a stall of
every other client, or an interaction that can never be rendered again.

The checks here are deliberately structural and iterative (no recursion, so
no RecursionError) and run on the decoded body before parse.py's friendly
checks and the schema validation. Every limit is a field of :class:`Limits`
(``MockConfig.limits``) and documented in docs/mock.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, invalid


@dataclass(frozen=True)
class Limits:
    #: largest request body read (bytes); larger → 413 before the body is read in full
    max_body_bytes: int = 4 * 1024 * 1024
    #: deepest nesting of arrays/objects in a body (orjson cannot write beyond ~255; the resource wraps the input)
    max_depth: int = 64
    #: JSON values (objects, arrays, scalars) in one body
    max_nodes: int = 100_000
    #: longest single string in a body (characters); media travel as base64 strings, so this is generous
    max_string: int = 4 * 1024 * 1024
    #: input items plus the content blocks inside them
    max_input_items: int = 1000
    #: entries of ``tools``
    max_tools: int = 128
    #: schema nodes in one user-supplied JSON Schema (a tool's parameters, a response_format schema)
    max_schema_nodes: int = 2000
    #: highest minItems / minProperties a user schema may ask the generator to honour
    max_generated_items: int = 1000
    #: highest minLength a user schema may ask the generator to honour
    max_generated_string: int = 100_000
    #: JSON values the generator may produce for one schema (breadth x depth, $ref cycles)
    max_generated_nodes: int = 20_000
    #: stored interactions kept (least recently used evicted first; 404 afterwards); 0 = unlimited
    max_interactions: int = 10_000
    #: seconds an interaction is kept after its last use (like the API's retention period); 0 = forever
    retention_s: float = 0.0

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"limit {name} must be a finite number >= 0, got {value!r}")


DEFAULT_LIMITS = Limits()


def too_large(message: str) -> ApiError:
    return ApiError(413, message, "INVALID_ARGUMENT")


def check_shape(body: Any, limits: Limits) -> None:
    """Depth, node count and string length of a decoded body; 400/413 naming the offending path.

    One iterative pass, O(nodes), stopping at the first breach, so its cost is bounded by
    ``max_nodes`` whatever the body. Paths are only worked out (a second walk) once a breach is found.
    """
    breach = _first_breach(body, limits, with_paths=False)
    if breach is not None:
        _first_breach(body, limits, with_paths=True)
        raise breach  # pragma: no cover - the walk with paths raises the same breach


def _first_breach(body: Any, limits: Limits, with_paths: bool) -> ApiError | None:
    stack: list[tuple[Any, int, str]] = [(body, 0, "")]
    max_depth, max_string, max_nodes = limits.max_depth, limits.max_string, limits.max_nodes
    nodes = 0
    push = stack.append
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            error = too_large(f"Invalid value at '{path or 'body'}': the request has more than {max_nodes} JSON "
                              "values (limit max_nodes)")
        elif isinstance(value, (dict, list)):
            if depth >= max_depth:
                error = invalid(f"Invalid value at '{path or 'body'}': nesting deeper than {max_depth} levels "
                                "(limit max_depth)")
            else:
                if isinstance(value, dict):
                    if with_paths:
                        for key, item in value.items():
                            push((item, depth + 1, f"{path}.{key}" if path else key))
                    else:
                        for item in value.values():
                            push((item, depth + 1, path))
                elif with_paths:
                    for i, item in enumerate(value):
                        push((item, depth + 1, f"{path}[{i}]"))
                else:
                    for item in value:
                        push((item, depth + 1, path))
                continue
        elif isinstance(value, str) and len(value) > max_string:
            error = too_large(f"Invalid value at '{path or 'body'}': a string of {len(value)} characters; at most "
                              f"{max_string} are allowed (limit max_string)")
        else:
            continue
        if with_paths:
            raise error
        return error
    return None


def check_counts(body: dict, limits: Limits) -> None:
    """Number of input items (and blocks inside them) and of tools."""
    raw = body.get("input")
    if isinstance(raw, list):
        count = len(raw)
        for item in raw:
            if isinstance(item, dict):
                content = item.get("content") if "content" in item else item.get("parts")
                if isinstance(content, list):
                    count += len(content)
        if count > limits.max_input_items:
            raise invalid(f"Invalid value at 'input': {count} input items and content blocks; at most "
                          f"{limits.max_input_items} are allowed (limit max_input_items)")
    tools = body.get("tools")
    if isinstance(tools, list) and len(tools) > limits.max_tools:
        raise invalid(f"Invalid value at 'tools': {len(tools)} tools; at most {limits.max_tools} are allowed "
                      "(limit max_tools)")
