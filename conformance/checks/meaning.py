"""Constraints the schema leaves out but the meaning of the fields implies.

The OpenAPI documents type every field; they cannot say that a result answers
a call made before it, that a call id identifies one call, that a breakdown
stays within its total, that a stream only completes on a status that ends it,
or that the completion event and a later GET describe the same run. Each
function here judges one of those, one rule each (see docs/rules.md):

* ``timeline.call-id.unique`` and ``timeline.result.follows-call`` on the
  items of a full resource;
* ``usage.breakdown.consistent`` on any usage object;
* ``stream.completion.status-final`` on the completion event;
* ``stream.completion.matches-resource`` on the completion event against GET;
* ``error.code.matches-status`` on an error envelope against its HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from ..profiles import Profile
from ..rules import Violation, covers, violation
from ._render import short

__all__ = ["check_call_ids", "check_calls_declared", "check_completion_matches", "check_completion_status", "check_error_code", "check_meaning",
           "check_usage_breakdown", "stream_ending_statuses"]

#: usage totals that have a per-modality breakdown
_BREAKDOWNS = ("input", "cached", "output", "tool_use")


def _items(profile: Profile, body: Any) -> list[Mapping]:
    items = body.get(profile.items_field) if isinstance(body, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def check_call_ids(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    """Call ids identify one call each; a built-in tool's result answers a call of its kind made before it.

    ``function_result`` is left out of the pairing: the client sends it, answering a call of an
    earlier interaction (it opens the next interaction's timeline).
    """
    out: list[Violation] = []
    where = f"{location}/{profile.items_field}"
    calls: dict[str, str] = {}
    for n, item in enumerate(_items(profile, body)):
        kind = item.get("type")
        if not isinstance(kind, str):
            continue
        if kind.endswith("_call") and isinstance(item.get("id"), str):
            iid = item["id"]
            if iid in calls:
                out.append(violation("timeline.call-id.unique", f"call id {iid!r} is used by two calls",
                                     location=f"{where}/{n}/id", expected="an id no other call has",
                                     observed=f"{calls[iid]} and {kind} share {iid!r}"))
            else:
                calls[iid] = kind
        elif kind.endswith("_result") and kind != "function_result" and isinstance(item.get("call_id"), str):
            call_id, wanted = item["call_id"], kind[: -len("_result")] + "_call"
            if calls.get(call_id) != wanted:
                seen = f"a {calls[call_id]}" if call_id in calls else "no call"
                out.append(violation("timeline.result.follows-call",
                                     f"{kind} answers call_id {call_id!r}, which names {seen} before it",
                                     location=f"{where}/{n}/call_id", expected=f"the id of an earlier {wanted}",
                                     observed=call_id))
    return out


def check_usage_breakdown(usage: Any, *, location: str = "/usage") -> list[Violation]:
    """A ``*_tokens_by_modality`` list never adds up to more than its total, and cached tokens are a part of
    the input. (Not "exactly": a revision's modality enum may lack a modality that was counted, e.g.
    legacy has no video or document row.)"""
    if not isinstance(usage, Mapping):
        return []
    out: list[Violation] = []
    for part in _BREAKDOWNS:
        total, rows = usage.get(f"total_{part}_tokens"), usage.get(f"{part}_tokens_by_modality")
        if not isinstance(total, int) or not isinstance(rows, list) or not rows:
            continue
        counts = [r.get("tokens") for r in rows if isinstance(r, Mapping)]
        if len(counts) != len(rows) or not all(isinstance(c, int) for c in counts):
            continue  # the schema reports malformed rows
        if sum(counts) > total:
            out.append(violation("usage.breakdown.consistent",
                                 f"{part}_tokens_by_modality adds up to {sum(counts)}, more than total_{part}_tokens",
                                 location=f"{location}/{part}_tokens_by_modality", expected=f"<= {total}",
                                 observed=short(rows)))
    cached, inp = usage.get("total_cached_tokens"), usage.get("total_input_tokens")
    if isinstance(cached, int) and isinstance(inp, int) and cached > inp:
        out.append(violation("usage.breakdown.consistent", "more cached tokens than input tokens",
                             location=f"{location}/total_cached_tokens", expected=f"<= {inp}", observed=str(cached)))
    return out


@covers("timeline.call-id.unique", "timeline.result.follows-call", "usage.breakdown.consistent")
def check_meaning(profile: Profile, body: Any, *, location: str = "") -> list[Violation]:
    """The meaning rules of a full resource (call ids, usage breakdown)."""
    if not isinstance(body, Mapping):
        return []
    return check_call_ids(profile, body, location=location) + check_usage_breakdown(
        body.get("usage"), location=f"{location}/usage")


def stream_ending_statuses(profile: Profile) -> frozenset[str]:
    """The profile's statuses a stream may complete on: every known status but those a run starts in
    (queued, in_progress), read from the profile's status machine, so newer stopping statuses
    (requires_continuation, budget_exceeded, idle, ...) count as soon as the profile knows them."""
    machine = profile.status
    return frozenset((machine.statuses | machine.tolerated) - machine.initial)


def check_completion_status(profile: Profile, interaction: Any, *, location: str = "/interaction") -> list[Violation]:
    """The completion event ends the stream, so its status must be one that ends a run's stream."""
    status = interaction.get("status") if isinstance(interaction, Mapping) else None
    if not isinstance(status, str) or not profile.status.known(status):
        return []  # absent: schema.event.valid; unknown: lifecycle.status.known
    if status in stream_ending_statuses(profile):
        return []
    return [violation("stream.completion.status-final", f"the stream completed with status {status!r}",
                      location=f"{location}/status", expected=", ".join(sorted(stream_ending_statuses(profile))),
                      observed=status)]


def check_completion_matches(completed: Any, resource: Any, *, location: str = "") -> list[Violation]:
    """The completion event and a GET of the finished interaction describe the same run: same status, same usage."""
    if not isinstance(completed, Mapping) or not isinstance(resource, Mapping):
        return []
    out: list[Violation] = []
    if completed.get("id") != resource.get("id"):
        return []  # a different interaction: lifecycle.id.stable / stream.interaction-id.consistent judge that
    for key in ("status", "usage"):
        if key in completed and key in resource and completed[key] != resource[key]:
            out.append(violation("stream.completion.matches-resource",
                                 f"the completion event's {key} differs from GET's",
                                 location=f"{location}/{key}", expected=short(resource[key], 300),
                                 observed=short(completed[key], 300)))
    return out


#: google.rpc status names and the HTTP statuses each may go with (google.rpc.Code's HTTP mapping)
_RPC_HTTP = {
    "INVALID_ARGUMENT": {400}, "FAILED_PRECONDITION": {400}, "OUT_OF_RANGE": {400}, "UNAUTHENTICATED": {401},
    "PERMISSION_DENIED": {403}, "NOT_FOUND": {404}, "ABORTED": {409}, "ALREADY_EXISTS": {409},
    "RESOURCE_EXHAUSTED": {429}, "CANCELLED": {499}, "INTERNAL": {500}, "UNKNOWN": {500}, "DATA_LOSS": {500},
    "UNIMPLEMENTED": {501}, "UNAVAILABLE": {503}, "DEADLINE_EXCEEDED": {504},
}


def check_error_code(http_status: int, body: Any, *, location: str = "") -> list[Violation]:
    """An envelope's integer ``code`` is the HTTP status, and a google.rpc ``status`` name belongs to it.

    String codes (the live API's ``invalid_request``, ``prohibited_content``, ...) are not judged:
    the API documents no table of them.
    """
    err = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(err, Mapping):
        return []  # error.envelope.shape
    out: list[Violation] = []
    code, status = err.get("code"), err.get("status")
    if isinstance(code, int) and not isinstance(code, bool) and code != http_status:
        out.append(violation("error.code.matches-status", f"error.code {code} on an HTTP {http_status} answer",
                             location=f"{location}/error/code", expected=str(http_status), observed=str(code)))
    if isinstance(status, str) and status in _RPC_HTTP and http_status not in _RPC_HTTP[status]:
        out.append(violation("error.code.matches-status", f"error.status {status} on an HTTP {http_status} answer",
                             location=f"{location}/error/status",
                             expected=" or ".join(sorted(s for s, codes in _RPC_HTTP.items() if http_status in codes))
                             or f"a status that goes with {http_status}", observed=status))
    return out


@covers("function.call.declared")
def check_calls_declared(profile: Profile, request: Any, body: Any, *, location: str = "") -> list[Violation]:
    """A function_call in the answer names a function the request declared, with arguments its parameters accept.

    Judged only where the request is known (the suite's create calls, the proxy's exchanges); a GET of a
    chained interaction may legitimately show calls declared on another turn.
    """
    if not isinstance(request, Mapping) or not isinstance(request.get("tools"), list):
        return []
    declared = {t.get("name"): t.get("parameters") for t in request["tools"]
                if isinstance(t, Mapping) and t.get("type") == "function" and isinstance(t.get("name"), str)}
    out: list[Violation] = []
    where = f"{location}/{profile.items_field}"
    for n, item in enumerate(_items(profile, body)):
        if item.get("type") != "function_call" or not isinstance(item.get("name"), str):
            continue
        name = item["name"]
        if name not in declared:
            out.append(violation("function.call.declared", f"the model called {name!r}, which the request did not declare",
                                 location=f"{where}/{n}/name", expected=", ".join(sorted(declared)) or "no call",
                                 observed=name))
            continue
        schema, arguments = declared[name], item.get("arguments")
        if not isinstance(schema, Mapping) or not isinstance(arguments, Mapping):
            continue  # no parameters declared, or arguments of the wrong type (the schema reports that)
        try:
            error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(arguments))
        except (jsonschema.exceptions.SchemaError, TypeError, ValueError):
            continue  # the client's parameters schema is not one a validator can apply
        if error is not None:
            out.append(violation("function.call.declared",
                                 f"the arguments of {name!r} do not fit its declared parameters: {error.message}",
                                 location=f"{where}/{n}/arguments", expected=short(schema, 300),
                                 observed=short(arguments, 300)))
    return out
