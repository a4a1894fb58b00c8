"""Checks on what a client sends: create bodies, GET parameters, headers.

The same rules judge a server from the other side: a server that *accepts*
a request these checks reject breaks the rule too (see :mod:`.exchange`).
Rules that need memory of earlier answers (a store=false id, the calls a
function_result answers) read a :class:`ConversationState`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules import RULES, Violation, violation
from ..schema import SchemaSet
from ._render import short
from .payload import schema_violations

__all__ = ["ConversationState", "check_request", "check_get_params", "check_headers", "applicable", "AGENT_PREFIXES",
           "needs_background", "is_continuation_hop"]

#: agents that must run in the background (Deep Research); the antigravity agents' docs run them without
AGENT_PREFIXES = ("deep-research",)


def needs_background(agent: Any) -> bool:
    """``request.agent.background`` applies to this agent name (FACTS §6.4, §9)."""
    return isinstance(agent, str) and agent.startswith(AGENT_PREFIXES)


def is_continuation_hop(body: Mapping) -> bool:
    """A create request that continues a paused interaction (it carries a continuation_token)."""
    token = body.get("continuation_token")
    return isinstance(token, str) and bool(token)

#: required-property errors the semantic rules already name
_SEMANTIC_REQUIRED = {'"model" is a required property', '"agent" is a required property',
                      '"input" is a required property'}


@dataclass
class _Known:
    store: bool = True
    calls: set[str] = field(default_factory=set)
    deleted: bool = False
    status: str | None = None
    continuation_token: str | None = None


class ConversationState:
    """What has been seen of earlier interactions: stored or not, deleted, function calls they made."""

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}

    def record(self, interaction: Mapping, *, store: bool = True, items_field: str = "steps") -> None:
        iid = interaction.get("id")
        if not isinstance(iid, str):
            return
        known = self._known.setdefault(iid, _Known(store=store))
        known.store = store
        if isinstance(interaction.get("status"), str):
            known.status = interaction["status"]
            token = interaction.get("continuation_token")
            known.continuation_token = token if isinstance(token, str) else None
        for item in _walk_items(interaction.get(items_field)):
            if item.get("type") == "function_call" and isinstance(item.get("id"), str):
                known.calls.add(item["id"])

    def record_items(self, iid: str, items: list) -> None:
        known = self._known.setdefault(iid, _Known())
        for item in _walk_items(items):
            if item.get("type") == "function_call" and isinstance(item.get("id"), str):
                known.calls.add(item["id"])

    def deleted(self, iid: str) -> None:
        self._known.setdefault(iid, _Known()).deleted = True

    def get(self, iid: str) -> _Known | None:
        return self._known.get(iid)


def _walk_items(value: Any) -> Iterator[Mapping]:
    """Every block/step-like dict in an input or item list (turns and content lists included)."""
    if isinstance(value, Mapping):
        if isinstance(value.get("type"), str):
            yield value
        for key in ("content", "steps"):
            inner = value.get(key)
            if isinstance(inner, list):
                yield from _walk_items(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_items(item)


def applicable(violations: list[Violation], revision: str) -> list[Violation]:
    """Drop violations of rules that do not apply to ``revision``."""
    return [v for v in violations if revision in RULES[v.rule_id].revisions]


def _bounds(config: Mapping) -> Iterator[tuple[str, Any, str]]:
    t = config.get("temperature")
    if isinstance(t, (int, float)) and not isinstance(t, bool) and not 0 <= t <= 2:
        yield "temperature", t, "0 <= temperature <= 2"
    p = config.get("top_p")
    if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 <= p <= 1:
        yield "top_p", p, "0 <= top_p <= 1"
    m = config.get("max_output_tokens")
    if isinstance(m, int) and not isinstance(m, bool) and m <= 0:
        yield "max_output_tokens", m, "max_output_tokens > 0"


def check_request(schemas: SchemaSet, body: Any, *, state: ConversationState | None = None,
                  location: str = "request") -> list[Violation]:
    """A create request, as a client sends it."""
    profile = schemas.profile
    if not isinstance(body, Mapping):
        return [violation("schema.request.valid", "the request body is not a JSON object", location=location,
                          expected="a JSON object", observed=short(body))]
    out: list[Violation] = []
    has_model, has_agent = "model" in body, "agent" in body
    if has_model == has_agent:
        out.append(violation("request.model-xor-agent",
                             "the request names both model and agent" if has_model else "the request names neither model nor agent",
                             location=f"{location}/model", expected="exactly one of model, agent",
                             observed=short({k: body.get(k) for k in ("model", "agent") if k in body})))
    hop = is_continuation_hop(body)
    if "input" not in body and not (hop and "previous_interaction_id" in body):
        out.append(violation("request.input.required", "the request has no input", location=f"{location}/input",
                             expected="input (or, continuing, continuation_token + previous_interaction_id)",
                             observed="absent"))
    kind = "agent" if has_agent and not has_model else "model"
    component = profile.request_components[kind]
    for v in schema_violations(schemas, component, body, "schema.request.valid", location=location,
                               what="create request", answer=False):
        if v.observed not in _SEMANTIC_REQUIRED:
            out.append(v)
    props = schemas.component(component).get("properties", {})
    read_only = sorted(k for k in body if isinstance(props.get(k), Mapping) and props[k].get("readOnly"))
    if read_only:
        out.append(violation("schema.request.no-read-only", f"the request sends output-only fields {read_only}",
                             location=f"{location}/{read_only[0]}", expected="no output-only field",
                             observed=", ".join(read_only)))
    if body.get("store") is False and body.get("background") is True:
        out.append(violation("request.store-false.no-background", "store=false is combined with background=true",
                             location=f"{location}/background", expected="background omitted or false with store=false",
                             observed="store=false, background=true"))
    if has_agent and needs_background(body.get("agent")) and body.get("background") is not True:
        out.append(violation("request.agent.background", "an agent interaction is created without background=true",
                             location=f"{location}/background", expected="background: true",
                             observed=short(body.get("background"))))
    if has_agent and "generation_config" in body:
        out.append(violation("request.config.matches-kind", "generation_config is sent with an agent",
                             location=f"{location}/generation_config", expected="agent_config for agents",
                             observed="generation_config"))
    if has_model and not has_agent and "agent_config" in body:
        out.append(violation("request.config.matches-kind", "agent_config is sent with a model",
                             location=f"{location}/agent_config", expected="generation_config for models",
                             observed="agent_config"))
    config = body.get("generation_config")
    if isinstance(config, Mapping):
        for name, value, rule in _bounds(config):
            out.append(violation("request.generation-config.bounds", f"generation_config.{name} is out of range",
                                 location=f"{location}/generation_config/{name}", expected=rule, observed=str(value)))
    if "response_format" in body and "response_mime_type" not in body:
        out.append(violation("request.response-format.mime-type", "response_format is sent without response_mime_type",
                             location=f"{location}/response_mime_type", expected="application/json", observed="absent"))
    out += _previous_rules(body, state, location)
    if hop:
        out += _continuation_rules(body, state, location)
    out += _thoughts_sent_back(body, location)
    return applicable(out, profile.name)


def _continuation_rules(body: Mapping, state: ConversationState | None, location: str) -> list[Violation]:
    """A continuation hop's shape and token (the SDKs' automatic continuation, FACTS §9)."""
    out: list[Violation] = []
    prev = body.get("previous_interaction_id")
    has_input = "input" in body
    if body.get("store") is False:
        if prev is not None or not has_input:
            out.append(violation("continuation.hop.shape", "a store=false hop resends the original input and names "
                                 "no previous interaction (nothing was stored)", location=f"{location}/input",
                                 expected="input, no previous_interaction_id",
                                 observed=f"input {'present' if has_input else 'absent'}, "
                                          f"previous_interaction_id {short(prev)}"))
        return out
    if prev is None or has_input:
        out.append(violation("continuation.hop.shape", "a continuation hop names the paused interaction as "
                             "previous_interaction_id and sends no input", location=f"{location}/input",
                             expected="previous_interaction_id, no input",
                             observed=f"input {'present' if has_input else 'absent'}, "
                                      f"previous_interaction_id {short(prev)}"))
    known = state.get(prev) if state is not None and isinstance(prev, str) else None
    if known is not None and known.status is not None:
        token = body.get("continuation_token")
        if known.status != "requires_continuation" or known.continuation_token != token:
            out.append(violation("continuation.hop.token-matches",
                                 f"the hop's continuation_token is not the one {prev!r} carried "
                                 f"(status {known.status})", location=f"{location}/continuation_token",
                                 expected=f"{short(known.continuation_token)} from a requires_continuation interaction",
                                 observed=short(token)))
    return out


def _thoughts_sent_back(body: Mapping, location: str) -> list[Violation]:
    """``thought.signature.sent-back``: thought steps in input keep their signature (js-genai#1735)."""
    for item in _walk_items(body.get("input")):
        if item.get("type") != "thought":
            continue
        signature = item.get("signature")
        if not (isinstance(signature, str) and signature):
            return [violation("thought.signature.sent-back", "a thought step is sent back without its signature",
                              location=f"{location}/input", expected="the signature the server gave",
                              observed=short(item, 200))]
    return []


def _previous_rules(body: Mapping, state: ConversationState | None, location: str) -> list[Violation]:
    out: list[Violation] = []
    prev = body.get("previous_interaction_id")
    known = state.get(prev) if state is not None and isinstance(prev, str) else None
    if known is not None and not known.store:
        out.append(violation("request.store-false.no-previous",
                             f"previous_interaction_id {prev!r} names an interaction created with store=false",
                             location=f"{location}/previous_interaction_id", expected="a stored interaction",
                             observed=str(prev)))
    items = list(_walk_items(body.get("input")))
    results = [i for i in items if i.get("type") == "function_result"]
    if not results:
        return out
    calls = {i["id"] for i in items if i.get("type") == "function_call" and isinstance(i.get("id"), str)}
    if known is not None:
        calls |= known.calls
    elif not calls:
        return out  # nothing known to match against
    for result in results:
        call_id = result.get("call_id")
        if call_id not in calls:
            out.append(violation("request.function-result.call-id",
                                 f"function_result call_id {call_id!r} matches no function_call",
                                 location=f"{location}/input", expected=f"one of {sorted(calls)}",
                                 observed=str(call_id)))
    return out


def check_get_params(query: Mapping[str, str], *, location: str = "GET") -> list[Violation]:
    """GET /interactions/{id} query parameters."""
    if "last_event_id" in query and str(query.get("stream", "")).lower() != "true":
        return [violation("request.last-event-id.needs-stream", "last_event_id is sent without stream=true",
                          location=f"{location}?last_event_id", expected="stream=true",
                          observed=f"stream={query.get('stream', '(absent)')}")]
    return []


def check_headers(method: str, headers: Mapping[str, str], query: Mapping[str, str], has_body: bool,
                  *, location: str = "") -> list[Violation]:
    """Headers every client request needs: the API key, and a JSON content type with a body."""
    lower = {k.lower(): v for k, v in headers.items()}
    out: list[Violation] = []
    if not lower.get("x-goog-api-key") and not query.get("key") and not lower.get("authorization"):
        out.append(violation("request.auth.key-present", "the request carries no API key", location=location,
                             expected="x-goog-api-key header or key= parameter", observed="none"))
    if has_body and "application/json" not in lower.get("content-type", "").lower():
        out.append(violation("request.content-type.json", "a request with a body is not declared as JSON",
                             location=location, expected="Content-Type: application/json",
                             observed=lower.get("content-type", "(absent)")))
    return out
