"""The judging half of the validating proxy: every exchange in, violations and a report out.

The HTTP plumbing (:mod:`.app`) hands each request to :meth:`ProxyRecorder.begin`
before forwarding it, feeds a streamed answer chunk by chunk to the
:class:`ExchangeContext` it got back, and closes it with one of the
``finish_*`` methods. Nothing here does I/O except :meth:`ProxyRecorder.write_report`.

Each violation is attributed to a *party*: ``client`` for what the request
did wrong (the client rules: :func:`check_request`, :func:`check_get_params`,
:func:`check_headers`), ``server`` for what the answer did wrong
(:func:`check_exchange`, the stream grammar, the lifecycle of each
interaction over the whole session). A rule both parties share can show up
twice: once because the client sent the request, once because the server
accepted it.

Memory is bounded however long the proxy runs: transcripts are truncated,
the streams kept for resume checks are capped, and the exchanges kept for the
report are capped (older ones are folded into counters).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from .. import __version__
from ..checks import (
    ConversationState,
    Exchange,
    LifecycleTracker,
    StreamChecker,
    check_exchange,
    check_get_params,
    check_headers,
    check_request,
    classify_path,
    compare_with_resource,
)
from ..checks.resume import check_resume
from ..profiles import DEFAULT_REVISION, Profile, UnknownRevisionError, get_profile
from ..redaction import PLACEHOLDER, Redactor
from ..rules import RULES, Violation, violation
from ..schema import SchemaSet
from ..sse import SSEEvent, SSEParser
from ..strictness import Strictness

__all__ = ["ExchangeContext", "ExchangeRecord", "ProxyRecorder", "SECRET_HEADERS", "revision_for_header"]

#: request headers whose values are credentials (never written anywhere)
SECRET_HEADERS = frozenset({"x-goog-api-key", "authorization", "proxy-authorization", "cookie", "x-api-key"})
#: query parameters that carry credentials
SECRET_PARAMS = frozenset({"key", "api_key", "access_token"})
REDACTED = PLACEHOLDER

#: bytes of each request/response body kept in a transcript
TRANSCRIPT_BODY_LIMIT = 24_000
#: bytes of a stream kept in a transcript
TRANSCRIPT_STREAM_LIMIT = 48_000
#: exchanges kept in full for the report; older ones keep only their violations
MAX_EXCHANGES = 5_000
#: streams (per interaction) kept for resume and assembly comparisons
MAX_KEPT_STREAMS = 64
#: events of one stream kept for a resume comparison
MAX_KEPT_EVENTS = 20_000
#: interactions whose lifecycle is tracked
MAX_TRACKED = 10_000

_CLIENT_CREATE_RULES = (
    "schema.request.valid", "schema.request.no-read-only", "request.model-xor-agent", "request.input.required",
    "request.store-false.no-background", "request.store-false.no-previous", "request.agent.background",
    "request.config.matches-kind", "request.function-result.call-id", "request.generation-config.bounds",
    "request.response-format.mime-type", "continuation.hop.shape", "continuation.hop.token-matches",
    "thought.signature.sent-back",
)
_SERVER_REJECT_RULES = (
    "request.model-xor-agent", "request.input.required", "request.store-false.no-background",
    "request.store-false.no-previous", "request.agent.background", "request.function-result.call-id",
    "error.bad-input.rejected",
)
#: what the server-side checks exercise, read off the checks (rules.covers), as the suite's judge reads them
_RESOURCE_RULES = check_exchange.RULES
_STREAM_RULES = StreamChecker.RULES
_LIFECYCLE_RULES = LifecycleTracker.RULES


def _cover(record: ExchangeRecord, rules: Iterable[str]) -> None:
    """Add ``rules`` to an exchange's coverage, those that apply to its revision (as the suite's judge does)."""
    for rule_id in rules:
        if rule_id not in record.rules and record.revision in RULES[rule_id].revisions:
            record.rules.append(rule_id)

def revision_for_header(value: str | None, default: str) -> str:
    """The revision an exchange is judged under: its Api-Revision header, else ``default``."""
    if value:
        try:
            return get_profile(value.strip()).name
        except UnknownRevisionError:
            return default
    return default


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    if len(data) > limit:
        text += f"\n... ({len(data) - limit} more bytes not kept)"
    return text


def _parse_json(data: bytes) -> tuple[Any, bool]:
    """(value, ok); an empty body is (None, True)."""
    if not data.strip():
        return None, True
    try:
        return orjson.loads(data), True
    except orjson.JSONDecodeError:
        return None, False


def scrub_query(query: str) -> str:
    """A query string with credential parameters replaced by <redacted>."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="<>")


@dataclass
class ExchangeRecord:
    """One request/answer pair as the report shows it."""

    seq: int
    method: str
    path: str
    revision: str
    op: str
    started: float
    duration: float = 0.0
    status: int | None = None
    streamed: bool = False
    rules: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    transcript: str = ""
    error: str | None = None
    note: str | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path} #{self.seq}"

    @property
    def must_failed(self) -> bool:
        return any(v["level"] == "MUST" for v in self.violations)

    @property
    def unjudged(self) -> bool:
        """The upstream never answered (or broke before answering): nothing to judge, which is not a pass."""
        return self.error is not None and self.status is None

    def summary_line(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        kind = " stream" if self.streamed else ""
        verdict = "ok" if not self.violations else (
            f"{sum(v['level'] == 'MUST' for v in self.violations)} MUST / "
            f"{sum(v['level'] != 'MUST' for v in self.violations)} SHOULD")
        if self.unjudged:
            verdict = "could not judge" if not self.violations else f"{verdict}; the answer could not be judged"
        extra = f" ({self.error})" if self.error else (f" ({self.note})" if self.note else "")
        return f"#{self.seq} {self.method} {self.path} [{self.revision}] -> {status}{kind}: {verdict}{extra}"


class ExchangeContext:
    """One exchange in flight: what the request was, and the stream checker while an answer streams."""

    def __init__(self, recorder: ProxyRecorder, record: ExchangeRecord, *, query: dict[str, str],
                 body: bytes, body_json: Any, body_ok: bool, store: bool, iid: str | None, schemas: SchemaSet,
                 wants_stream: bool, resumed_from: str | None, request_text: str) -> None:
        self.recorder = recorder
        self.record = record
        self.query = query
        self.body = body
        self.body_json = body_json
        self.body_ok = body_ok
        self.store = store
        self.iid = iid
        self.schemas = schemas
        self.wants_stream = wants_stream
        self.resumed_from = resumed_from
        self.request_text = request_text
        self.response_head = ""
        self._checker: StreamChecker | None = None
        self._parser: SSEParser | None = None
        self._stream_text = bytearray()
        self._stream_bytes = 0
        self._stream_iid: str | None = None
        self._closed = False

    @property
    def label(self) -> str:
        return f"{self.record.method} {self.record.path}"

    # -- the answer's head ----------------------------------------------------------------

    def response_started(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        self.record.status = status
        lines = [f"HTTP {status}"] + [f"{k}: {v}" for k, v in headers]
        self.response_head = "\n".join(lines)

    def is_stream_answer(self, status: int, content_type: str) -> bool:
        """Whether the answer is judged as a stream: a 2xx to a streaming request, or any text/event-stream."""
        sse = content_type.split(";", 1)[0].strip().lower() == "text/event-stream"
        return 200 <= status < 300 and (sse or (self.wants_stream and self.record.op in ("create", "item")))

    # -- streamed answers -------------------------------------------------------------------

    def start_stream(self, content_type: str) -> None:
        self.record.streamed = True
        self._checker = StreamChecker(self.schemas, resumed=self.resumed_from is not None, content_type=content_type,
                                      keep_events=True, location=self.label)
        self._parser = SSEParser()

    def feed(self, decoded: bytes) -> None:
        """A chunk of the (decoded) stream, before it is forwarded: state the client may act on is recorded first."""
        if self._checker is None or self._parser is None:
            return
        self._stream_bytes += len(decoded)
        room = TRANSCRIPT_STREAM_LIMIT - len(self._stream_text)
        if room > 0:
            self._stream_text += decoded[:room]
        with self.recorder._lock:
            for frame in self._parser.feed(decoded):
                self._on_frame(frame)

    def _on_frame(self, frame: SSEEvent) -> None:
        assert self._checker is not None
        self._checker.feed_event(frame)
        data = frame.data
        if "function_call" not in data and "interaction" not in data:
            return
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(event, dict):
            return
        interaction = event.get("interaction")
        if isinstance(interaction, Mapping) and isinstance(interaction.get("id"), str):
            self._stream_iid = self._stream_iid or interaction["id"]
            if self.record.op == "create" and self.recorder.state.get(interaction["id"]) is None:
                self.recorder.state.record({"id": interaction["id"]}, store=self.store)
        iid = self._stream_iid or self.iid
        if iid is None:
            return
        for key in ("step", "content", "delta"):
            block = event.get(key)
            if isinstance(block, Mapping) and block.get("type") == "function_call" and isinstance(block.get("id"), str):
                self.recorder.state.record_items(iid, [{"type": "function_call", "id": block["id"]}])

    def finish_stream(self, *, upstream_complete: bool, client_gone: bool = False, error: str | None = None) -> None:
        """Close a streamed exchange: the upstream ended (complete), the client left, or the upstream broke."""
        if self._closed or self._checker is None or self._parser is None:
            return
        self._closed = True
        with self.recorder._lock:
            for frame in self._parser.close():
                self._on_frame(frame)
            result = self._checker.finish()
            violations = result.violations
            if not upstream_complete and (client_gone or error):
                # the client hung up, or the connection broke (a network event the client recovers from with
                # last_event_id): a missing terminal event is not a grammar violation by the server. A stream
                # the server *ends cleanly* without its terminal event still is.
                violations = [v for v in violations
                              if not (v.rule_id == "stream.terminal.exactly-one" and v.location.endswith(" end"))]
                self.record.note = ("the client closed the stream early" if client_gone
                                    else f"the connection broke mid-stream: {error}")
            if error:
                self.record.error = error
            server = list(violations)
            server += self.recorder._after_stream(self, result, complete=upstream_complete and not client_gone)
            ex = Exchange(self.record.method, self.record.path, self.query, self.body_json,
                          None if self.body_ok else self.body, self.record.status or 0, None, None, streamed=True)
            server += check_exchange(self.schemas, ex, state=self.recorder.state)
            _cover(self.record, _STREAM_RULES)
            stream_text = _text(bytes(self._stream_text), TRANSCRIPT_STREAM_LIMIT)
            if self._stream_bytes > len(self._stream_text):
                stream_text += f"\n... ({self._stream_bytes - len(self._stream_text)} more bytes not kept)"
            self.recorder._close(self, server, self.response_head + "\n\n" + stream_text)

    # -- buffered answers --------------------------------------------------------------------

    def finish_body(self, decoded: bytes) -> None:
        """Close an exchange whose answer was read whole (JSON bodies, errors)."""
        if self._closed:
            return
        self._closed = True
        with self.recorder._lock:
            body, ok = _parse_json(decoded)
            ex = Exchange(self.record.method, self.record.path, self.query, self.body_json,
                          None if self.body_ok else self.body, self.record.status or 0,
                          body if ok else None, decoded, streamed=False)
            if not ok and self.record.op in ("create", "item", "cancel") and (self.record.status or 0) < 300:
                server = [violation("schema.interaction.valid", "the answer is not JSON", location=self.label,
                                    expected="a JSON Interaction", observed=_text(decoded, 200))]
            else:
                server = check_exchange(self.schemas, ex, state=self.recorder.state)
            server += self.recorder._after_body(self, body if ok else None)
            self.recorder._close(self, server, self.response_head + "\n\n" + _text(decoded, TRANSCRIPT_BODY_LIMIT))

    def fail(self, message: str) -> None:
        """The upstream could not be reached or broke before answering."""
        if self._closed:
            return
        self._closed = True
        with self.recorder._lock:
            self.record.error = message
            self.recorder._close(self, [], f"(no answer: {message})")


class ProxyRecorder:
    """All exchanges seen by one proxy: the client and server judgement, and the report."""

    def __init__(self, *, upstream_url: str = "", revision: str | None = None, schema: str | None = None,
                 strictness: Strictness | None = None, expect_auth: bool = True,
                 secrets: Iterable[str] = (), on_exchange: Callable[[ExchangeRecord], None] | None = None,
                 target_name: str = "proxy") -> None:
        self.upstream_url = upstream_url
        self.default_revision = get_profile(revision).name if revision else DEFAULT_REVISION
        self.schema_path = schema
        self.strictness = strictness or Strictness()
        self.expect_auth = expect_auth
        self.on_exchange = on_exchange
        self.target_name = target_name
        self.state = ConversationState()
        self.started = _now_iso()
        self._lock = threading.RLock()
        self._seq = 0
        self._open = 0
        self._secrets: set[str] = {s for s in secrets if s}
        self._redactor: Redactor | None = None
        self._redactor_for: tuple[str, ...] = ()
        self._schemas: dict[str, SchemaSet] = {}
        self._records: deque[ExchangeRecord] = deque()
        self._dropped = 0
        self._dropped_violations: list[dict] = []
        self._lifecycles: OrderedDict[str, LifecycleTracker] = OrderedDict()
        self._streams: OrderedDict[str, tuple[list[dict], bool, str]] = OrderedDict()
        self._stream_items: OrderedDict[str, tuple[str, list[dict]]] = OrderedDict()
        self._models: dict[str, int] = {}
        self._revisions: list[str] = []
        self.run_dir: Path | None = None

    # -- configuration ------------------------------------------------------------------

    def schemas(self, revision: str) -> SchemaSet:
        """The SchemaSet of a revision (the --schema document for the default revision, when given)."""
        with self._lock:
            if revision not in self._schemas:
                profile = get_profile(revision)
                path = self.schema_path if self.schema_path and revision == self.default_revision else None
                self._schemas[revision] = SchemaSet(profile, path, self.strictness)
            return self._schemas[revision]

    def add_secret(self, value: str | None) -> None:
        if value:
            with self._lock:
                self._secrets.add(value)

    @property
    def secrets(self) -> list[str]:
        return sorted(self._secrets)

    def scrub(self, text: str) -> str:
        """Every secret seen so far out of ``text``, in every form (raw, JSON-escaped, URL-encoded, HTML-escaped):
        transcripts hold bodies as text, where a key with ``"`` or ``\\`` is already escaped."""
        with self._lock:
            secrets = tuple(sorted(self._secrets))
            if self._redactor is None or self._redactor_for != secrets:
                self._redactor, self._redactor_for = Redactor(secrets), secrets
            redactor = self._redactor
        return redactor.text(text)

    # -- one exchange ----------------------------------------------------------------------

    def begin(self, method: str, path: str, query_string: str, headers: list[tuple[str, str]],
              body: bytes) -> ExchangeContext:
        """Judge a request (client rules) before it is forwarded; returns the context of its exchange."""
        lower = {k.lower(): v for k, v in headers}
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        for name in SECRET_HEADERS:
            value = lower.get(name)
            if value:
                self.add_secret(value.split(" ", 1)[1] if name == "authorization" and " " in value else value)
                self.add_secret(value)
        for name, value in query.items():
            if name.lower() in SECRET_PARAMS:
                self.add_secret(value)
        revision = revision_for_header(lower.get("api-revision"), self.default_revision)
        schemas = self.schemas(revision)
        op, iid = classify_path(path)
        with self._lock:
            self._seq += 1
            seq = self._seq
            if revision not in self._revisions:
                self._revisions.append(revision)
        record = ExchangeRecord(seq=seq, method=method, path=path, revision=revision, op=op, started=time.time())
        label = f"{method} {path}"
        body_json, body_ok = _parse_json(body)
        client: list[Violation] = check_headers(method, lower, query, bool(body), location=label)
        rules = ["request.auth.key-present"] + (["request.content-type.json"] if body else [])
        wants_stream = False
        resumed_from = None
        store = True
        with self._lock:
            if op == "create" and method == "POST":
                rules += _CLIENT_CREATE_RULES
                if not body_ok:
                    client.append(violation("schema.request.valid", "the request body is not valid JSON",
                                            location=label, expected="a JSON object", observed=_text(body, 200)))
                else:
                    client += check_request(schemas, body_json, state=self.state, location=label)
                if isinstance(body_json, Mapping):
                    wants_stream = body_json.get("stream") is True
                    store = body_json.get("store") is not False
                    model = body_json.get("model") or body_json.get("agent")
                    if isinstance(model, str):
                        self._models[model] = self._models.get(model, 0) + 1
            elif op == "item" and method == "GET":
                rules.append("request.last-event-id.needs-stream")
                client += check_get_params(query, location=label)
                wants_stream = str(query.get("stream", "")).lower() == "true"
                if wants_stream and "last_event_id" in query:
                    resumed_from = query["last_event_id"]
        record.rules = [r for r in dict.fromkeys(rules) if revision in RULES[r].revisions]
        record.violations = [self._violation_dict(v, "client", record) for v in client]
        request_text = self._request_text(method, path, query_string, headers, body)
        with self._lock:
            self._open += 1
        return ExchangeContext(self, record, query=query, body=body, body_json=body_json, body_ok=body_ok,
                               store=store, iid=iid, schemas=schemas, wants_stream=wants_stream,
                               resumed_from=resumed_from, request_text=request_text)

    def _request_text(self, method: str, path: str, query_string: str, headers: list[tuple[str, str]],
                      body: bytes) -> str:
        query = scrub_query(query_string)
        lines = [f"{method} {path}{'?' + query if query else ''}"]
        for k, v in headers:
            lines.append(f"{k}: {REDACTED if k.lower() in SECRET_HEADERS else v}")
        text = "\n".join(lines)
        if body:
            text += "\n\n" + _text(body, TRANSCRIPT_BODY_LIMIT)
        return text

    def _violation_dict(self, v: Violation, party: str, record: ExchangeRecord) -> dict:
        d = v.to_dict()
        d["party"] = party
        d["exchange"] = record.name
        d["revision"] = record.revision
        return orjson.loads(self.scrub(orjson.dumps(d, default=str).decode()))

    # -- the server rules that need memory of earlier exchanges ------------------------------------------

    def _tracker(self, iid: str, profile: Profile) -> LifecycleTracker:
        tracker = self._lifecycles.get(iid)
        if tracker is None:
            tracker = self._lifecycles[iid] = LifecycleTracker(profile)
            while len(self._lifecycles) > MAX_TRACKED:
                self._lifecycles.popitem(last=False)
        else:
            self._lifecycles.move_to_end(iid)
        return tracker

    def _after_body(self, ctx: ExchangeContext, body: Any) -> list[Violation]:
        record = ctx.record
        status = record.status or 0
        op = record.op
        out: list[Violation] = []
        out += self._auth_rule(ctx, status)
        if status >= 400:
            record.rules += ["error.envelope.shape"]
            if op in ("create", "item", "cancel"):
                record.rules += ["error.bad-input.no-5xx"]
            return out
        if not 200 <= status < 300:
            return out
        if op == "create" and record.method == "POST":
            record.rules += [r for r in _SERVER_REJECT_RULES if r not in record.rules]
        if op == "item" and record.method == "DELETE":
            record.rules.append("schema.delete.empty-object")
            return out
        if op in ("create", "item", "cancel") and record.method in ("GET", "POST") and isinstance(body, Mapping):
            _cover(record, _RESOURCE_RULES)
            iid = body.get("id") if isinstance(body.get("id"), str) else ctx.iid
            if iid:
                _cover(record, _LIFECYCLE_RULES)
                out += self._tracker(iid, ctx.schemas.profile).observe(body, source=ctx.label)
                out += self._compare_assembly(ctx, iid, body)
        return out

    def _compare_assembly(self, ctx: ExchangeContext, iid: str, body: Mapping) -> list[Violation]:
        """stream.assembly.matches-resource: a finished stream of this interaction against the resource now."""
        if ctx.record.method != "GET" or str(ctx.query.get("include_input", "")).lower() == "true":
            return []
        kept = self._stream_items.get(iid)
        if kept is None or body.get("status") in (None, "in_progress"):
            return []
        del self._stream_items[iid]
        revision, items = kept
        if revision != ctx.record.revision:
            return []  # streamed under one revision, read under the other: shapes differ by design
        ctx.record.rules.append("stream.assembly.matches-resource")
        return compare_with_resource(ctx.schemas.profile, items, body, location=ctx.label)

    def _auth_rule(self, ctx: ExchangeContext, status: int) -> list[Violation]:
        if not self.expect_auth:
            return []
        if not any(v["rule_id"] == "request.auth.key-present" for v in ctx.record.violations):
            return []
        ctx.record.rules.append("auth.key.required")
        if status in (401, 403) or not 200 <= status < 300:
            return []
        return [violation("auth.key.required", "a request without an API key was answered with success",
                          location=ctx.label, expected="401 or 403", observed=str(status))]

    def _after_stream(self, ctx: ExchangeContext, result, *, complete: bool) -> list[Violation]:
        out: list[Violation] = []
        out += self._auth_rule(ctx, ctx.record.status or 0)
        iid = result.interaction_id or ctx.iid
        if ctx.record.op == "create" and ctx.record.method == "POST":
            ctx.record.rules += [r for r in _SERVER_REJECT_RULES if r not in ctx.record.rules]
        if not iid:
            return out
        self.state.record_items(iid, result.items)
        if ctx.record.op == "create" and self.state.get(iid) is not None:
            # status and continuation_token of the completion event: a later hop is judged against them
            final = result.completed_interaction or {}
            self.state.record({"id": iid, **{k: final[k] for k in ("status", "continuation_token") if k in final}},
                              store=ctx.store)
        if result.completed_interaction is not None:
            _cover(ctx.record, _LIFECYCLE_RULES)
            out += self._tracker(iid, ctx.schemas.profile).observe(result.completed_interaction,
                                                                   source=f"{ctx.label} (completion event)")
        events = result.kept_events
        if ctx.resumed_from is not None:
            kept = self._streams.get(iid)
            if kept is not None and kept[2] == ctx.record.revision:
                original, original_complete, _rev = kept
                replay = list(events)
                ids = [e.get("event_id") for e in original]
                if ctx.resumed_from in ids and not original_complete:
                    replay = replay[: len(original) - ids.index(ctx.resumed_from) - 1]
                if original_complete and not complete:
                    pass  # a replay the client cut short cannot be compared whole
                else:
                    ctx.record.rules.append("stream.event-id.resumable")
                    out += check_resume(original, ctx.resumed_from, replay, location=ctx.label)
        elif len(events) <= MAX_KEPT_EVENTS:
            self._streams[iid] = (list(events), complete and result.terminal is not None, ctx.record.revision)
            self._streams.move_to_end(iid)
            while len(self._streams) > MAX_KEPT_STREAMS:
                self._streams.popitem(last=False)
            if complete and result.terminal == ctx.schemas.profile.grammar.completed:
                self._stream_items[iid] = (ctx.record.revision, list(result.items))
                while len(self._stream_items) > MAX_KEPT_STREAMS:
                    self._stream_items.popitem(last=False)
        return out

    def _close(self, ctx: ExchangeContext, server: list[Violation], response_text: str) -> None:
        record = ctx.record
        self._open -= 1
        record.duration = time.time() - record.started
        record.violations += [self._violation_dict(v, "server", record) for v in server]
        record.rules = [r for r in dict.fromkeys(record.rules) if record.revision in RULES[r].revisions]
        record.transcript = self.scrub(ctx.request_text + "\n\n--- answer ---\n" + response_text)
        self._records.append(record)
        while len(self._records) > MAX_EXCHANGES:
            old = self._records.popleft()
            self._dropped += 1
            self._dropped_violations.extend(old.violations[:20])
        if self.on_exchange is not None:
            try:
                self.on_exchange(record)
            except Exception:  # noqa: BLE001 - a logging callback must not break the proxy
                pass

    # -- results -----------------------------------------------------------------------------

    def open_exchanges(self) -> int:
        """Exchanges begun whose answer has not been judged yet."""
        with self._lock:
            return self._open

    def exchanges(self) -> list[ExchangeRecord]:
        with self._lock:
            return list(self._records)

    def violations(self, party: str | None = None) -> list[dict]:
        """Every violation so far (dicts with rule_id, level, party, exchange, message, ...)."""
        with self._lock:
            out = list(self._dropped_violations)
            for r in self._records:
                out.extend(r.violations)
        return [v for v in out if party is None or v["party"] == party]

    def must_failed(self) -> bool:
        return any(v["level"] == "MUST" for v in self.violations())

    def unjudged(self) -> int:
        """Exchanges the upstream never answered: could not judge (they make the verdict an error, not ok)."""
        with self._lock:
            return sum(r.unjudged for r in self._records)

    def exit_code(self) -> int:
        """0 only when every exchange was judged and no MUST rule failed."""
        return 1 if self.must_failed() or self.unjudged() else 0

    def violations_json(self) -> dict:
        with self._lock:
            n = self._seq
        violations = self.violations()
        return {
            "exchanges": n,
            "must": sum(v["level"] == "MUST" for v in violations),
            "should": sum(v["level"] != "MUST" for v in violations),
            "unjudged": self.unjudged(),
            "violations": violations,
        }

    def run_record(self):
        """The session as a :class:`conformance.reports.RunRecord`: one scenario per exchange."""
        from ..reports.model import RunRecord, ScenarioResult

        with self._lock:
            records = list(self._records)
            revisions = list(self._revisions) or [self.default_revision]
            model = max(self._models, key=self._models.get) if self._models else None
            dropped = self._dropped
        scenarios = []
        for r in records:
            outcome = "error" if r.unjudged else ("failed" if r.must_failed else "passed")
            scenarios.append(ScenarioResult(
                nodeid=f"proxy::{r.name}", name=r.name, revision=r.revision, outcome=outcome,
                duration=round(r.duration, 4), rules=list(r.rules), violations=[dict(v) for v in r.violations],
                skip_reason=None, transcript=r.transcript, area=r.op,
            ))
        return RunRecord(
            run_id=self.run_dir.name if self.run_dir else f"proxy-{self.started}",
            started=self.started, finished=_now_iso(),
            target={"name": self.target_name, "kind": "proxy", "base_url": self.upstream_url},
            revisions=revisions, model=model, suite_version=__version__,
            options={"upstream": self.upstream_url, "default_revision": self.default_revision,
                     "schema": self.schema_path, "secrets": self.secrets},
            scenarios=scenarios,
            spent={"requests": len(records) + dropped, "dropped_from_report": dropped},
        )

    def write_report(self, report_dir: str | Path) -> Path:
        """Write (or rewrite) this session's report under ``report_dir``; returns the run directory."""
        from ..reports.paths import new_run_dir

        record = self.run_record()
        with self._lock:
            if self.run_dir is None or not self.run_dir.exists():
                self.run_dir = new_run_dir(Path(report_dir), self.target_name)
            record.run_id = self.run_dir.name
            run_dir = self.run_dir
        _write_report(record, run_dir)
        # the last net: no secret the proxy saw survives in any file of the run
        from ..reports.redact import scrub_tree

        scrub_tree(run_dir, self.secrets)
        return run_dir


def _write_report(record, run_dir: Path) -> None:
    """conformance.reports.write_report, or summary.json alone where the writers are not built."""
    try:
        from ..reports import write_report
    except ImportError:
        write_report = None
    if write_report is not None:
        write_report(record, run_dir)
        return
    from ..reports.redact import redact_record

    data = redact_record(record).to_dict()
    data["exit_code"] = record.exit_code()
    (Path(run_dir) / "summary.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
