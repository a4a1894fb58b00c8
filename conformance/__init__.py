"""interactions-conformance: contract tests for the Gemini Interactions API.

The public API lives here; everything else is an implementation module.

    from conformance import SchemaSet, StreamChecker, get_profile
    checker = StreamChecker(SchemaSet(get_profile("2026-05-20")))

Names are loaded lazily (PEP 562), so ``import conformance.mock`` does not
pull in the checkers: the server and the checkers stay independent.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "DEFAULT_REVISION": "profiles", "PROFILES": "profiles", "Profile": "profiles", "get_profile": "profiles",
    "RULES": "rules", "Rule": "rules", "Violation": "rules",
    "Strictness": "strictness", "SchemaSet": "schema", "SSEEvent": "sse", "SSEParser": "sse",
    "ConversationState": "checks", "LifecycleTracker": "checks", "StreamChecker": "checks",
    "StreamResult": "checks", "check_error_body": "checks", "check_exchange": "checks",
    "check_interaction": "checks", "check_request": "checks", "check_stream_bytes": "checks",
    "validate_document": "checks",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
