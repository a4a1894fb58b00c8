"""The checkers: pure functions and small state machines that turn observations into violations.

Nothing here does I/O or imports the mock server; targets, the suite, the
proxy and the CLI feed these.
"""

from .assembly import canonical, first_difference
from .body import MAX_JSON_DEPTH, TOO_DEEP, check_json_answer, decode_json, json_depth_exceeds
from .continuation import check_continuation_chain, hop_accepted, hop_text
from .document import KINDS, detect_kind, validate_document
from .exchange import Exchange, check_exchange, classify_path
from .lifecycle import LifecycleTracker
from .payload import (
    check_delete_body,
    check_error_body,
    check_interaction,
    check_item,
    check_partial_interaction,
)
from .request import ConversationState, applicable, check_get_params, check_headers, check_request
from .revision import legacy_retired
from .stream import StreamChecker, StreamResult, check_stream_bytes, compare_with_resource

__all__ = [
    "MAX_JSON_DEPTH", "TOO_DEEP", "check_json_answer", "decode_json", "json_depth_exceeds",
    "KINDS", "detect_kind", "validate_document",
    "Exchange", "check_exchange", "classify_path",
    "LifecycleTracker",
    "check_delete_body", "check_error_body", "check_interaction", "check_item", "check_partial_interaction",
    "ConversationState", "applicable", "check_get_params", "check_headers", "check_request",
    "StreamChecker", "StreamResult", "check_stream_bytes", "compare_with_resource",
    "canonical", "first_difference",
    "check_continuation_chain", "hop_accepted", "hop_text", "legacy_retired",
]
