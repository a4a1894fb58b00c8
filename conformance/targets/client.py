"""The HTTP client the suite talks to a target through.

One class for every target (mock, live, any base URL, cassette replay): the
differences are data in :class:`TargetConfig` and the httpx transport. It
adds what a conformance run needs on top of httpx:

* the API key on every request (header), sent only to the configured base URL;
* the ``Api-Revision`` header of the profile under test;
* a request budget (``max_requests``) and backoff on 429/503 honouring ``Retry-After``;
* a transcript of every exchange (keys scrubbed) for a failure's evidence;
* streams read chunk by chunk into a :class:`StreamChecker`, with a total time limit;
* bounded I/O: one total deadline per request (``timeout_s``: connect + headers +
  whole body, enforced at the socket, see :mod:`.bounded`) and another for a whole
  stream (``stream_timeout_s``); bodies and streams read incrementally up to
  ``max_body_bytes``, one SSE event up to ``max_event_bytes``. A limit hit raises
  :class:`TargetLimitExceeded` naming the limit: a "could not judge", not a crash;
* a :class:`~.gate.RunGate` (run deadline, circuit breaker) asked before every request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..checks import MAX_JSON_DEPTH, TOO_DEEP, StreamChecker, StreamResult, decode_json
from ..errors import (  # noqa: F401 - defined in conformance.errors, re-exported here
    BudgetExhausted,
    TargetError,
    TargetLimitExceeded,
    TargetUnresponsive,
)
from ..profiles import Profile
from ..redaction import Redactor
from ..schema import SchemaSet
from .bounded import Deadline, bounded_transport
from .gate import RunGate

MiB = 1024 * 1024
#: default cap on one non-streaming body, and on everything one stream may send
DEFAULT_MAX_BODY = 16 * MiB
#: default cap on one SSE event (its data lines together)
DEFAULT_MAX_EVENT = 4 * MiB
#: events of one stream kept for evidence and resume comparisons; the checker sees every event regardless
MAX_KEPT_EVENTS = 20000


@dataclass
class TargetConfig:
    """Where and how to reach a target. ``kind``: mock, live, url or replay."""

    name: str
    kind: str
    base_url: str
    api_key: str | None = None
    api_version: str = "v1beta"
    model: str = "gemini-3-flash-preview"
    agent: str = "deep-research-pro-preview-12-2025"
    max_requests: int | None = None
    #: total seconds for one non-streaming request: connect + headers + whole body
    timeout_s: float = 30.0
    #: total seconds for one stream, from the request to its last byte
    stream_timeout_s: float = 60.0
    #: bytes one non-streaming body, or one whole stream, may take before it is abandoned unjudged
    max_body_bytes: int = DEFAULT_MAX_BODY
    #: bytes one SSE event may take
    max_event_bytes: int = DEFAULT_MAX_EVENT
    #: how long a scenario polls a background run before calling it stuck
    poll_budget_s: float = 60.0
    max_retries: int = 3
    max_backoff_s: float = 20.0
    #: abilities the target is known to have; scenarios needing others are skipped
    capabilities: frozenset[str] = frozenset()
    serial: bool = True

    def redacted(self) -> dict:
        return {"name": self.name, "kind": self.kind, "base_url": self.base_url, "api_version": self.api_version,
                "model": self.model, "api_key": "<redacted>" if self.api_key else None}


@dataclass
class Answer:
    """A non-streaming answer."""

    status: int
    headers: Mapping[str, str]
    body: Any
    raw: bytes
    elapsed_s: float
    #: the interaction id named in the request path (GET, DELETE, cancel)
    iid: str | None = None
    #: why a non-empty body is not a JSON value (not JSON, not UTF-8); None when it parsed
    body_problem: str | None = None
    method: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "") if self.headers is not None else ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class StreamAnswer:
    """A streaming answer: the checker's verdict, plus the raw chunks when kept."""

    status: int
    headers: Mapping[str, str]
    result: StreamResult | None
    body: Any = None  # JSON body when the server answered with an error instead of a stream
    chunks: list[bytes] = field(default_factory=list)
    body_problem: str | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "") if self.headers is not None else ""


@dataclass
class Spent:
    requests: int = 0
    retries: int = 0
    stream_events: int = 0


class TargetClient:
    """Talks to one target under one revision profile."""

    def __init__(self, config: TargetConfig, schemas: SchemaSet, *, transport: httpx.BaseTransport | None = None,
                 spent: Spent | None = None, transcript: list[str] | None = None,
                 on_exchange: Callable[[dict], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                 gate: RunGate | None = None):
        self.config = config
        self.schemas = schemas
        self.profile: Profile = schemas.profile
        self.spent = spent if spent is not None else Spent()
        self.transcript = transcript if transcript is not None else []
        self.on_exchange = on_exchange
        self._sleep = sleep
        self.gate = gate
        self._deadline = Deadline()
        if transport is None:
            transport = bounded_transport(self._deadline, config.base_url)
        self._redactor: Redactor | None = None
        self._http = httpx.Client(base_url=config.base_url.rstrip("/"), transport=transport,
                                  timeout=httpx.Timeout(config.timeout_s, connect=min(10.0, config.timeout_s)),
                                  follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    # -- plumbing -------------------------------------------------------------------------------

    def path(self, suffix: str = "") -> str:
        return f"/{self.config.api_version}/interactions{suffix}"

    def headers(self, *, key: bool = True, revision: bool = True, extra: Mapping[str, str] | None = None) -> dict:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if key and self.config.api_key:
            h["x-goog-api-key"] = self.config.api_key
        if revision:
            h["Api-Revision"] = self.profile.header_value
        if extra:
            h.update(extra)
        return h

    def _scrub(self, text: str) -> str:
        """The key out of a transcript line, in every form a body or URL may hold it (conformance.redaction)."""
        key = self.config.api_key
        if not key:
            return text
        if self._redactor is None:
            self._redactor = Redactor([key])
        return self._redactor.text(text)

    def _log(self, method: str, url: str, body: Any, status: int | str, answer: Any) -> None:
        req = "" if body is None else (body if isinstance(body, str) else json.dumps(body))[:4000]
        ans = answer if isinstance(answer, str) else json.dumps(answer, default=str)
        self.transcript.append(self._scrub(f">>> {method} {url}\n{req}\n<<< {status}\n{ans[:8000]}\n"))
        if self.on_exchange:
            self.on_exchange({"method": method, "url": url, "status": status})

    def _charge(self) -> None:
        limit = self.config.max_requests
        if limit is not None and self.spent.requests >= limit:
            raise BudgetExhausted(f"request budget of {limit} spent (raise --max-requests to run more)")
        self.spent.requests += 1

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        after = response.headers.get("retry-after", "")
        try:
            delay = float(after)
        except ValueError:
            delay = 2.0 ** attempt
        return max(0.0, min(delay, self.config.max_backoff_s))

    def _send(self, method: str, url: str, *, content: bytes | None, headers: dict, params: Mapping | None,
              stream: bool) -> httpx.Response:
        """Send with retries on 429/503; the response is always opened as a stream (bodies are read bounded)."""
        attempt = 0
        seconds, what = ((self.config.stream_timeout_s, f"stream deadline (--stream-timeout {self.config.stream_timeout_s:g}s)")
                         if stream else (self.config.timeout_s, f"request deadline (--timeout {self.config.timeout_s:g}s)"))
        while True:
            if self.gate is not None:
                self.gate.check()
            self._charge()
            self._deadline.set(seconds, what, cap=self.gate.left() if self.gate is not None else None)
            try:
                request = self._http.build_request(method, url, content=content, headers=headers, params=params)
                response = self._http.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise self._transport_failure(f"{method} {url}: no answer: {self._timeout_reason(exc)}") from None
            except httpx.HTTPError as exc:
                raise self._transport_failure(f"{method} {url}: {type(exc).__name__}: {self._scrub(str(exc))}") from None
            if response.status_code in (429, 503) and attempt < self.config.max_retries:
                delay = self._retry_delay(response, attempt)
                response.close()
                self.spent.retries += 1
                attempt += 1
                self._sleep(delay)
                continue
            return response

    def _timeout_reason(self, exc: Exception) -> str:
        if self._deadline.passed():
            if self.gate is not None and self.gate.refusal():
                return self.gate.refusal() or ""
            return f"the {self._deadline.what} passed"
        return f"{type(exc).__name__} after {self.config.timeout_s:g}s (--timeout)"

    def _transport_failure(self, message: str) -> TargetError:
        """A transport failure or time-out: counted by the circuit breaker, reported as could-not-judge."""
        self._deadline.clear()
        if self.gate is not None:
            if self.gate.refusal():  # the run deadline cut it short: that is not the target's failure
                return TargetUnresponsive(message)
            self.gate.failure(message)
        return TargetError(message)

    def _limit(self, message: str) -> TargetLimitExceeded:
        """An answer past a size limit: not judged, and counted by the breaker (a target that only ever sends
        such answers cannot be judged at all)."""
        self._deadline.clear()
        if self.gate is not None:
            self.gate.failure(message, limit=True)
        return TargetLimitExceeded(message)

    def _answered(self) -> None:
        self._deadline.clear()
        if self.gate is not None:
            self.gate.success()

    def _read_body(self, response: httpx.Response, method: str, url: str) -> bytes:
        """The whole (decoded) body, read incrementally: past ``max_body_bytes`` it is abandoned unjudged."""
        limit = self.config.max_body_bytes
        parts: list[bytes] = []
        size = 0
        try:
            for part in response.iter_bytes():
                size += len(part)
                if size > limit:
                    raise self._limit(
                        f"{method} {url}: the answer body passed the size limit (--max-body {limit} bytes) "
                        f"after {size} bytes; not judged")
                parts.append(part)
                if self._deadline.passed():
                    raise httpx.ReadTimeout("deadline")
        except httpx.TimeoutException as exc:
            raise self._transport_failure(f"{method} {url}: incomplete answer after {size} bytes: "
                                          f"{self._timeout_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise self._transport_failure(f"{method} {url}: the answer broke off after {size} bytes: "
                                          f"{type(exc).__name__}: {self._scrub(str(exc))}") from None
        self._answered()
        return b"".join(parts)

    # -- calls ----------------------------------------------------------------------------------

    def request(self, method: str, suffix: str = "", *, json_body: Any = None, raw: bytes | None = None,
                params: Mapping | None = None, headers: Mapping[str, str] | None = None, key: bool = True,
                revision: bool = True) -> Answer:
        url = self.path(suffix)
        content = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else None)
        hdrs = self.headers(key=key, revision=revision, extra=headers)
        started = time.monotonic()
        response = self._send(method, url, content=content, headers=hdrs, params=params, stream=False)
        try:
            data = self._read_body(response, method, url)
        finally:
            response.close()
        body, problem = parse_json_body(data, f"{method} {url}")
        self._log(method, str(response.request.url), json_body if raw is None else raw[:4000].decode("utf-8", "replace"),
                  response.status_code, body if body is not None else data[:8000].decode("utf-8", "replace"))
        return Answer(response.status_code, response.headers, body, data, time.monotonic() - started,
                      body_problem=problem, method=method)

    def create(self, body: Mapping, **kw: Any) -> Answer:
        return self.request("POST", json_body=dict(body), **kw)

    def get(self, iid: str, **params: Any) -> Answer:
        answer = self.request("GET", f"/{iid}", params={k: _q(v) for k, v in params.items()} or None)
        answer.iid = iid
        return answer

    def delete(self, iid: str) -> Answer:
        answer = self.request("DELETE", f"/{iid}")
        answer.iid = iid
        return answer

    def cancel(self, iid: str) -> Answer:
        answer = self.request("POST", f"/{iid}/cancel")
        answer.iid = iid
        return answer

    def stream(self, method: str, suffix: str = "", *, json_body: Any = None, params: Mapping | None = None,
               resumed: bool = False, keep_chunks: bool = False, headers: Mapping[str, str] | None = None) -> StreamAnswer:
        """Send a streaming request and check the stream as it arrives, within the stream deadline and size limits."""
        url = self.path(suffix)
        content = json.dumps(json_body).encode() if json_body is not None else None
        hdrs = self.headers(extra={"Accept": "text/event-stream", **(headers or {})})
        response = self._send(method, url, content=content, headers=hdrs, params=params, stream=True)
        try:
            if response.status_code != 200:
                data = self._read_body(response, method, url)
                body, problem = parse_json_body(data, f"{method} {url}")
                if body is None and data:
                    body = data[:8000].decode("utf-8", "replace")
                self._log(method, str(response.request.url), json_body, response.status_code, body)
                return StreamAnswer(response.status_code, response.headers, None, body, body_problem=problem)
            checker = StreamChecker(self.schemas, resumed=resumed, keep_events=True,
                                    content_type=response.headers.get("content-type", ""))
            chunks = self._read_stream(response, checker, method, url, keep_chunks)
            result = checker.finish()
            self.spent.stream_events += result.events
            self._log(method, str(response.request.url), json_body, response.status_code,
                      "\n".join(json.dumps(e) for e in result.kept_events[:200]))
            return StreamAnswer(200, response.headers, result, None, chunks)
        finally:
            response.close()

    def _read_stream(self, response: httpx.Response, checker: StreamChecker, method: str, url: str,
                     keep_chunks: bool) -> list[bytes]:
        cfg = self.config
        chunks: list[bytes] = []
        size = 0
        try:
            # raw bytes as they arrive; an answer a transport handed over already read (mocks) is replayed whole
            for chunk in response.iter_bytes() if response.is_stream_consumed else response.iter_raw():
                size += len(chunk)
                if size > cfg.max_body_bytes:
                    raise self._limit(
                        f"{method} {url}: the stream passed the size limit (--max-body {cfg.max_body_bytes} bytes) "
                        f"after {checker.events_seen} events; not judged")
                checker.feed(chunk)
                if checker.pending_bytes > cfg.max_event_bytes:
                    raise self._limit(
                        f"{method} {url}: one SSE event passed the size limit (--max-event {cfg.max_event_bytes} "
                        f"bytes) at event {checker.events_seen}; not judged")
                if checker.kept_count > MAX_KEPT_EVENTS:
                    checker.keep_events = False
                if keep_chunks:
                    chunks.append(chunk)
                if self._deadline.passed():
                    raise httpx.ReadTimeout("deadline")
        except httpx.TimeoutException as exc:
            raise self._transport_failure(f"{method} {url}: stream still open after {checker.events_seen} events: "
                                          f"{self._timeout_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise self._transport_failure(f"{method} {url}: stream broke after {checker.events_seen} events: "
                                          f"{type(exc).__name__}: {self._scrub(str(exc))}") from None
        self._answered()
        return chunks

    def create_stream(self, body: Mapping, **kw: Any) -> StreamAnswer:
        return self.stream("POST", json_body={**body, "stream": True}, **kw)

    def get_stream(self, iid: str, last_event_id: str | None = None, **kw: Any) -> StreamAnswer:
        params = {"stream": "true"}
        if last_event_id is not None:
            params["last_event_id"] = last_event_id
        return self.stream("GET", f"/{iid}", params=params, resumed=last_event_id is not None, **kw)

    def poll(self, iid: str, *, until: Callable[[Any], bool], budget_s: float, interval_s: float = 0.2) -> Iterator[Answer]:
        """GET repeatedly until ``until(body)`` or the time budget runs out; yields every answer."""
        deadline = time.monotonic() + budget_s
        while True:
            answer = self.get(iid)
            yield answer
            if answer.status != 200 or until(answer.body) or time.monotonic() >= deadline:
                return
            self._sleep(interval_s)


def parse_json_body(data: bytes, where: str = "the answer") -> tuple[Any, str | None]:
    """(value, problem): the body parsed as JSON (:func:`~conformance.checks.decode_json`), or None and why
    not. A body nested deeper than the checks can follow (``MAX_JSON_DEPTH``) cannot be judged at all:
    :class:`TargetLimitExceeded`."""
    if not data:
        return None, None
    value, problem = decode_json(data)
    if problem == TOO_DEEP:
        raise TargetLimitExceeded(f"{where}: the answer nests deeper than {MAX_JSON_DEPTH} levels "
                                  "(the suite's limit); not judged")
    return value, (None if problem is None else f"the body is {problem}")


def _q(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
