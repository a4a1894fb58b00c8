"""The deterministic scripted model.

The mock has to produce every block/step type of both revisions on demand,
and the same request must always give the same answer, so the "model" is a
script driven by *directives* written into the input text,
``[iconf: thought, image, function_call]`` (see ``DIRECTIVES`` and
docs/mock.md), plus a few conversational rules that make statefulness
observable (it remembers "My name is Ada." across previous_interaction_id).

It returns neutral blocks (the legacy Content shapes); render.py turns them
into outputs or steps. Nothing here knows about HTTP or revisions' wire names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass, field

from ..profiles import get_profile
from ._blocks import CONTENT_TYPES, OUTPUT_ERROR, STEP_PAIRS, TOOLS
from .faults import ActiveFaults
from .instances import instance_for, wrong_instance_for
from .media import MEDIA
from .parse import FOREGROUND_AGENTS, CreateRequest, strip_directives

#: directive -> what it makes the model produce (docs/mock.md is built from this table)
DIRECTIVES: dict[str, str] = {
    "text": "a plain text answer (the default)",
    "cite": "text with a url_citation annotation",
    "image": "an image block (1x1 PNG, image/png)",
    "audio": "an audio block (10 ms WAV, audio/wav)",
    "video": "a video block (tiny MP4, video/mp4)",
    "document": "a document block (one-page PDF, application/pdf)",
    "thought": "a thought with signature and a text summary, before the answer",
    "function_call": "a call of the first declared function tool (or =NAME); status requires_action",
    **{t: f"a {t}_call / {t}_result pair before the answer" for t in TOOLS},
    "tools": "every built-in tool pair above",
    "tool_search": "2026-05-20: a tool_search_call / tool_search_result pair (the declared or a made-up function)",
    "retrieval": "2026-05-20: a retrieval_call / retrieval_result pair (retrieval_type from the retrieval tool)",
    "processing": "2026-05-20: a processing_call / processing_result pair (signatures only)",
    "transcript": "2026-05-20: text with speech_metadata and word_info annotations",
    "output_error": "2026-05-20: the model_output step carries an error (google.rpc Status) and the interaction "
                    "lists it in errors[]; status stays completed",
    "long": "=N: a long answer of N numbered sentences (default 12)",
    "continuation": "=N: 2026-05-20: pause every N output tokens (default 16): status requires_continuation with "
                    "a continuation_token; a create with previous_interaction_id + continuation_token and no input "
                    "continues it (foreground model calls only; background runs continue on the server)",
    "all": "thought, every tool pair, cited text and every media block",
    "echo": "answer with the effective system_instruction, tool names and generation_config as JSON",
    "fail": "the run fails: status failed (an error event in streams)",
    "incomplete": "the run stops early: status incomplete, text truncated",
    "delay": "=SECONDS: how long a background run stays in_progress",
    "chunks": "=N: split each text into N deltas (default 3)",
}

_NAME_SAYS = re.compile(r"\bmy name is ([A-Za-z][\w'-]*)", re.IGNORECASE)
_NAME_ASKS = re.compile(r"\bwhat(?:'s| is) my name\b", re.IGNORECASE)
MEDIA_TOKENS = 64


@dataclass
class ModelInput:
    request: CreateRequest
    history: list[dict]
    #: call_id -> function_call block the client was given and has not answered yet
    pending_calls: dict[str, dict]
    #: makes call ids unique per interaction
    id_prefix: str
    revision: str
    faults: ActiveFaults
    system_instruction: str | None = None
    tools: list[dict] | None = None
    generation_config: dict | None = None


@dataclass
class ModelResult:
    outputs: list[dict]
    status: str
    usage: dict
    error: dict | None = None
    grounding: dict[str, int] = field(default_factory=dict)
    #: a paused answer (status requires_continuation): {"rest": blocks still to come, "pause": tokens per hop}
    continuation: dict | None = None


def tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _block_tokens(block: dict) -> int:
    kind = block.get("type")
    if kind == OUTPUT_ERROR:
        return 0
    if kind == "text":
        return tokens(block.get("text", ""))
    if kind in CONTENT_TYPES:
        return MEDIA_TOKENS
    return tokens(json.dumps(block, sort_keys=True))


def usage_for(turns: list[dict], system_instruction: str | None, outputs: list[dict], revision: str,
              grounding: dict[str, int] | None = None) -> dict:
    """Token accounting; total_tokens = input + output + thought + tool_use (the usage rule).

    One pass over the input blocks and one over the outputs (this runs on every create).
    """
    text_in = other_in = 0
    media_in = {"image": 0, "audio": 0, "video": 0, "document": 0}
    for t in turns:
        for b in t["content"]:
            kind = b.get("type")
            if kind == "text":
                text_in += _block_tokens(b)
            elif kind in media_in:
                media_in[kind] += MEDIA_TOKENS
            elif kind not in CONTENT_TYPES:
                other_in += _block_tokens(b)
    text_in += other_in + tokens(system_instruction or "")
    total_in = text_in + sum(media_in.values())
    out_text = thought = tool_use = 0
    out_media = {"image": 0, "audio": 0, "video": 0, "document": 0}
    for b in outputs:
        kind = b["type"]
        if kind in ("text", "function_call"):
            out_text += _block_tokens(b)
        elif kind in out_media:
            out_media[kind] += MEDIA_TOKENS
        elif kind == "thought":
            thought += sum(tokens(s.get("text", "")) for s in b.get("summary", []))
        elif kind.endswith(("_call", "_result")):
            tool_use += _block_tokens(b)
    # (model turns of the conversation count as input too: a continuation hop re-reads what came before)
    total_out = out_text + sum(out_media.values())
    modalities = ("text", "image", "audio") if revision == "legacy" else ("text", "image", "audio", "video", "document")

    def by_modality(text_tokens: int, media: dict[str, int]) -> list[dict]:
        rows = [{"modality": "text", "tokens": text_tokens}] if text_tokens else []
        rows += [{"modality": m, "tokens": n} for m, n in media.items() if n and m in modalities]
        return rows

    usage = {
        "total_input_tokens": total_in,
        "input_tokens_by_modality": by_modality(text_in, media_in),
        "total_cached_tokens": 0,
        "total_output_tokens": total_out,
        "output_tokens_by_modality": by_modality(out_text, out_media),
        "total_thought_tokens": thought,
        "total_tool_use_tokens": tool_use,
        "total_tokens": total_in + total_out + thought + tool_use,
    }
    if grounding and revision != "legacy":
        usage["grounding_tool_count"] = [{"type": k, "count": v} for k, v in sorted(grounding.items())]
    return usage


def _user_text(turn: dict | None) -> str:
    if not turn:
        return ""
    return " ".join(strip_directives(b["text"]) for b in turn["content"] if b.get("type") == "text").strip()


def _signature(seed: str) -> str:
    return base64.b64encode(hashlib.sha256(seed.encode()).digest()[:18]).decode()


def json_schema_of(req: CreateRequest) -> tuple[bool, dict | None]:
    """(wants JSON, schema or None) from response_format / response_mime_type in either revision's form."""
    fmt = req.response_format
    entries = fmt if isinstance(fmt, list) else [fmt] if isinstance(fmt, dict) else []
    for entry in entries:
        if entry.get("type") == "text" and entry.get("mime_type") == "application/json":
            return True, entry.get("schema") if isinstance(entry.get("schema"), dict) else {}
    if isinstance(fmt, dict) and fmt.get("type") not in ("text", "image", "audio"):
        return True, fmt  # legacy: the body of response_format is the JSON Schema itself
    if req.response_mime_type == "application/json":
        return True, None
    return False, None


class _Calls:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def next(self, kind: str) -> str:
        self.n += 1
        return f"{kind}_{self.prefix}_{self.n}"


def run(inp: ModelInput) -> ModelResult:
    req, faults = inp.request, inp.faults
    d = dict(req.directives)
    history = [] if faults.on("previous.context.carried") else inp.history
    user_turns = [t for t in req.turns if t["role"] == "user"]
    current = user_turns[-1] if user_turns else None
    text_in = _user_text(current)
    # the conversation the model sees: stored history plus earlier turns sent inline (stateless history)
    seen = history + (req.turns[: req.turns.index(current)] if current is not None else list(req.turns))
    calls = _Calls(inp.id_prefix)
    want = set(d)
    if "all" in want:
        want |= {"thought", "tools", "cite", "image", "audio", "video", "document"}
    sandbox_agent = bool(req.agent) and req.agent in FOREGROUND_AGENTS
    if sandbox_agent:  # the antigravity agents plan, run code in their sandbox and report
        want |= {"thought", "code_execution"}
    elif req.agent:  # the deep-research agents search and cite
        want |= {"thought", "google_search", "cite"}
    for modality in req.response_modalities or []:
        if modality != "text":
            want.add(modality)
    for entry in req.response_format if isinstance(req.response_format, list) else [req.response_format]:
        if isinstance(entry, dict) and entry.get("type") in ("image", "audio"):
            want.add(entry["type"])

    outputs: list[dict] = []
    grounding: dict[str, int] = {}
    status = "completed"
    results = [b for b in (current or {"content": []})["content"] if b.get("type") == "function_result"]

    if "fail" in want:
        usage = usage_for(history + req.turns, inp.system_instruction, [], inp.revision)
        return ModelResult([], "failed", usage, error={
            "code": 500, "status": "INTERNAL",
            "message": "The scripted model failed because the input asked for it (directive 'fail')."})

    profile = get_profile(inp.revision)
    newer = "tool_search_call" in profile.blocks  # the revision knows today's step types
    pausable = "requires_continuation" in profile.status.statuses  # ... and the continuation protocol
    if "thought" in want:
        outputs.append({"type": "thought", "signature": _signature("thought:" + text_in),
                        "summary": [{"type": "text", "text": f"Planning an answer to: {text_in[:60] or 'the input'}"}]})
    for tool in TOOLS:
        if tool in want or "tools" in want or ("stream.block.assembled-valid" in faults.ids and tool == "code_execution"):
            outputs.extend(_tool_pair(tool, calls, text_in, inp.tools))
            if tool in ("google_search", "google_maps"):
                grounding[tool] = grounding.get(tool, 0) + 1
    for tool in STEP_PAIRS:
        if tool in want and newer:
            outputs.extend(_tool_pair(tool, calls, text_in, inp.tools))

    function_tools = [t for t in inp.tools or [] if t.get("type") == "function"]
    if results and faults.on("function.result.completes"):
        first = inp.pending_calls.get(results[0]["call_id"]) or {"name": results[0].get("name", "function")}
        fn = next((t for t in function_tools if t["name"] == first["name"]), {"name": first["name"]})
        outputs.append(_function_call(fn, calls))
        return _finish(inp, history, outputs, "requires_action", grounding)
    if "function_call" in want and not results and function_tools:
        chosen = d["function_call"]
        fn = next((t for t in function_tools if t["name"].lower() == chosen), function_tools[0])
        outputs.append(_function_call(fn, calls))
        status = "completed" if faults.on("function.call.requires-action") else "requires_action"
        return _finish(inp, history, outputs, status, grounding)

    wants_json, schema = json_schema_of(req)
    if results:
        text = " ".join(_result_sentence(r, inp.pending_calls) for r in results)
    elif "echo" in want:
        text = json.dumps({
            "system_instruction": inp.system_instruction,
            "tools": [t.get("name") or t["type"] for t in inp.tools or []],
            "generation_config": inp.generation_config,
        }, sort_keys=True)
    elif wants_json:
        value = instance_for(schema) if schema is not None else {"answer": _conversational(text_in, seen)}
        if faults.on("structured.output.valid"):
            value = wrong_instance_for(schema or {"type": "object"})
        text = json.dumps(value)
    elif sandbox_agent:
        text = (f"Task done: \"{text_in[:60]}\". The iconf mock agent ran one command in its sandbox and checked "
                "the result.")
    elif req.agent:
        text = (f"Research report on \"{text_in[:60]}\". Two sources were consulted and agree on the "
                "main points. This summary is produced by the iconf mock agent.")
    elif "function_call" in want and not function_tools:
        text = "I cannot call a function: no tool of type function was declared on this call."
    elif "long" in want:
        text = _long(text_in, _count(d, "long", 12))
    else:
        text = _conversational(text_in, seen)

    limit = (inp.generation_config or {}).get("max_output_tokens")
    if "incomplete" in want or (isinstance(limit, int) and tokens(text) > limit):
        keep = max(1, (limit or max(1, tokens(text) // 2)) * 4)
        text = text[:keep]
        status = "incomplete"
    block: dict = {"type": "text", "text": text}
    if "cite" in want and not wants_json:
        end = len(text.split(".")[0].encode("utf-8"))
        block["annotations"] = [{"type": "url_citation", "url": "https://example.com/iconf/source-1",
                                 "title": "iconf source 1", "start_index": 0, "end_index": end}]
    if "transcript" in want and newer and not wants_json:
        first = text.split(" ")[0]
        block["annotations"] = [*block.get("annotations", []),
                                {"type": "speech_metadata", "speaker": "speaker_1", "style": "calm",
                                 "start_index": 0, "end_index": len(text.encode("utf-8"))},
                                {"type": "word_info", "text": first, "speaker": "speaker_1", "start_index": 0,
                                 "end_index": len(first.encode("utf-8")), "start_offset": "0s",
                                 "end_offset": "0.400s"}]
    answer = [block]
    for media in ("image", "audio", "video", "document"):
        if media in want:
            mime, data = MEDIA[media]
            answer.append({"type": media, "data": data, "mime_type": mime})
    if "output_error" in want and newer:
        answer.append({"type": OUTPUT_ERROR, "error": {
            "code": 13, "message": "The scripted model could not finish one output of this step because the input "
                                   "asked for it (directive 'output_error')."}})
    pause = _count(d, "continuation", 16) if "continuation" in want else None
    if pause and pausable and status == "completed" and not req.background and not req.agent and not wants_json:
        now, rest = split_answer(answer, pause)
        if rest:
            result = _finish(inp, history, outputs + now, "requires_continuation", grounding)
            result.continuation = {"rest": rest, "pause": pause}
            return result
    return _finish(inp, history, outputs + answer, status, grounding)


def split_answer(blocks: list[dict], pause: int) -> tuple[list[dict], list[dict]]:
    """(what this hop says, what a continuation hop will say) for an answer paused every ``pause`` tokens.

    The text is cut at a word boundary after at most ``pause`` tokens (at least one word); media and an
    output error come with the last hop. Annotations stay with the hop whose text they fit in.
    """
    text_block = next((b for b in blocks if b["type"] == "text"), None)
    if text_block is None or tokens(text_block["text"]) <= pause:
        return list(blocks), []
    words = re.findall(r"\S+\s*", text_block["text"])
    head = words[0]
    for word in words[1:]:
        if tokens(head + word) > pause:
            break
        head += word
    tail = text_block["text"][len(head):]
    if not tail:
        return list(blocks), []
    size = len(head.encode("utf-8"))
    now = {"type": "text", "text": head}
    kept = [a for a in text_block.get("annotations", []) if a.get("end_index", 0) <= size]
    if kept:
        now["annotations"] = kept
    rest = [{"type": "text", "text": tail}] + [b for b in blocks if b is not text_block]
    return [now], rest


def continue_answer(rest: list[dict], pause: int, turns: list[dict], revision: str) -> ModelResult:
    """One continuation hop of a paused answer: the next ``pause`` tokens, paused again if more remain."""
    now, later = split_answer(rest, pause)
    status = "requires_continuation" if later else "completed"
    result = ModelResult(now, status, usage_for(turns, None, now, revision))
    if later:
        result.continuation = {"rest": later, "pause": pause}
    return result


def _count(directives: dict[str, str], name: str, default: int) -> int:
    value = directives.get(name) or ""
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        from .errors import invalid

        raise invalid(f"Invalid value at 'input': directive {name}={value!r} must be a positive whole number")
    return min(int(value), 10_000)


def _long(text: str, sentences: int) -> str:
    snippet = text[:60] or "(no text)"
    body = " ".join(f"Sentence {i} of {sentences} keeps this deterministic answer going." for i in range(1, sentences + 1))
    return f"A long scripted answer to \"{snippet}\". {body}"


def _finish(inp: ModelInput, history: list[dict], outputs: list[dict], status: str,
            grounding: dict[str, int]) -> ModelResult:
    usage = usage_for(history + inp.request.turns, inp.system_instruction, outputs, inp.revision, grounding)
    return ModelResult(outputs, status, usage, grounding=grounding)


def _conversational(text: str, history: list[dict]) -> str:
    said = _NAME_SAYS.search(text)
    if said:
        return f"Nice to meet you, {said.group(1)}. I will remember your name for the rest of this conversation."
    if _NAME_ASKS.search(text):
        name = None
        for turn in history:
            if turn["role"] != "user":
                continue
            for block in turn["content"]:
                found = _NAME_SAYS.search(block.get("text", "")) if block.get("type") == "text" else None
                if found:
                    name = found.group(1)
        return f"Your name is {name}." if name else "I do not know your name yet."
    turn_no = 1 + sum(1 for t in history if t["role"] == "user")
    snippet = text[:80] or "(no text)"
    return (f"Scripted answer {turn_no}: you said \"{snippet}\". This reply is deterministic and arrives "
            "in several deltas.")


def _result_sentence(result: dict, pending: dict[str, dict]) -> str:
    call = pending.get(result.get("call_id"), {})
    name = call.get("name") or result.get("name") or "function"
    value = result.get("result")
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"The function {name} returned {shown}."


def _function_call(tool: dict, calls: _Calls) -> dict:
    params = tool.get("parameters") if isinstance(tool.get("parameters"), dict) else {"type": "object"}
    args = instance_for(params)
    if not isinstance(args, dict):
        args = {"value": args}
    return {"type": "function_call", "id": calls.next("call"), "name": tool["name"], "arguments": args}


def _tool_pair(tool: str, calls: _Calls, text: str, tools: list[dict] | None) -> list[dict]:
    call_id = calls.next(tool)
    query = text[:40] or "iconf"
    if tool == "code_execution":
        return [{"type": "code_execution_call", "id": call_id,
                 "arguments": {"language": "python", "code": "print(6 * 7)"}},
                {"type": "code_execution_result", "call_id": call_id, "result": "42\n", "is_error": False}]
    if tool == "url_context":
        url = "https://example.com/iconf/page"
        return [{"type": "url_context_call", "id": call_id, "arguments": {"urls": [url]}},
                {"type": "url_context_result", "call_id": call_id, "result": [{"url": url, "status": "success"}]}]
    if tool == "google_search":
        return [{"type": "google_search_call", "id": call_id, "arguments": {"queries": [query]},
                 "search_type": "web_search"},
                {"type": "google_search_result", "call_id": call_id,
                 "result": [{"search_suggestions": f"<div class=\"iconf-suggestion\">{query}</div>"}]}]
    if tool == "mcp_server_tool":
        server = next((t.get("name") for t in tools or [] if t.get("type") == "mcp_server" and t.get("name")),
                      "iconf-mcp")
        return [{"type": "mcp_server_tool_call", "id": call_id, "name": "get_time", "server_name": server,
                 "arguments": {"timezone": "UTC"}},
                {"type": "mcp_server_tool_result", "call_id": call_id, "name": "get_time", "server_name": server,
                 "result": "12:00 UTC"}]
    if tool == "file_search":
        return [{"type": "file_search_call", "id": call_id},
                {"type": "file_search_result", "call_id": call_id,
                 "result": [{"title": "iconf.txt", "text": "The mock stores nothing on disk."}]}]
    if tool == "tool_search":
        found = [t for t in tools or [] if t.get("type") == "function" and t.get("defer_loading")] or \
                [t for t in tools or [] if t.get("type") == "function"] or \
                [{"type": "function", "name": "iconf_lookup", "description": "Looks a word up (made up by the mock).",
                  "parameters": {"type": "object", "properties": {"word": {"type": "string"}}}}]
        functions = [{k: v for k, v in t.items() if k in ("type", "name", "description", "parameters")} for t in found]
        return [{"type": "tool_search_call", "id": call_id,
                 "arguments": {"function_names": [f["name"] for f in functions]}},
                {"type": "tool_search_result", "call_id": call_id, "result": functions}]
    if tool == "retrieval":
        declared = next((t for t in tools or [] if t.get("type") == "retrieval"), {})
        kinds = declared.get("retrieval_types") or ["vertex_ai_search"]
        return [{"type": "retrieval_call", "id": call_id, "retrieval_type": kinds[0], "arguments": {"queries": [query]}},
                {"type": "retrieval_result", "call_id": call_id, "is_error": False}]
    if tool == "processing":
        return [{"type": "processing_call", "id": call_id, "signature": _signature("processing:" + query)},
                {"type": "processing_result", "call_id": call_id, "signature": _signature("processed:" + query)}]
    place = {"place_id": "iconf-place-1", "name": "Mock Cafe", "url": "https://maps.example.com/iconf-place-1"}
    return [{"type": "google_maps_call", "id": call_id, "arguments": {"queries": [query]}},
            {"type": "google_maps_result", "call_id": call_id,
             "result": [{"places": [place], "widget_context_token": "iconf-widget-token"}]}]
