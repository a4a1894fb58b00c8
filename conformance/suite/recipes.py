"""How to ask a target for a given kind of output.

A scripted target (the reference mock) takes a directive in the input text
(``[iconf: thought]``); any other target gets an ordinary request that a real
model answers with that kind of output (tools declared, thinking on, ...).
A recipe a target cannot serve makes the scenario skip with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "function_call": {"input": "What is the weather in Paris right now? Use the tool.", "tools": [WEATHER_TOOL]},
    "google_search": {"input": "Search the web: what is the capital of Australia?", "tools": [{"type": "google_search"}]},
    "code_execution": {"input": "Use code execution to compute the sum of the first 20 primes.",
                       "tools": [{"type": "code_execution"}]},
    "url_context": {"input": "Summarise https://example.com in one sentence.", "tools": [{"type": "url_context"}]},
}
#: what a natural request needs beyond the model itself
_NATURAL_NEEDS = {"google_search": "tools", "code_execution": "tools", "url_context": "tools",
                  "function_call": "functions"}


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
