"""Revision 2026-05-20: ``steps`` timeline, ``step.*`` events.

The default from 2026-05-26 (no ``Api-Revision`` header) and what SDKs >= 2.0
send. Content blocks shrink to the five media types; everything else
(thoughts, tool calls and results, model output) is a step.
"""

from __future__ import annotations

from ._common import MEDIA_TYPES, STATUS_MACHINE_R0520, TOOL_PAIRS, camel
from ._model import BlockSpec, DeltaSpec, Grammar, Profile
from .drift_allow import DRIFT_ALLOW_2026_05_20

_CONTENT_DELTAS = frozenset({"text", *MEDIA_TYPES})

_blocks: dict[str, BlockSpec] = {
    "user_input": BlockSpec("UserInputStep", _CONTENT_DELTAS, content_list=True, model_produced=False),
    "model_output": BlockSpec("ModelOutputStep", _CONTENT_DELTAS | {"text_annotation_delta"}, content_list=True),
    "thought": BlockSpec("ThoughtStep", frozenset({"thought_summary", "thought_signature"})),
    # function arguments stream as JSON-string fragments joined by the client ([BC])
    "function_call": BlockSpec("FunctionCallStep", frozenset({"arguments_delta"})),
    "function_result": BlockSpec("FunctionResultStep", frozenset({"function_result"}), model_produced=False),
}
_deltas: dict[str, DeltaSpec] = {
    "text": DeltaSpec("TextDelta", "text"),
    "thought_summary": DeltaSpec("ThoughtSummaryDelta", "thought_summary"),
    "thought_signature": DeltaSpec("ThoughtSignatureDelta", "thought_signature"),
    "text_annotation_delta": DeltaSpec("TextAnnotationDelta", "annotations"),
    "arguments_delta": DeltaSpec("ArgumentsDelta", "arguments"),
    "function_result": DeltaSpec("FunctionResultDelta", "fields"),
}
for _media in MEDIA_TYPES:
    _deltas[_media] = DeltaSpec(f"{camel(_media)}Delta", "media")
#: call/result step pairs added after the official document (google-genai 3.6.1 typings):
#: tool search over deferred functions, server-side input processing, retrieval
NEWER_PAIRS = ("tool_search", "processing", "retrieval")
for _tool in (*TOOL_PAIRS, *NEWER_PAIRS):
    _call, _result = f"{_tool}_call", f"{_tool}_result"
    # call steps that carry arguments may also stream them as fragments
    _blocks[_call] = BlockSpec(f"{camel(_call)}Step", frozenset({_call, "arguments_delta"}))
    _blocks[_result] = BlockSpec(f"{camel(_result)}Step", frozenset({_result}))
    _deltas[_call] = DeltaSpec(f"{camel(_call)}Delta", "fields")
    _deltas[_result] = DeltaSpec(f"{camel(_result)}Delta", "fields")

R2026_05_20 = Profile(
    name="2026-05-20",
    aliases=("steps", "default", "latest"),
    header_value="2026-05-20",
    schema_file="interactions-2026-05-20.openapi.yaml",
    items_field="steps",
    item_union="Step",
    grammar=Grammar(
        created="interaction.created",
        completed="interaction.completed",
        status_update="interaction.status_update",
        block_start="step.start",
        block_delta="step.delta",
        block_stop="step.stop",
        block_field="step",
        event_components={
            "interaction.created": "InteractionCreatedEvent",
            "interaction.completed": "InteractionCompletedEvent",
            "interaction.status_update": "InteractionStatusUpdate",
            "step.start": "StepStart",
            "step.delta": "StepDelta",
            "step.stop": "StepStop",
            "error": "ErrorEvent",
        },
    ),
    status=STATUS_MACHINE_R0520,
    blocks=_blocks,
    deltas=_deltas,
    content_types=frozenset({"text", *MEDIA_TYPES}),
    request_components={"model": "CreateModelInteractionParams", "agent": "CreateAgentInteractionParams"},
    input_item_type="user_input",
    description="steps timeline; step.start/delta/stop events (Api-Revision: 2026-05-20, the default)",
    drift_allow=DRIFT_ALLOW_2026_05_20,
)
