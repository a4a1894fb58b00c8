"""Named checks for stateful server behaviour, one small function per rule.

Scenarios gather the observations (status codes, bodies, status histories)
and call these; each returns a list of violations (empty when the rule
holds). Keeping the judgement here, away from the HTTP plumbing, lets a
test show every rule catching a bad observation and passing a good one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema

from ..profiles import Profile
from ..rules import Violation, violation
from ._render import short

__all__ = [
    "auth_key_required", "background_create_in_progress", "background_poll_reaches_terminal",
    "cancel_finished_rejected", "cancel_running_cancelled", "delete_no_trace", "function_call_requires_action",
    "function_result_completes", "not_found_404", "previous_context_carried", "previous_settings_not_inherited",
    "rejected_with_400", "store_default_retrievable", "store_false_not_retrievable", "structured_output_valid",
    "timeline_get_starts_with_input", "timeline_legacy_outputs_model_only", "timeline_post_model_only",
    "output_text", "output_items", "valid_request_accepted",
]


def output_items(profile: Profile, body: Any) -> list[Mapping]:
    items = body.get(profile.items_field) if isinstance(body, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def output_text(profile: Profile, body: Any) -> str:
    """All model text of a resource, concatenated (text blocks, or text inside model_output steps)."""
    parts: list[str] = []
    for item in output_items(profile, body):
        if item.get("type") == "text" and isinstance(item.get("text"), str):
            parts.append(item["text"])
        for content in item.get("content", []) if isinstance(item.get("content"), list) else []:
            if isinstance(content, Mapping) and content.get("type") == "text" and isinstance(content.get("text"), str):
                if item.get("type") != profile.input_item_type:
                    parts.append(content["text"])
    return "".join(parts)


def rejected_with_400(rule_id: str, status: int, body: Any, *, what: str, location: str = "") -> list[Violation]:
    """A request that breaks ``rule_id`` must be answered exactly 400: the API's invalid_request /
    INVALID_ARGUMENT (FACTS §7, §9). Another 4xx (422, 409, ...) breaks the rule too; a 5xx is judged
    by error.bad-input.no-5xx. One meaning for the scripted and the generated scenarios alike."""
    if status in (400, 413):  # 413: the body is over the server's size limit, which comes before judging it
        return []
    if status >= 500:
        return [violation("error.bad-input.no-5xx", f"{what} was answered with HTTP {status}", location=location,
                          expected="400", observed=str(status), evidence={"body": short(body, 1500)})]
    return [violation(rule_id, f"{what} was answered with HTTP {status}", location=location,
                      expected="400 with the error envelope", observed=str(status),
                      evidence={"body": short(body, 1500)})]


def valid_request_accepted(status: int, body: Any, *, what: str = "a valid create request",
                           location: str = "") -> list[Violation]:
    """A conforming request must be accepted; a 4xx/5xx here is the server's fault."""
    if 200 <= status < 300:
        return []
    return [violation("request.valid.accepted", f"{what} was answered with HTTP {status}", location=location,
                      expected="2xx", observed=f"{status} {short(body, 300)}")]


def not_found_404(status: int, *, what: str, location: str = "") -> list[Violation]:
    if status == 404:
        return []
    return [violation("error.not-found.404", f"{what} answered HTTP {status}", location=location,
                      expected="404", observed=str(status))]


def auth_key_required(status: int, *, what: str = "a request without an API key", location: str = "") -> list[Violation]:
    if status in (401, 403):
        return []
    return [violation("auth.key.required", f"{what} was answered with HTTP {status}", location=location,
                      expected="401 or 403", observed=str(status))]


def store_default_retrievable(get_status: int, *, location: str = "") -> list[Violation]:
    if get_status == 200:
        return []
    return [violation("store.default.retrievable", f"GET of an interaction created without store answered {get_status}",
                      location=location, expected="200", observed=str(get_status))]


def store_false_not_retrievable(get_status: int, *, location: str = "") -> list[Violation]:
    if get_status == 404:
        return []
    return [violation("store.false.not-retrievable", f"GET of a store=false interaction answered {get_status}",
                      location=location, expected="404", observed=str(get_status))]


def background_create_in_progress(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    status = body.get("status") if isinstance(body, Mapping) else None
    if isinstance(body, Mapping) and isinstance(body.get("id"), str) and status in ("in_progress", "queued"):
        return []
    return [violation("background.create.in-progress", "a background create did not answer at once with in_progress",
                      location=location, expected="an id and status in_progress", observed=short(
                          {k: body.get(k) for k in ("id", "status")} if isinstance(body, Mapping) else body))]


def background_poll_reaches_terminal(profile: Profile, history: Sequence[str], budget_s: float,
                                     *, location: str = "") -> list[Violation]:
    if history and (profile.status.is_terminal(history[-1]) or history[-1] == "requires_action"):
        return []
    return [violation("background.poll.reaches-terminal",
                      f"no terminal status within {budget_s:.1f}s of polling", location=location,
                      expected="completed, failed, cancelled, incomplete or requires_action",
                      observed=" -> ".join(history) or "no observation")]


def cancel_running_cancelled(status: int, body: Any, later: Any = None, *, location: str = "") -> list[Violation]:
    out: list[Violation] = []
    got = body.get("status") if isinstance(body, Mapping) else None
    if status != 200 or got != "cancelled":
        out.append(violation("cancel.running.cancelled", "cancelling a running background interaction did not cancel it",
                             location=location, expected="200 with status cancelled",
                             observed=f"HTTP {status}, status {got!r}"))
    later_status = later.get("status") if isinstance(later, Mapping) else None
    if later is not None and later_status != "cancelled":
        out.append(violation("cancel.running.cancelled", "a cancelled interaction did not stay cancelled",
                             location=location, expected="cancelled", observed=str(later_status)))
    return out


def cancel_finished_rejected(status: int, *, location: str = "") -> list[Violation]:
    if 400 <= status < 500:
        return []
    return [violation("cancel.finished.rejected", f"cancelling a finished interaction answered HTTP {status}",
                      location=location, expected="a 4xx", observed=str(status))]


def delete_no_trace(get_status: int, delete_again_status: int, previous_status: int | None = None,
                    *, location: str = "") -> list[Violation]:
    out = []
    if get_status != 404:
        out.append(violation("delete.no-trace", f"GET after DELETE answered {get_status}", location=location,
                             expected="404", observed=str(get_status)))
    if delete_again_status != 404:
        out.append(violation("delete.no-trace", f"a second DELETE answered {delete_again_status}", location=location,
                             expected="404", observed=str(delete_again_status)))
    if previous_status is not None and not 400 <= previous_status < 500:
        out.append(violation("delete.no-trace", f"previous_interaction_id naming a deleted interaction answered "
                             f"{previous_status}", location=location, expected="a 4xx", observed=str(previous_status)))
    return out


def timeline_post_model_only(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    bad = [i.get("type") for i in output_items(profile, body) if i.get("type") == profile.input_item_type]
    if not bad:
        return []
    return [violation("timeline.post.model-only", f"the POST answer contains {bad[0]} steps", location=location,
                      expected="only model-produced steps", observed=", ".join(map(str, bad)))]


def timeline_get_starts_with_input(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    items = output_items(profile, body)
    first = items[0].get("type") if items else None
    if first == profile.input_item_type or (items and first == "function_result"):
        return []
    return [violation("timeline.get.starts-with-input", "GET's timeline does not start with the input step",
                      location=location, expected=str(profile.input_item_type), observed=str(first))]


def timeline_legacy_outputs_model_only(profile: Profile, body: Any, sent_input: Any, *,
                                       include_input: bool = False, location: str = "") -> list[Violation]:
    """Legacy outputs hold model output only; ``input`` is echoed only with include_input=true."""
    out: list[Violation] = []
    if isinstance(body, Mapping) and not include_input and "input" in body:
        out.append(violation("timeline.legacy.outputs-model-only", "the resource echoes input without include_input",
                             location=location, expected="no input field", observed=short(body.get("input"))))
    if isinstance(body, Mapping) and include_input and "input" not in body:
        out.append(violation("timeline.legacy.outputs-model-only", "include_input=true returned no input",
                             location=location, expected="input", observed="absent"))
    if isinstance(sent_input, str):
        for item in output_items(profile, body):
            if item.get("type") == "text" and item.get("text") == sent_input:
                out.append(violation("timeline.legacy.outputs-model-only", "outputs repeat the user's input",
                                     location=location, expected="model output only", observed=short(item)))
    return out


def previous_context_carried(answer: str, fact: str, *, location: str = "") -> list[Violation]:
    if fact.lower() in answer.lower():
        return []
    return [violation("previous.context.carried", "the chained answer does not use the earlier conversation",
                      location=location, expected=f"an answer mentioning {fact!r}", observed=short(answer))]


def previous_settings_not_inherited(resource: Any, sent: Mapping, *, location: str = "") -> list[Violation]:
    """The chained resource must not show tools/system_instruction/generation_config it was not sent."""
    if not isinstance(resource, Mapping):
        return []
    inherited = [k for k in ("tools", "system_instruction", "generation_config") if k in resource and k not in sent]
    if not inherited:
        return []
    return [violation("previous.settings.not-inherited", f"the chained interaction carries {inherited} it was not sent",
                      location=location, expected="only the settings sent with this call",
                      observed=short({k: resource[k] for k in inherited}))]


def function_call_requires_action(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    items = output_items(profile, body)
    calls = [i for i in items if i.get("type") == "function_call"]
    status = body.get("status") if isinstance(body, Mapping) else None
    if not calls:
        return [violation("function.call.requires-action", "the model was asked to call a function and did not",
                          location=location, expected="a function_call", observed=short(items))]
    if status != "requires_action":
        return [violation("function.call.requires-action", f"a pending function_call left status {status!r}",
                          location=location, expected="requires_action", observed=str(status))]
    return []


def function_result_completes(status_code: int, body: Any, *, location: str = "") -> list[Violation]:
    status = body.get("status") if isinstance(body, Mapping) else None
    if status_code == 200 and status == "completed":
        return []
    return [violation("function.result.completes", "a matching function_result did not complete the chain",
                      location=location, expected="200 with status completed",
                      observed=f"HTTP {status_code}, status {status!r}")]


def structured_output_valid(profile: Profile, body: Any, schema: Mapping, *, location: str = "") -> list[Violation]:
    text = output_text(profile, body)
    try:
        value = json.loads(text)
    except ValueError as exc:
        return [violation("structured.output.valid", f"the output is not JSON: {exc}", location=location,
                          expected="JSON text", observed=short(text))]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return []
    return [violation("structured.output.valid", f"the output does not match response_format: {errors[0].message}",
                      location=location + "".join(f"/{p}" for p in errors[0].path), expected=short(schema),
                      observed=short(value))]
