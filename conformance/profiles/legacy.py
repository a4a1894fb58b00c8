"""The legacy revision: ``outputs`` of content blocks, ``content.*`` events.

Served to clients that send ``Api-Revision: 2026-05-07`` (and, before
2026-05-26, to clients that sent no header); google-genai 1.x speaks it.
"""

from __future__ import annotations

from ._common import MEDIA_TYPES, STATUS_MACHINE, TOOL_PAIRS, camel
from ._model import BlockSpec, DeltaSpec, Grammar, Profile
from .drift_allow import DRIFT_ALLOW_LEGACY

_blocks: dict[str, BlockSpec] = {
    "text": BlockSpec("TextContent", frozenset({"text"})),
    "thought": BlockSpec("ThoughtContent", frozenset({"thought_summary", "thought_signature"})),
    "function_call": BlockSpec("FunctionCallContent", frozenset({"function_call"})),
    "function_result": BlockSpec("FunctionResultContent", frozenset({"function_result"}), model_produced=False),
}
_deltas: dict[str, DeltaSpec] = {
    "text": DeltaSpec("TextDelta", "text"),
    "thought_summary": DeltaSpec("ThoughtSummaryDelta", "thought_summary"),
    "thought_signature": DeltaSpec("ThoughtSignatureDelta", "thought_signature"),
    "function_call": DeltaSpec("FunctionCallDelta", "fields"),
    "function_result": DeltaSpec("FunctionResultDelta", "fields"),
}
for _media in MEDIA_TYPES:
    _blocks[_media] = BlockSpec(f"{camel(_media)}Content", frozenset({_media}))
    _deltas[_media] = DeltaSpec(f"{camel(_media)}Delta", "fields")
for _tool in TOOL_PAIRS:
    for _kind in ("call", "result"):
        _t = f"{_tool}_{_kind}"
        _blocks[_t] = BlockSpec(f"{camel(_t)}Content", frozenset({_t}))
        _deltas[_t] = DeltaSpec(f"{camel(_t)}Delta", "fields")

LEGACY = Profile(
    name="legacy",
    aliases=("2026-05-07", "outputs"),
    header_value="2026-05-07",
    schema_file="interactions-legacy.openapi.yaml",
    items_field="outputs",
    item_union="Content",
    grammar=Grammar(
        created="interaction.start",
        completed="interaction.complete",
        status_update="interaction.status_update",
        block_start="content.start",
        block_delta="content.delta",
        block_stop="content.stop",
        block_field="content",
        event_components={
            "interaction.start": "InteractionStartEvent",
            "interaction.complete": "InteractionCompleteEvent",
            "interaction.status_update": "InteractionStatusUpdate",
            "content.start": "ContentStart",
            "content.delta": "ContentDelta",
            "content.stop": "ContentStop",
            "error": "ErrorEvent",
        },
    ),
    status=STATUS_MACHINE,
    blocks=_blocks,
    deltas=_deltas,
    content_types=frozenset({"text", *MEDIA_TYPES}),
    request_components={"model": "CreateModelInteractionParams", "agent": "CreateAgentInteractionParams"},
    input_item_type=None,
    description="outputs of content blocks; content.start/delta/stop events (Api-Revision: 2026-05-07)",
    drift_allow=DRIFT_ALLOW_LEGACY,
)
