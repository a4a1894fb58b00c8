"""Schemathesis against a target, with every request sent through the suite's ``TargetClient``.

Schemathesis (4.x) generates cases from the profile's OpenAPI document (the
same file the run's ``SchemaSet`` loaded, or ``--iconf-schema``) and judges
answers with its checks. Its own transport is not used: each case is turned
into a request and sent with ``client.request(...)`` so the API key, the
request budget, key scrubbing, transcripts and cassette recording apply; the
answer is wrapped into a ``schemathesis.Response`` for
``Case.validate_response``.

Scope: the four Interactions operations (not webhooks, not the ``?model`` /
``?agent`` pseudo-paths, which are SDK-generator aliases of the same POST),
never streaming (``stream`` forced to false where a case sets it true), with
the ``api_version`` path segment fixed to the target's.

Checks: ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance``,
``negative_data_rejection`` and the suite's own ``iconf_conformance``
(``check_exchange`` on each exchange, registered as a custom check). Each
failure becomes a :class:`Finding` mapped, where one fits, to a rule ID.

Findings that contradict what the live API is documented to do are rule
bugs of the published schema, not target bugs, and are filtered (see
:func:`rule_bug`).
"""

from __future__ import annotations

import contextvars
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import requests
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData, CustomFailure, Failure, FailureGroup, ServerError

from ..checks import Exchange, check_exchange, check_request
from ..checks.request import ConversationState
from ..rules import RULES, Violation
from ..schema import SchemaSet, load_document
from ..targets import Answer, TargetClient

__all__ = ["OPERATIONS", "CHECK_NAMES", "Finding", "SchemathesisRun", "load_schema", "operation", "rule_bug"]

#: (label, method, path template) of the operations run; webhooks and the ?model/?agent aliases are left out
OPERATIONS = {
    "create": ("POST", "/{api_version}/interactions"),
    "get": ("GET", "/{api_version}/interactions/{id}"),
    "delete": ("DELETE", "/{api_version}/interactions/{id}"),
    "cancel": ("POST", "/{api_version}/interactions/{id}/cancel"),
}
CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_schema_conformance", "negative_data_rejection", "iconf_conformance")


@dataclass
class Finding:
    """One schemathesis failure, as the report shows it (``to_extra()`` is an ``extra_findings`` entry)."""

    check: str
    title: str
    message: str
    rule_id: str | None
    operation: str
    evidence: dict = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def key(self) -> tuple:
        return self.check, self.rule_id, self.operation, self.title, self.message.splitlines()[0] if self.message else ""

    def to_extra(self) -> dict:
        return {"source": "schemathesis", "check": self.check, "rule_id": self.rule_id,
                "message": f"{self.operation}: {self.title}" + (f" — {self.message[:600]}" if self.message else ""),
                "evidence": self.evidence}


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Any:
    return schemathesis.openapi.from_dict(copy.deepcopy(load_document(path)))


def load_schema(path: str | Path) -> Any:
    """The schemathesis schema of an OpenAPI document (cached per file version)."""
    p = Path(path)
    return _load(str(p), p.stat().st_mtime)


def operation(schema: Any, name: str) -> Any | None:
    """The APIOperation for ``create``/``get``/``delete``/``cancel``, or None if the document lacks it."""
    method, path = OPERATIONS[name]
    try:
        return schema[path][method]
    except KeyError:
        return None


# --- the suite's own check, as a schemathesis custom check ----------------------------------------------

_ACTIVE: contextvars.ContextVar[SchemathesisRun | None] = contextvars.ContextVar("iconf_schemathesis", default=None)


@schemathesis.check
def iconf_conformance(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """The suite's server-side rules (``check_exchange``) on one exchange; violations name their rule IDs."""
    run = _ACTIVE.get()
    if run is None:
        return None  # only active inside a suite scenario
    violations = run.judge_exchange(case, response)
    if violations:
        raise AssertionError("\n".join(v.format() for v in violations))
    return None


# --- sending a case through the TargetClient ----------------------------------------------------------


def _suffix(case: schemathesis.Case, api_version: str) -> str:
    path = case.formatted_path
    prefix = f"/{api_version}/interactions"
    if not path.startswith(prefix):
        raise ValueError(f"case path {path!r} is outside {prefix}")
    return path[len(prefix):]


def _no_stream(case: schemathesis.Case) -> None:
    """No streaming: a case asking for a stream asks for the same thing without it (still valid, or still invalid)."""
    if isinstance(case.body, dict) and case.body.get("stream") is True:
        case.body = {**case.body, "stream": False}
    if case.query and str(case.query.get("stream", "")).lower() in ("true", "1"):
        case.query = {**case.query, "stream": "false"}


def _query(case: schemathesis.Case) -> dict[str, str] | None:
    if not case.query:
        return None
    out = {}
    for key, value in case.query.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list):
            out[key] = ",".join(str(v) for v in value)
        elif value is not None:
            out[key] = str(value)
    return out


def _is_unset(value: Any) -> bool:
    return type(value).__name__ == "NotSet"


@dataclass
class Sent:
    """What was sent for a case and what came back."""

    method: str
    url: str
    body: bytes | None
    answer: Answer


class SchemathesisRun:
    """Runs schemathesis cases against one target+revision through a TargetClient and collects findings."""

    def __init__(self, client: TargetClient, schemas: SchemaSet) -> None:
        self.client = client
        self.schemas = schemas
        self.state = ConversationState()
        self.findings: dict[tuple, Finding] = {}
        self.filtered: dict[str, int] = {}
        #: (reason, finding) of every filtered finding, for debugging a rule-bug filter
        self.filtered_findings: list[tuple[str, Finding]] = []
        self._exchange_violations: list[Violation] = []
        self.sent = 0

    # -- sending --------------------------------------------------------------------------------

    def send(self, case: schemathesis.Case) -> tuple[Sent, schemathesis.Response]:
        _no_stream(case)
        method = case.method.upper()
        suffix = _suffix(case, self.client.config.api_version)
        body = None if _is_unset(case.body) else case.body
        raw = None
        if body is not None:
            raw = bytes(body) if isinstance(body, (bytes, bytearray)) else json.dumps(body, allow_nan=False).encode()
        extra = {k: str(v) for k, v in (case.headers or {}).items()
                 if k.lower() not in ("content-type", "accept", "x-goog-api-key", "api-revision")
                 and not k.lower().startswith("x-schemathesis")}
        answer = self.client.request(method, suffix, raw=raw, params=_query(case), headers=extra or None)
        self.sent += 1
        url = self.client.config.base_url.rstrip("/") + self.client.path(suffix)
        return Sent(method, url, raw, answer), self._response(method, url, raw, answer, case)

    def _response(self, method: str, url: str, raw: bytes | None, answer: Answer,
                  case: schemathesis.Case) -> schemathesis.Response:
        # what schemathesis sees of the request: the key is never part of it (the client adds it on the wire)
        headers = {"Content-Type": "application/json", "Api-Revision": self.client.profile.header_value}
        prepared = requests.Request(method=method, url=url, headers=headers, params=_query(case),
                                    data=raw or None).prepare()
        return schemathesis.Response(
            status_code=answer.status, headers={k.lower(): [v] for k, v in answer.headers.items()},
            content=answer.raw, request=prepared, elapsed=answer.elapsed_s, verify=True,
            encoding="utf-8",
        )

    # -- judging --------------------------------------------------------------------------------

    def judge_exchange(self, case: schemathesis.Case, response: schemathesis.Response) -> list[Violation]:
        """check_exchange on one exchange (called by the ``iconf_conformance`` check)."""
        raw = response.request.body
        raw = raw.encode() if isinstance(raw, str) else raw
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            body = None
        request_body = None if _is_unset(case.body) or isinstance(case.body, (bytes, bytearray)) else case.body
        ex = Exchange(case.method.upper(), case.formatted_path, query=_query(case) or {}, request_body=request_body,
                      request_raw=raw if request_body is None else None, status=response.status_code,
                      response_body=body, response_raw=response.content)
        found = [v for v in check_exchange(self.schemas, ex, state=self.state)
                 if self.schemas.profile.name in RULES[v.rule_id].revisions]
        self._exchange_violations = found
        return found

    def run_case(self, name: str, case: schemathesis.Case) -> list[Finding]:
        """Send one case, run the checks, keep (deduplicated) findings; returns this case's findings."""
        self._exchange_violations = []
        sent, response = self.send(case)
        checks = [_check(n) for n in CHECK_NAMES]
        token = _ACTIVE.set(self)
        try:
            case.validate_response(response, checks=checks)
            failures: list[Failure] = []
        except FailureGroup as group:
            failures = list(group.exceptions)
        except Failure as failure:
            failures = [failure]
        finally:
            _ACTIVE.reset(token)
        out = []
        for failure in failures:
            finding = self._finding(name, case, sent, failure)
            reason = rule_bug(finding, self.schemas, case, sent)
            if reason is not None:
                self.filtered[reason] = self.filtered.get(reason, 0) + 1
                self.filtered_findings.append((reason, finding))
                continue
            out.append(finding)
            self.findings.setdefault(finding.key(), finding)
        return out

    def _finding(self, name: str, case: schemathesis.Case, sent: Sent, failure: Failure) -> Finding:
        check = _check_of(failure)
        status = sent.answer.status
        violations: list[Violation] = []
        if check == "iconf_conformance":
            violations = list(self._exchange_violations)
            rule_id = violations[0].rule_id if violations else None
        else:
            rule_id = _rule_for(check, name, status, case, self.schemas)
        evidence = {
            "revision": self.schemas.profile.name,
            "mode": case.meta.generation.mode.value if case.meta is not None else None,
            "request": f"{sent.method} {sent.url}" + (f"?{_qs(case)}" if case.query else ""),
            "request_body": (sent.body or b"").decode("utf-8", "replace")[:1500],
            "status": status,
            "response_body": sent.answer.raw.decode("utf-8", "replace")[:1500],
        }
        if case.meta is not None and getattr(case.meta.phase.data, "description", None):
            evidence["generated"] = case.meta.phase.data.description[:500]
        return Finding(check=check, title=failure.title, message=str(failure.message or ""), rule_id=rule_id,
                       operation=f"{case.method.upper()} {case.path}", evidence=evidence, violations=violations)


def _qs(case: schemathesis.Case) -> str:
    return "&".join(f"{k}={v}" for k, v in (_query(case) or {}).items())


@cache
def _check(name: str) -> Any:
    if name == "iconf_conformance":
        return iconf_conformance
    from schemathesis import checks as st_checks

    return getattr(st_checks, name)


def _check_of(failure: Failure) -> str:
    if isinstance(failure, CustomFailure) and "iconf_conformance" in failure.title:
        return "iconf_conformance"
    if isinstance(failure, ServerError):
        return "not_a_server_error"
    if isinstance(failure, AcceptedNegativeData):
        return "negative_data_rejection"
    checks = getattr(type(failure), "checks", ())
    return checks[0] if checks else type(failure).__name__


def _rule_for(check: str, name: str, status: int, case: schemathesis.Case, schemas: SchemaSet) -> str | None:
    """The catalogue rule a schemathesis check failure breaks, where one fits."""
    if check == "not_a_server_error":
        if name == "create" and case.meta is not None and not case.meta.generation.mode.is_negative:
            body = None if _is_unset(case.body) else case.body
            if isinstance(body, Mapping) and not check_request(schemas, body):
                return "request.valid.accepted"  # a schema- and rule-conforming request must not fail
        return "error.bad-input.no-5xx"
    if check == "negative_data_rejection":
        # the catalogue's rule covers create bodies; query/path parameter types have no rule (extra finding only)
        location = getattr(case.meta.phase.data, "parameter_location", None) if case.meta is not None else None
        in_body = location is None or str(getattr(location, "value", location)).lower() == "body"
        return "error.bad-input.rejected" if name == "create" and in_body else None
    if check in ("response_schema_conformance", "content_type_conformance"):
        if status >= 400:
            return "error.envelope.shape"
        if 200 <= status < 300:
            return "schema.delete.empty-object" if name == "delete" else "schema.interaction.valid"
    return None


# --- rule bugs: findings that contradict the API's documented behaviour ---------------------------------


def rule_bug(finding: Finding, schemas: SchemaSet, case: schemathesis.Case, sent: Sent) -> str | None:
    """Why ``finding`` is a bug of the published schema rather than of the target, or None.

    The suite validates with its own compiled schema (``SchemaSet``), which
    differs from the raw OpenAPI document exactly where the API is documented
    to differ from it (API-FACTS §3, §7, §8): ``object: "interaction"`` on
    every resource though undeclared; statuses added by later typings
    (``budget_exceeded``, ``requires_continuation``, ``queued``); ``error.code``
    an integer in real Google errors (strictness option ``error_code``);
    overlapping unions (``ResponseFormat``'s bare object beside its typed
    members) that a strict ``oneOf`` rejects although the live API exchanges
    them. A schema finding on a body that the suite's schema accepts is one
    of these, so it is filtered; the suite's own check judges the same body.
    """
    body = _json(sent.answer.raw)
    status = sent.answer.status
    text = f"{finding.title} {finding.message}"
    if finding.check == "response_schema_conformance" and "discriminator" in text.lower():
        # The document's discriminators have no mapping, so OpenAPI reads their values as schema names
        # ("ModelOutputStep"); the API sends the type tags ("model_output", FACTS §4), which the members
        # declare as const. The suite maps tags to members by that const and judges the body itself.
        return "discriminator without mapping (type tags, not schema names; FACTS §4)"
    if finding.check == "response_schema_conformance" and "more than one of the schemas" in text:
        # e.g. legacy Content: a text block also matches members that require nothing but "type". The live
        # API exchanges exactly such data, so the suite reads oneOf unions as anyOf (see conformance.schema)
        # and judges the body itself.
        return "overlapping oneOf members (the published unions overlap; read as anyOf)"
    if finding.check == "response_schema_conformance":
        if status >= 400 and body is not None and schemas.is_valid(schemas.profile.error_component, body):
            return "error envelope accepted by the suite's schema (FACTS §7: integer code, optional status)"
        if 200 <= status < 300 and isinstance(body, Mapping) and "id" in body \
                and schemas.is_valid(schemas.profile.resource_component, body):
            return "resource accepted by the suite's schema (FACTS §3/§8: object field, newer statuses)"
        if 200 <= status < 300 and body == {}:
            return "empty DELETE answer"
    if finding.check == "negative_data_rejection" and 200 <= status < 300:
        request = None if _is_unset(case.body) or isinstance(case.body, (bytes, bytearray)) else case.body
        if request is not None and not _must_reject(schemas, case, request):
            # The mutation breaks only something the API does not reject on input: output-only fields
            # (sent by clients, ignored by Google APIs; rule schema.request.no-read-only binds clients only),
            # or null for an optional field (protobuf JSON: null means "not set").
            return "negative case the API accepts by design (output-only field or null = absent)"
    return None


def _must_reject(schemas: SchemaSet, case: schemathesis.Case, request: Any) -> bool:
    if case.method.upper() != "POST" or case.path != OPERATIONS["create"][1]:
        return True
    violations = check_request(schemas, _without_nulls(request))
    return any(RULES[v.rule_id].party == "both" or v.rule_id == "schema.request.valid" for v in violations)


def _without_nulls(value: Any) -> Any:
    """Request as the API reads it: an object member set to null is absent (protobuf JSON mapping)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
