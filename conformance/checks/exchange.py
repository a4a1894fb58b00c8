"""Judge one HTTP exchange (request + answer) from the server's side.

Used by the suite and by the validating proxy: whatever the traffic, the
server's answer is checked against what the request asked for. A request
that breaks a rule both parties share must be *rejected* (4xx); a server
that accepts it breaks the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules import RULES, Violation, covers, rules_of, violation
from ..schema import SchemaSet
from ._render import short
from .meaning import check_calls_declared, check_error_code, check_meaning
from .payload import check_delete_body, check_error_body, check_interaction
from .request import ConversationState, check_get_params, check_request

__all__ = ["Exchange", "check_exchange", "classify_path"]


@dataclass
class Exchange:
    """One request and its (non-streaming or already-checked streaming) answer."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    request_body: Any = None
    request_raw: bytes | None = None
    status: int = 0
    response_body: Any = None
    response_raw: bytes | None = None
    streamed: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def classify_path(path: str) -> tuple[str, str | None]:
    """(operation, interaction id) for a request path: create, get, delete, cancel or other."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if "interactions" not in parts:
        return "other", None
    tail = parts[parts.index("interactions") + 1:]
    if not tail:
        return "create", None
    if len(tail) == 2 and tail[1] == "cancel":
        return "cancel", tail[0]
    if len(tail) == 1:
        return "item", tail[0]
    return "other", None


#: 4xx answers that come before (or instead of) judging the input: no key, no such model or id, a body over
#: the server's size limit, rate limits
_NOT_ABOUT_INPUT = frozenset({401, 403, 404, 408, 413, 429})


def _rejected_rules(violations: list[Violation]) -> list[Violation]:
    """The request violations a server must answer with a 4xx (rules both parties share)."""
    return [v for v in violations if RULES[v.rule_id].party == "both"]


@covers(*rules_of(check_interaction, check_meaning, check_calls_declared), "revision.header.honoured")
def check_exchange(schemas: SchemaSet, ex: Exchange, *, state: ConversationState | None = None) -> list[Violation]:
    """Server-side rules for one exchange; ``state`` is updated with what the answer teaches.

    ``check_exchange.RULES`` are the rules it judges on a resource answer (create, get, cancel)."""
    out: list[Violation] = []
    op, iid = classify_path(ex.path)
    bad_input: list[Violation] = []
    malformed = False
    if op == "create":
        if ex.request_body is None and ex.request_raw:
            malformed = True
        elif ex.request_body is not None:
            bad_input = check_request(schemas, ex.request_body, state=state, location=ex.label)
    elif op == "item" and ex.method == "GET":
        bad_input = check_get_params(ex.query, location=ex.label)
    must_reject = _rejected_rules(bad_input) + [v for v in bad_input if v.rule_id == "schema.request.valid"]
    if ex.status >= 400:
        out += check_error_body(schemas, ex.status, ex.response_body, location=ex.label)
        out += check_error_code(ex.status, ex.response_body, location=ex.label)
        if ex.status >= 500 and (malformed or must_reject):
            out.append(violation("error.bad-input.no-5xx", f"invalid input was answered with HTTP {ex.status}",
                                 location=ex.label, expected="a 4xx", observed=str(ex.status),
                                 evidence={"request": short(ex.request_body if not malformed else ex.request_raw, 1500)}))
        elif ex.status not in _NOT_ABOUT_INPUT and ex.status != 400 and (malformed or must_reject):
            rule = "error.bad-input.rejected" if malformed or not _rejected_rules(must_reject) \
                else _rejected_rules(must_reject)[0].rule_id
            out.append(violation(rule, f"invalid input was answered with HTTP {ex.status}, not 400",
                                 location=ex.label, expected="400 with the error envelope", observed=str(ex.status),
                                 evidence={"request": short(ex.request_body if not malformed else ex.request_raw, 1500)}))
        return out
    if 200 <= ex.status < 300:
        if malformed:
            out.append(violation("error.bad-input.rejected", "a malformed JSON body was accepted",
                                 location=ex.label, expected="400", observed=str(ex.status)))
        for v in must_reject:
            rule = v.rule_id if RULES[v.rule_id].party == "both" else "error.bad-input.rejected"
            out.append(violation(rule, f"the server accepted a request that breaks it: {v.message}",
                                 location=ex.label, expected="400 with the error envelope", observed=str(ex.status),
                                 evidence={"request": short(ex.request_body, 1500)}))
        if not ex.streamed:
            out += _check_success_body(schemas, ex, op, iid, state)
    return out


def _check_success_body(schemas: SchemaSet, ex: Exchange, op: str, iid: str | None,
                        state: ConversationState | None) -> list[Violation]:
    profile = schemas.profile
    if op == "item" and ex.method == "DELETE":
        if state is not None and iid:
            state.deleted(iid)
        return check_delete_body(ex.response_body, location=ex.label)
    if op not in ("create", "item", "cancel") or ex.method not in ("GET", "POST"):
        return []
    body = ex.response_body
    out = check_interaction(schemas, body, location=ex.label)
    out += check_meaning(profile, body, location=ex.label)
    if op == "create":
        out += check_calls_declared(profile, ex.request_body, body, location=ex.label)
    if isinstance(body, Mapping):
        other = [p for p in ("steps", "outputs") if p != profile.items_field and p in body]
        if other and profile.items_field not in body:
            out.append(violation("revision.header.honoured",
                                 f"the answer has {other[0]} but revision {profile.name} uses {profile.items_field}",
                                 location=f"{ex.label}/{other[0]}", expected=profile.items_field, observed=other[0]))
        if state is not None:
            store = not (isinstance(ex.request_body, Mapping) and ex.request_body.get("store") is False)
            known = state.get(body.get("id")) if isinstance(body.get("id"), str) else None
            state.record(body, store=store if op == "create" else (known.store if known else True),
                         items_field=profile.items_field)
    return out
