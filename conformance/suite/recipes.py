"""How to ask a target for a given kind of output.

A scripted target (the reference mock) takes a directive in the input text
(``[iconf: thought]``); any other target gets an ordinary request that a real
model answers with that kind of output (tools declared, thinking on, ...).
A recipe a target cannot serve makes the scenario skip with the reason.

Skips are earned, not assumed: a target that is not scripted is asked the way
a real model is asked (``tool_choice`` forcing the function call, tools
declared, ``thinking_level`` on, ``response_modalities``), and a scenario
skips only when the user denied the capability or the target's own answer
says it lacks the feature (:func:`target_lacks`: a 4xx naming it as unknown
or unsupported), with that answer as the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..profiles import Profile
from ..targets import TargetConfig

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}

TOOL_KINDS = ("code_execution", "url_context", "google_search", "mcp_server_tool", "file_search", "google_maps")
MEDIA_KINDS = ("image", "audio", "video", "document")
OUTPUT_KINDS = ("text", "cite", "thought", "function_call", *MEDIA_KINDS, *TOOL_KINDS)

_NATURAL: dict[str, dict] = {
    "text": {"input": "Say hello in exactly five words."},
    "thought": {"input": "What is 17 * 23? Think it through before answering.",
                "generation_config": {"thinking_level": "low", "thinking_summaries": "auto"}},
    # tool_choice "any" makes a real model call a declared function (FACTS §2 generation_config.tool_choice)
    "function_call": {"input": "What is the weather in Paris right now? Use the tool.", "tools": [WEATHER_TOOL],
                      "generation_config": {"tool_choice": "any"}},
    "cite": {"input": "Search the web and cite your sources: in which year was the Eiffel Tower completed?",
             "tools": [{"type": "google_search"}]},
    "image": {"input": "Draw a small red square on a white background.", "response_modalities": ["image"]},
    "audio": {"input": "Say the word hello, out loud.", "response_modalities": ["audio"]},
    "google_search": {"input": "Search the web: what is the capital of Australia?", "tools": [{"type": "google_search"}]},
    "code_execution": {"input": "Use code execution to compute the sum of the first 20 primes.",
                       "tools": [{"type": "code_execution"}]},
    "url_context": {"input": "Summarise https://example.com in one sentence.", "tools": [{"type": "url_context"}]},
}
#: what a natural request needs beyond the model itself
_NATURAL_NEEDS = {"google_search": "tools", "code_execution": "tools", "url_context": "tools", "cite": "tools",
                  "function_call": "functions", "image": "multimodal", "audio": "multimodal"}
#: words a target's refusal names when it lacks what a kind of output needs
FEATURE_WORDS = {"function_call": ("function", "tool"), "thought": ("think", "thought"),
                 "image": ("modalit", "image"), "audio": ("modalit", "audio"),
                 **{k: (k, "tool") for k in ("google_search", "code_execution", "url_context", "cite")}}


@dataclass(frozen=True)
class Recipe:
    kind: str
    body: dict
    #: item types (blocks, steps, or content inside model_output) the answer should contain
    expect: frozenset[str]


def expected_types(profile: Profile, kind: str) -> frozenset[str]:
    if kind in TOOL_KINDS:
        return frozenset({f"{kind}_call", f"{kind}_result"})
    if kind == "cite":
        return frozenset({"text"})
    return frozenset({kind})


def recipe(config: TargetConfig, profile: Profile, kind: str) -> Recipe | str:
    """The request for ``kind`` on this target, or the reason it cannot be asked for."""
    expect = expected_types(profile, kind)
    if "scripted" in config.capabilities:
        body: dict = {"model": config.model, "input": f"[iconf: {kind}] Please answer."}
        if kind == "function_call":
            body["tools"] = [WEATHER_TOOL]
        return Recipe(kind, body, expect)
    natural = _NATURAL.get(kind)
    if natural is None:
        return f"the {config.name} target cannot be asked for {kind!r} output without iconf directives"
    need = _NATURAL_NEEDS.get(kind)
    if need and need not in config.capabilities:
        return f"the {config.name} target lacks the {need!r} capability"
    return Recipe(kind, {"model": config.model, **natural}, expect)


#: how a refusal says a feature is missing
_LACKS = re.compile(r"not supported|unsupported|not available|unavailable|not enabled|not implemented|unknown|"
                    r"not found|no such|does not support|doesn't support|cannot be used|not allowed", re.IGNORECASE)


def error_message(body: Any) -> str:
    """The message of an error answer ({"error": {"message"}}, a bare {"message"}, or the text itself)."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return body if isinstance(body, str) else ""


def target_lacks(answer: Any, feature: str, words: tuple[str, ...]) -> str | None:
    """The reason to skip when the target's answer says it lacks ``feature``, else None.

    A 4xx (400, 404, 501 is a 5xx and judged elsewhere) whose message calls something named by
    ``words`` unknown or unsupported. Authentication and rate limits never count.
    """
    status = getattr(answer, "status", 0)
    if not 400 <= status < 500 or status in (401, 403, 408, 429):
        return None
    message = error_message(getattr(answer, "body", None))
    lowered = message.lower()
    if _LACKS.search(message) and any(w in lowered for w in words):
        return f"the target says it lacks {feature}: HTTP {status} {message[:200]!r}"
    return None


def scripted(config: TargetConfig, directive: str, text: str = "Please answer.", **extra) -> dict:
    """A create body using a directive when the target understands them, plain text otherwise."""
    prefix = f"[iconf: {directive}] " if directive and "scripted" in config.capabilities else ""
    return {"model": config.model, "input": prefix + text, **extra}


def item_types(profile: Profile, items: list) -> set[str]:
    """Types present in a resource's items, including content types inside steps."""
    found: set[str] = set()
    for item in items or []:
        if not isinstance(item, dict):
            continue
        found.add(str(item.get("type")))
        for content in item.get("content") or []:
            if isinstance(content, dict):
                found.add(str(content.get("type")))
    return found
