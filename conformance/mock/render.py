"""Render a stored record as a revision's resource and SSE event sequence.

Records hold neutral blocks (legacy Content shapes). This module is the only
place that knows how a revision spells them: legacy ``outputs`` of content
blocks with ``content.*`` events, 2026-05-20 ``steps`` with ``step.*``
events. Everything it needs comes from the profile (item field, grammar,
block table), so a new revision is a new profile plus, at most, a new block
mapping here.

Rendering is pure: the same record, profile and faults always give the same
bytes (ids and timestamps come from the record), which is what makes a
stream replay with ``last_event_id`` hit exactly the same event ids.
"""

from __future__ import annotations

import json
import re

from ..profiles import Profile
from . import _jsoncopy as copy  # JSON trees: a deepcopy without memo overhead
from ._blocks import CONTENT_TYPES, OUTPUT_ERROR, TOOL_CALLS, TOOL_RESULTS
from .faults import ActiveFaults
from .model import json_schema_of
from .perturb import perturb_stream
from .store import Record, iso

UNKNOWN_TYPE = "iconf_unknown"


def split_text(text: str, parts: int) -> list[str]:
    """Split ``text`` at word boundaries into at most ``parts`` pieces that join back to it exactly."""
    words = re.findall(r"\S+\s*|\s+", text) or [text]
    parts = max(1, min(parts, len(words)))
    size, extra = divmod(len(words), parts)
    out, at = [], 0
    for i in range(parts):
        n = size + (1 if i < extra else 0)
        out.append("".join(words[at:at + n]))
        at += n
    return out


def _chunks(rec: Record) -> int:
    try:
        return max(1, int(rec.request.directives.get("chunks") or 3))
    except ValueError:
        return 3


# --- status, timestamps, usage -------------------------------------------------------------------

def shown_status(rec: Record, faults: ActiveFaults, view: str) -> str:
    status = rec.status
    if status == "in_progress" and rec.background and faults.on("lifecycle.transition.legal"):
        return "queued" if view == "post" else "requires_action"
    if view == "get" and status == "completed" and rec.observed_terminal and faults.on("lifecycle.terminal.immutable"):
        return "failed"
    return _in_progress(status, faults)


def _in_progress(status: str, faults: ActiveFaults) -> str:
    return "IN_PROGRESS" if status == "in_progress" and faults.on("lifecycle.status.known") else status


def _times(rec: Record, faults: ActiveFaults, updated: float | None = None) -> dict:
    created = rec.created
    updated = rec.updated if updated is None else updated
    if faults.on("lifecycle.timestamps.ordered"):
        updated = created - 1.0
    return {"created": iso(created), "updated": iso(updated)}


def _usage(rec: Record, faults: ActiveFaults) -> dict:
    usage = copy.deepcopy(rec.usage)
    if faults.on("usage.totals.add-up"):
        usage["total_tokens"] += 1
    if faults.on("usage.breakdown.consistent"):
        usage["total_cached_tokens"] = usage.get("total_input_tokens", 0) + 1
    return usage


def _who(rec: Record) -> dict:
    return {"agent": rec.request.agent} if rec.request.agent else {"model": rec.request.model}


# --- items ---------------------------------------------------------------------------------------

def model_items(rec: Record, profile: Profile, faults: ActiveFaults) -> list[dict]:
    """What the model produced, as the revision's items (empty while the run is still going)."""
    blocks = [] if rec.running else copy.deepcopy(rec.outputs)
    if blocks and faults.on("schema.type.known"):
        blocks.append({"type": UNKNOWN_TYPE})
    if faults.on("thought.signature.present"):
        for block in blocks:
            if block.get("type") == "thought":
                block.pop("signature", None)
    if faults.on("function.call.declared"):
        for block in blocks:
            if block["type"] == "function_call":
                block["name"] += "_undeclared"
    if faults.on("timeline.call-id.unique"):
        first_call = next((b for b in blocks if b["type"].endswith("_call")), None)
        if first_call is not None:
            blocks.append(copy.deepcopy(first_call))
    if faults.on("timeline.result.follows-call"):
        for block in blocks:
            if block["type"].endswith("_result") and block["type"] != "function_result" and "call_id" in block:
                block["call_id"] += "-orphan"
    if profile.items_field == "outputs":
        blocks = [b for b in blocks if b["type"] != OUTPUT_ERROR]  # legacy outputs have nowhere to say it
        # (not on structured-output calls, whose text must stay one JSON document)
        if blocks and faults.on("timeline.legacy.outputs-model-only") and not json_schema_of(rec.request)[0]:
            blocks = [copy.deepcopy(b) for t in rec.request.turns if t["role"] == "user" for b in t["content"]] + blocks
        return blocks
    return to_steps(blocks)


def to_steps(blocks: list[dict]) -> list[dict]:
    """Neutral blocks -> 2026-05-20 steps: runs of media blocks become one model_output step."""
    steps: list[dict] = []
    for block in blocks:
        if block["type"] == OUTPUT_ERROR:  # the error of the model output it follows
            if steps and steps[-1]["type"] == "model_output":
                steps[-1]["error"] = copy.deepcopy(block["error"])
            continue
        if block["type"] in CONTENT_TYPES:
            if steps and steps[-1]["type"] == "model_output" and steps[-1].get("_open"):
                steps[-1]["content"].append(block)
            else:
                steps.append({"type": "model_output", "content": [block], "_open": True})
        else:
            steps.append(block)
    for step in steps:
        step.pop("_open", None)
    return steps


def input_steps(turns: list[dict]) -> list[dict]:
    """The request's input turns as 2026-05-20 steps (user content -> user_input)."""
    steps: list[dict] = []
    for turn in turns:
        media = []
        for block in turn["content"]:
            if block["type"] in CONTENT_TYPES:
                media.append(copy.deepcopy(block))
                continue
            if media:
                steps.append(_content_step(turn["role"], media))
                media = []
            steps.append(copy.deepcopy(block))
        if media:
            steps.append(_content_step(turn["role"], media))
    return steps


def _content_step(role: str, content: list[dict]) -> dict:
    return {"type": "user_input" if role == "user" else "model_output", "content": content}


# --- resources -----------------------------------------------------------------------------------

def resource(rec: Record, profile: Profile, faults: ActiveFaults, view: str, include_input: bool = False) -> dict:
    """The full Interaction for a non-streaming POST (view="post"), GET ("get") or cancel ("cancel")."""
    out: dict = {"id": rec.id, "object": "interaction", "status": shown_status(rec, faults, view)}
    if view == "get" and faults.on("lifecycle.id.stable"):
        out["id"] = rec.id + "-renamed"
    out.update(_times(rec, faults))
    out.update(_who(rec))
    out["role"] = 0 if faults.on("schema.interaction.valid") else ("agent" if rec.request.agent else "model")
    items = model_items(rec, profile, faults)
    if profile.items_field == "outputs":
        out["outputs"] = items
        if include_input:
            out["input"] = copy.deepcopy(rec.request.input)
    else:
        with_input = view != "post"
        if view == "post" and faults.on("timeline.post.model-only"):
            with_input = True
        if view != "post" and faults.on("timeline.get.starts-with-input"):
            with_input = False
        out["steps"] = (input_steps(rec.request.turns) if with_input else []) + items
    if not rec.running:
        out["usage"] = _usage(rec, faults)
        out.update(_continuation(rec, faults))
        errors = output_errors(rec, profile)
        if errors:
            out["errors"] = errors
    settings = copy.deepcopy(rec.request.settings)
    if profile.name == "legacy":
        for key in ("service_tier", "webhook_config"):
            settings.pop(key, None)
    if rec.tools is not None:
        settings["tools"] = copy.deepcopy(rec.tools)
    out.update(settings)
    if rec.request.environment is not None and profile.items_field == "steps":
        env = rec.request.environment
        out["environment_id"] = env if isinstance(env, str) and env != "remote" else f"env_iconf_{rec.seq:04d}"
    if faults.on("schema.interaction.object-field"):
        out.pop("object")
    return out


def _continuation(rec: Record, faults: ActiveFaults) -> dict:
    """``continuation_token`` of a paused interaction (the resource, its completion event, its status update)."""
    if rec.status == "requires_continuation" and rec.continuation and not faults.on("continuation.paused.token"):
        return {"continuation_token": rec.continuation["token"]}
    return {}


def output_errors(rec: Record, profile: Profile) -> list[dict]:
    """The interaction's ``errors[]``: one diagnostic per model output that carries an error (2026-05-20)."""
    if rec.running or profile.items_field == "outputs":
        return []
    return [{"code": "output_error", "message": b["error"]["message"]} for b in rec.outputs if b["type"] == OUTPUT_ERROR]


def _partial(rec: Record, faults: ActiveFaults, *, start: bool) -> dict:
    """The payload-reduced interaction of lifecycle events (FACTS §5, §8)."""
    out: dict = {"id": rec.id, "object": "interaction"}
    if start:
        out["status"] = _in_progress("in_progress", faults)
        out.update(_who(rec))
        out.update(_times(rec, faults, updated=rec.created))
    else:
        out["status"] = rec.status
        out.update(_who(rec))
        out["role"] = "agent" if rec.request.agent else "model"
        out.update(_times(rec, faults))
        out["usage"] = _usage(rec, faults)
        out.update(_continuation(rec, faults))
    if faults.on("schema.interaction.object-field"):
        out.pop("object")
    return out


# --- events --------------------------------------------------------------------------------------

def events(rec: Record, profile: Profile, faults: ActiveFaults) -> list[dict]:
    """The stream of ``rec`` as far as it has got: a prefix while running, everything once settled."""
    g = profile.grammar
    evs: list[dict] = [
        {"event_type": g.created, "interaction": _partial(rec, faults, start=True)},
        _status(g.status_update, rec.id, _in_progress("in_progress", faults)),
    ]
    final = not rec.running
    if final:
        if rec.status == "cancelled":
            evs.append(_status(g.status_update, rec.id, "cancelled"))
            evs.append({"event_type": g.completed, "interaction": _partial(rec, faults, start=False)})
        elif rec.status == "failed":
            evs.append(_status(g.status_update, rec.id, "failed"))
            evs.append({"event_type": g.error, "error": copy.deepcopy(rec.error or {"code": 500, "message": "failed"})})
        else:
            items = model_items(rec, profile, faults)
            for index, item in enumerate(items):
                usage = _usage(rec, faults) if index == len(items) - 1 and profile.items_field == "steps" else None
                evs.extend(_block_events(index, item, profile, _chunks(rec), usage))
            if rec.status != "completed":
                evs.append({**_status(g.status_update, rec.id, rec.status), **_continuation(rec, faults)})
            evs.append({"event_type": g.completed, "interaction": _partial(rec, faults, start=False)})
    return perturb_stream(evs, profile, faults, final=final)


def _status(name: str, interaction_id: str, status: str) -> dict:
    return {"event_type": name, "interaction_id": interaction_id, "status": status}


def _block_events(index: int, item: dict, profile: Profile, chunks: int, usage: dict | None = None) -> list[dict]:
    """start, deltas, stop of one item; ``usage`` (the last step's) rides on its last delta and its stop.

    Today's API may attach the running total to a step.delta (``metadata.total_usage``) and usage to a
    step.stop; the mock does it once, on the last step, where the total is the interaction's final usage.
    """
    g = profile.grammar
    start_payload, deltas = (_legacy_block if profile.items_field == "outputs" else _step_block)(item, chunks)
    out = [{"event_type": g.block_start, "index": index, g.block_field: start_payload}]
    out += [{"event_type": g.block_delta, "index": index, "delta": d} for d in deltas]
    if usage is not None and len(out) > 1:
        out[-1]["metadata"] = {"total_usage": copy.deepcopy(usage)}
    out.append({"event_type": g.block_stop, "index": index})
    if usage is not None:
        out[-1]["usage"] = copy.deepcopy(usage)
    return out


def _text_deltas(block: dict, chunks: int, annotations_inline: bool) -> list[dict]:
    pieces = split_text(block.get("text", ""), chunks)
    deltas = [{"type": "text", "text": p} for p in pieces]
    if block.get("annotations"):
        if annotations_inline:
            deltas[-1]["annotations"] = copy.deepcopy(block["annotations"])
        else:
            deltas.append({"type": "text_annotation_delta", "annotations": copy.deepcopy(block["annotations"])})
    return deltas


def _thought_deltas(block: dict) -> list[dict]:
    deltas = [{"type": "thought_summary", "content": copy.deepcopy(s)} for s in block.get("summary", [])]
    if "signature" in block:
        deltas.append({"type": "thought_signature", "signature": block["signature"]})
    return deltas


def _legacy_block(block: dict, chunks: int) -> tuple[dict, list[dict]]:
    kind = block["type"]
    if kind == "text":
        return {"type": "text"}, _text_deltas(block, chunks, annotations_inline=True)
    if kind == "thought":
        return {"type": "thought"}, _thought_deltas(block)
    if kind == UNKNOWN_TYPE:
        return {"type": kind}, []
    # media, function calls and every tool call/result: one delta carrying the block's fields, except what no
    # delta declares (a search call's search_type): the start announces that, as under 2026-05-20
    start = {k: block[k] for k in ("type", "search_type") if k in block}
    return start, [{k: copy.deepcopy(v) for k, v in block.items() if k == "type" or k not in start}]


def _step_block(step: dict, chunks: int) -> tuple[dict, list[dict]]:
    kind = step["type"]
    if kind == "model_output":
        deltas: list[dict] = []
        for block in step.get("content", []):
            if block["type"] == "text":
                deltas += _text_deltas(block, chunks, annotations_inline=False)
            else:
                deltas.append(copy.deepcopy(block))
        start = {"type": kind}
        if "error" in step:  # no delta carries a step's error: the start announces it (the mock's choice)
            start["error"] = copy.deepcopy(step["error"])
        return start, deltas
    if kind == "thought":
        return {"type": kind}, _thought_deltas(step)
    if kind == "function_call":
        args = json.dumps(step.get("arguments", {}), sort_keys=True)
        pieces = [p for p in (args[: len(args) // 3], args[len(args) // 3: 2 * len(args) // 3],
                              args[2 * len(args) // 3:]) if p]
        start = {"type": kind, "id": step["id"], "name": step["name"]}
        return start, [{"type": "arguments_delta", "arguments": p} for p in pieces]
    if kind in TOOL_CALLS:
        start = {k: v for k, v in step.items() if k in ("type", "id", "search_type")}
        rest = {k: copy.deepcopy(v) for k, v in step.items() if k not in start}
        return start, ([{"type": kind, **rest}] if rest else [])
    if kind in TOOL_RESULTS:
        start = {"type": kind, "call_id": step["call_id"]}
        rest = {k: copy.deepcopy(v) for k, v in step.items() if k not in start}
        return start, ([{"type": kind, **rest}] if rest else [])
    return {"type": kind}, []
