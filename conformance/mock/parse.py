"""Validate a create request and normalise its input.

The server must never answer bad input with a 5xx, and its 400s must name
the offending field, so all checking of client data happens here, up front,
with one ApiError per problem. The result is a :class:`CreateRequest` whose
input is normalised to neutral *turns* (``{"role": "user"|"model",
"content": [block, ...]}``, blocks in the legacy Content shape), which is
what the store and the scripted model work on regardless of revision.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..profiles import Profile, camel
from ._blocks import CONTENT_TYPES, MODEL_STEP_TYPES, RESULT_TYPES
from .errors import invalid, not_found
from .limits import DEFAULT_LIMITS, Limits, check_counts, check_shape
from .reqschema import check_item, check_request
from .userschema import check_user_schemas

#: deep-research agents run only in the background (their docs say so)
BACKGROUND_AGENTS = frozenset({
    "deep-research-pro-preview-12-2025",
    "deep-research-preview-04-2026",
    "deep-research-max-preview-04-2026",
})
#: the antigravity agents run in the foreground too (their docs call them without background)
FOREGROUND_AGENTS = frozenset({"antigravity-preview-05-2026", "antigravity-preview-09-2026"})
AGENTS = BACKGROUND_AGENTS | FOREGROUND_AGENTS
_AGENT_CONFIG_TYPES = ("dynamic", "deep-research", "antigravity", "code-mender")
_MODEL_PREFIXES = ("gemini-", "lyria-", "gemma-")
_MAX_NAME = 256
_TOOL_TYPES = {
    "legacy": frozenset({"function", "google_search", "code_execution", "url_context", "computer_use",
                         "mcp_server", "file_search", "google_maps"}),
}
_TOOL_TYPES["2026-05-20"] = _TOOL_TYPES["legacy"] | {"retrieval", "tool_search"}
_MODALITIES = {
    "legacy": ("text", "image", "audio"),
    "2026-05-20": ("text", "image", "audio", "video", "document"),
}
_THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
_SERVICE_TIERS = ("flex", "standard", "priority", "deferred")
_DIRECTIVE = re.compile(r"\[iconf:([^\]]*)\]", re.IGNORECASE)


@dataclass
class CreateRequest:
    """A validated create request. ``turns`` is the input, normalised."""

    model: str | None
    agent: str | None
    input: Any
    turns: list[dict]
    stream: bool = False
    store: bool = True
    store_given: bool = False
    background: bool = False
    previous_interaction_id: str | None = None
    system_instruction: str | None = None
    tools: list[dict] | None = None
    generation_config: dict | None = None
    agent_config: dict | None = None
    response_format: Any = None
    response_mime_type: str | None = None
    response_modalities: list[str] | None = None
    service_tier: str | None = None
    webhook_config: dict | None = None
    labels: dict | None = None
    safety_settings: list | None = None
    environment: Any = None
    #: a continuation hop: the token of the paused interaction it continues (then input may be absent)
    continuation_token: str | None = None
    directives: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> dict:
        """Echoed settings, in the order the resource shows them."""
        out = {}
        for key in ("system_instruction", "tools", "generation_config", "previous_interaction_id",
                    "response_modalities", "response_format", "response_mime_type", "agent_config",
                    "service_tier", "webhook_config", "labels", "safety_settings", "environment"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


class _Checker:
    """Typed field access that raises 400 naming the field (or, under a fault, drops bad values)."""

    def __init__(self, body: dict, lenient: bool) -> None:
        self.body = body
        self.lenient = lenient

    def get(self, key: str, kinds: tuple, label: str, default: Any = None) -> Any:
        if key not in self.body or self.body[key] is None:
            return default
        value = self.body[key]
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            if self.lenient:
                return default
            raise invalid(f"Invalid value at '{key}' ({label}): got {_type_name(value)} {_short(value)}")
        return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_create(body: Any, profile: Profile, *, lenient_types: bool = False,
                 allow_both_or_neither: bool = False, allow_missing_input: bool = False,
                 allow_store_false_background: bool = False, allow_foreground_agent: bool = False,
                 allow_config_mismatch: bool = False, allow_out_of_bounds: bool = False,
                 limits: Limits = DEFAULT_LIMITS) -> CreateRequest:
    """Check a decoded JSON body; the ``allow_*``/``lenient`` switches exist only for fault injection.

    The size limits come first: they bound the cost of everything after them.
    """
    if not isinstance(body, dict):
        raise invalid(f"Invalid JSON payload: the request body must be a JSON object, got {_type_name(body)}")
    check_shape(body, limits)
    check_counts(body, limits)
    check_user_schemas(body, profile.name, limits)
    c = _Checker(body, lenient_types)
    model = _get_name(body, "model", lenient_types)
    agent = _get_name(body, "agent", lenient_types)
    if model is not None and agent is not None:
        if not allow_both_or_neither:
            raise invalid("Exactly one of 'model' or 'agent' must be set, but both 'model' and 'agent' were given")
        agent = None
    if model is None and agent is None:
        if not allow_both_or_neither:
            raise invalid("Exactly one of 'model' or 'agent' must be set, but neither 'model' nor 'agent' was given")
        model = "gemini-2.5-flash"
    for key, value in (("model", model), ("agent", agent)):
        if value is not None and len(value) > _MAX_NAME:
            raise invalid(f"Invalid value at '{key}': the name is {len(value)} characters long; at most "
                          f"{_MAX_NAME} are allowed")
    if model is not None:
        bare = model.removeprefix("models/")
        if not bare.startswith(_MODEL_PREFIXES):
            raise not_found(f"models/{bare} is not found for this API version, or is not supported for interactions "
                            f"(field 'model')")
        model = bare
    if agent is not None and agent not in AGENTS:
        raise not_found(f"Agent '{agent}' is not found (field 'agent'); known agents: {', '.join(sorted(AGENTS))}")

    token = body.get("continuation_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise invalid(f"Invalid value at 'continuation_token': a non-empty string is required, got {_type_name(token)}")
    hop = token is not None and ("input" not in body or body["input"] is None)
    if hop:
        raw_input = None  # a continuation hop carries no input: the paused interaction has it
    elif "input" not in body or body["input"] is None:
        if not allow_missing_input:
            raise invalid("Missing required field 'input' (only a continuation hop, with 'continuation_token' and "
                          "'previous_interaction_id', may omit it)")
        raw_input = ""
    else:
        raw_input = body["input"]

    req = CreateRequest(model=model, agent=agent, input=raw_input, turns=[], continuation_token=token)
    req.stream = c.get("stream", (bool,), "TYPE_BOOL", False)
    req.store_given = "store" in body and isinstance(body.get("store"), bool)
    req.store = c.get("store", (bool,), "TYPE_BOOL", True)
    req.background = c.get("background", (bool,), "TYPE_BOOL", False)
    req.previous_interaction_id = c.get("previous_interaction_id", (str,), "TYPE_STRING")
    req.system_instruction = c.get("system_instruction", (str,), "TYPE_STRING")
    req.tools = _tools(c.get("tools", (list,), "array of Tool"), profile, lenient_types)
    req.generation_config = _generation_config(c.get("generation_config", (dict,), "GenerationConfig"),
                                               bounds=not allow_out_of_bounds)
    req.agent_config = c.get("agent_config", (dict,), "AgentConfig")
    if req.agent_config is not None and not isinstance(req.agent_config.get("type"), str):
        raise invalid(f"Invalid value at 'agent_config.type': a string ({', '.join(_AGENT_CONFIG_TYPES)}) is required")
    req.response_mime_type = c.get("response_mime_type", (str,), "TYPE_STRING")
    if profile.name == "legacy":
        req.response_format = c.get("response_format", (dict,), "JSON schema object")
    else:
        req.response_format = c.get("response_format", (dict, list), "ResponseFormat or list")
        for i, entry in enumerate(req.response_format if isinstance(req.response_format, list) else []):
            if not isinstance(entry, dict):
                raise invalid(f"Invalid value at 'response_format[{i}]': expected an object")
    req.response_modalities = _modalities(c.get("response_modalities", (list,), "array of TYPE_STRING"),
                                          profile, lenient_types)
    req.service_tier = c.get("service_tier", (str,), "TYPE_STRING")
    if req.service_tier is not None and req.service_tier not in _SERVICE_TIERS and not lenient_types:
        raise invalid(f"Invalid value at 'service_tier': {req.service_tier!r} is not one of {', '.join(_SERVICE_TIERS)}")
    req.webhook_config = c.get("webhook_config", (dict,), "WebhookConfig")
    req.labels = c.get("labels", (dict,), "map of TYPE_STRING")
    req.safety_settings = c.get("safety_settings", (list,), "array of SafetySetting")
    req.environment = c.get("environment", (str, dict), "Environment or environment id")
    if hop and req.previous_interaction_id is None and req.store:
        raise invalid("A continuation hop without 'input' needs 'previous_interaction_id': the interaction that "
                      "issued 'continuation_token' (with store=false, resend the original 'input' instead)")

    if agent is not None and req.generation_config is not None and not allow_config_mismatch:
        raise invalid("'generation_config' is only accepted with 'model'; agent calls take 'agent_config'")
    if model is not None and req.agent_config is not None and not allow_config_mismatch:
        raise invalid("'agent_config' is only accepted with 'agent'; model calls take 'generation_config'")
    if req.background and not req.store and not allow_store_false_background:
        raise invalid("'store' must be true when 'background' is true: store=false cannot be combined with "
                      "background=true")
    if agent in BACKGROUND_AGENTS and not req.background and not allow_foreground_agent:
        raise invalid(f"Agent '{agent}' runs only in the background: set 'background' to true")

    req.turns = [] if hop else normalize_input(raw_input, profile)
    if not lenient_types:
        # the body as understood: fault switches may have filled in model or input
        effective = {k: v for k, v in body.items() if k not in ("model", "agent")}
        effective.update({"model": model} if model is not None else {"agent": agent})
        effective["input"] = raw_input
        check_request(effective, profile, "agent" if agent is not None else "model", continuation_hop=hop)
    req.directives = parse_directives(req.turns)
    return req


def _get_name(body: dict, key: str, lenient: bool) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        if lenient and not isinstance(value, str):
            return None
        raise invalid(f"Invalid value at '{key}': a non-empty string is required, got {_type_name(value)}")
    return value


def _tools(tools: list | None, profile: Profile, lenient: bool) -> list[dict] | None:
    if tools is None:
        return None
    known = _TOOL_TYPES[profile.name]
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            if lenient:
                continue
            raise invalid(f"Invalid value at 'tools[{i}].type': every tool needs a string 'type'")
        if tool["type"] not in known:
            raise invalid(f"Invalid value at 'tools[{i}].type': unknown tool type {tool['type']!r}; "
                          f"known: {', '.join(sorted(known))}")
        if tool["type"] == "function" and not isinstance(tool.get("name"), str):
            raise invalid(f"Invalid value at 'tools[{i}].name': a function tool needs a string 'name'")
        out.append(tool)
    return out


def _number(cfg: dict, key: str, low: float, high: float, bounds: bool = True) -> None:
    if key not in cfg:
        return
    value = cfg[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise invalid(f"Invalid value at 'generation_config.{key}': expected a number, got {_short(value)}")
    if bounds and not low <= value <= high:
        raise invalid(f"Invalid value at 'generation_config.{key}': {value} is out of range [{low:g}, {high:g}]")


def _generation_config(cfg: dict | None, bounds: bool = True) -> dict | None:
    if cfg is None:
        return None
    _number(cfg, "temperature", 0.0, 2.0, bounds)
    _number(cfg, "top_p", 0.0, 1.0, bounds)
    if "max_output_tokens" in cfg:
        value = cfg["max_output_tokens"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"Invalid value at 'generation_config.max_output_tokens': expected an integer, "
                          f"got {_short(value)}")
        if value <= 0 and bounds:
            raise invalid(f"Invalid value at 'generation_config.max_output_tokens': {value} must be greater than 0")
    if "seed" in cfg and (isinstance(cfg["seed"], bool) or not isinstance(cfg["seed"], int)):
        raise invalid(f"Invalid value at 'generation_config.seed': expected an integer, got {_short(cfg['seed'])}")
    if "stop_sequences" in cfg and not (isinstance(cfg["stop_sequences"], list)
                                        and all(isinstance(s, str) for s in cfg["stop_sequences"])):
        raise invalid("Invalid value at 'generation_config.stop_sequences': expected an array of strings")
    if "thinking_level" in cfg and cfg["thinking_level"] not in _THINKING_LEVELS:
        raise invalid(f"Invalid value at 'generation_config.thinking_level': {_short(cfg['thinking_level'])} is not "
                      f"one of {', '.join(_THINKING_LEVELS)}")
    if "thinking_summaries" in cfg and cfg["thinking_summaries"] not in ("auto", "none"):
        raise invalid("Invalid value at 'generation_config.thinking_summaries': expected 'auto' or 'none'")
    return cfg


def _modalities(values: list | None, profile: Profile, lenient: bool) -> list[str] | None:
    if values is None:
        return None
    allowed = _MODALITIES[profile.name]
    for i, value in enumerate(values):
        if value not in allowed:
            if lenient:
                continue
            raise invalid(f"Invalid value at 'response_modalities[{i}]': {_short(value)} is not one of "
                          f"{', '.join(allowed)} in revision {profile.name}")
    return [v for v in values if v in allowed]


# --- input ------------------------------------------------------------------------------------

def normalize_input(raw: Any, profile: Profile) -> list[dict]:
    """Turn any accepted input form into neutral turns (raises 400 naming ``input...``)."""
    if isinstance(raw, str):
        return [{"role": "user", "content": [{"type": "text", "text": raw}]}]
    if isinstance(raw, dict):
        return [{"role": "user", "content": [_content(raw, "input", profile)]}]
    if not isinstance(raw, list):
        raise invalid(f"Invalid value at 'input': expected a string, a content object or an array, "
                      f"got {_type_name(raw)}")
    if not raw:
        raise invalid("Invalid value at 'input': the array must not be empty")
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid(f"Invalid value at 'input[{i}]': expected an object, got {_type_name(item)}")
    if all("type" not in item and "role" in item for item in raw):
        if profile.name != "legacy":
            raise invalid("Invalid value at 'input': Turn objects ({role, content}) are not accepted in revision "
                          "2026-05-20; send a list of steps (user_input, model_output, function_result, ...)")
        return _merge([_turn(item, f"input[{i}]", profile) for i, item in enumerate(raw)])
    turns = []
    for i, item in enumerate(raw):
        where = f"input[{i}]"
        kind = item.get("type")
        if not isinstance(kind, str):
            raise invalid(f"Invalid value at '{where}.type': a string 'type' is required")
        if profile.name == "legacy" or kind in CONTENT_TYPES:
            block = _content(item, where, profile)
            role = "model" if profile.name == "legacy" and kind in MODEL_STEP_TYPES else "user"
            turns.append({"role": role, "content": [block]})
        else:
            turns.append(_step(item, where, profile))
    return _merge(turns)


def _merge(turns: list[dict]) -> list[dict]:
    out: list[dict] = []
    for turn in turns:
        if out and out[-1]["role"] == turn["role"]:
            out[-1]["content"].extend(turn["content"])
        else:
            out.append({"role": turn["role"], "content": list(turn["content"])})
    return out


def _turn(item: dict, where: str, profile: Profile) -> dict:
    role = item.get("role")
    if role not in ("user", "model"):
        raise invalid(f"Invalid value at '{where}.role': expected 'user' or 'model', got {_short(role)}")
    content = item.get("content")
    if isinstance(content, str):
        blocks = [{"type": "text", "text": content}]
    elif isinstance(content, list):
        blocks = [_content(b, f"{where}.content[{j}]", profile) for j, b in enumerate(content)]
    else:
        raise invalid(f"Invalid value at '{where}.content': expected a string or an array of content")
    return {"role": role, "content": blocks}


def _content(block: Any, where: str, profile: Profile) -> dict:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise invalid(f"Invalid value at '{where}.type': a content block needs a string 'type'")
    kind = block["type"]
    allowed = set(profile.blocks) if profile.name == "legacy" else CONTENT_TYPES
    if kind not in allowed:
        raise invalid(f"Invalid value at '{where}.type': {kind!r} is not a content type of revision {profile.name}")
    _check_block(block, where)
    # validate against the variant the type names, so the error points inside it
    component = profile.blocks[kind].component if profile.name == "legacy" else f"{camel(kind)}Content"
    check_item(block, profile, component, where)
    return dict(block)


def _check_block(block: dict, where: str) -> None:
    kind = block["type"]
    if kind == "text" and not isinstance(block.get("text"), str):
        raise invalid(f"Invalid value at '{where}.text': a text block needs a string 'text'")
    if kind in ("image", "audio", "video", "document"):
        for key in ("data", "uri", "mime_type"):
            if key in block and not isinstance(block[key], str):
                raise invalid(f"Invalid value at '{where}.{key}': expected a string")
    if kind in RESULT_TYPES and not isinstance(block.get("call_id"), str):
        raise invalid(f"Invalid value at '{where}.call_id': a {kind} needs a string 'call_id'")
    if kind == "function_result" and "result" not in block:
        raise invalid(f"Invalid value at '{where}.result': a function_result needs a 'result'")
    if kind == "function_call":
        if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
            raise invalid(f"Invalid value at '{where}.id': a function_call needs string 'id' and 'name'")


def _step(item: dict, where: str, profile: Profile) -> dict:
    kind = item["type"]
    if kind not in profile.blocks:
        raise invalid(f"Invalid value at '{where}.type': {kind!r} is not a step type of revision {profile.name}")
    if kind in ("user_input", "model_output"):
        content = item.get("content", [])
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list):
            raise invalid(f"Invalid value at '{where}.content': expected an array of content")
        blocks = [_content(b, f"{where}.content[{j}]", profile) for j, b in enumerate(content)]
        return {"role": "user" if kind == "user_input" else "model", "content": blocks}
    _check_block(item, where)
    check_item(item, profile, profile.blocks[kind].component, where)
    return {"role": "user" if kind == "function_result" else "model", "content": [dict(item)]}


def parse_directives(turns: list[dict]) -> dict[str, str]:
    """Directives ``[iconf: a, b=c]`` in the text of the last user turn, as ``{name: value}``."""
    user = [t for t in turns if t["role"] == "user"]
    if not user:
        return {}
    found: dict[str, str] = {}
    for block in user[-1]["content"]:
        if block.get("type") != "text":
            continue
        text = block.get("text", "")
        if "[" not in text:  # no directive possible: skip the regex (most texts)
            continue
        from .model import DIRECTIVES
        for match in _DIRECTIVE.finditer(text):
            for token in match.group(1).split(","):
                token = token.strip().lower()
                if not token:
                    continue
                name, _, value = token.partition("=")
                name = name.strip()
                if name not in DIRECTIVES:
                    raise invalid(f"Invalid value at 'input': unknown iconf directive {name!r}; known: "
                                  f"{', '.join(sorted(DIRECTIVES))}")
                found[name] = value.strip()
    if "delay" in found:
        _check_delay(found["delay"])
    return found


MAX_DELAY_S = 3600.0


def _check_delay(value: str) -> None:
    """``delay=S`` must be a finite number of seconds in [0, MAX_DELAY_S] (nan, -5 and 1e309 are 400s)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_DELAY_S:
        raise invalid(f"Invalid value at 'input': directive delay={value!r} must be a number of seconds between 0 "
                      f"and {MAX_DELAY_S:g}")


def strip_directives(text: str) -> str:
    return _DIRECTIVE.sub("", text).strip()


__all__ = ["AGENTS", "BACKGROUND_AGENTS", "FOREGROUND_AGENTS", "CreateRequest", "parse_create", "normalize_input", "strip_directives"]
