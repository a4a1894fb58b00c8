"""The HTTP client the suite talks to a target through.

One class for every target (mock, live, any base URL, cassette replay): the
differences are data in :class:`TargetConfig` and the httpx transport. It
adds what a conformance run needs on top of httpx:

* the API key on every request (header), sent only to the configured base URL;
* the ``Api-Revision`` header of the profile under test;
* a request budget (``max_requests``) and backoff on 429/503 honouring ``Retry-After``;
* a transcript of every exchange (keys scrubbed) for a failure's evidence;
* streams read chunk by chunk into a :class:`StreamChecker`, with a total time limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..checks import StreamChecker, StreamResult
from ..errors import BudgetExhausted, TargetError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..profiles import Profile
from ..schema import SchemaSet


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
    timeout_s: float = 30.0
    stream_timeout_s: float = 60.0
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


@dataclass
class Spent:
    requests: int = 0
    retries: int = 0
    stream_events: int = 0


class TargetClient:
    """Talks to one target under one revision profile."""

    def __init__(self, config: TargetConfig, schemas: SchemaSet, *, transport: httpx.BaseTransport | None = None,
                 spent: Spent | None = None, transcript: list[str] | None = None,
                 on_exchange: Callable[[dict], None] | None = None, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.schemas = schemas
        self.profile: Profile = schemas.profile
        self.spent = spent if spent is not None else Spent()
        self.transcript = transcript if transcript is not None else []
        self.on_exchange = on_exchange
        self._sleep = sleep
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
        key = self.config.api_key
        return text.replace(key, "<redacted>") if key else text

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
        attempt = 0
        while True:
            self._charge()
            try:
                request = self._http.build_request(method, url, content=content, headers=headers, params=params)
                response = self._http.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                raise TargetError(f"{method} {url}: no answer within {self.config.timeout_s}s ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise TargetError(f"{method} {url}: {type(exc).__name__}: {self._scrub(str(exc))}") from None
            if response.status_code in (429, 503) and attempt < self.config.max_retries:
                delay = self._retry_delay(response, attempt)
                response.close()
                self.spent.retries += 1
                attempt += 1
                self._sleep(delay)
                continue
            return response

    # -- calls ----------------------------------------------------------------------------------

    def request(self, method: str, suffix: str = "", *, json_body: Any = None, raw: bytes | None = None,
                params: Mapping | None = None, headers: Mapping[str, str] | None = None, key: bool = True,
                revision: bool = True) -> Answer:
        url = self.path(suffix)
        content = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else None)
        hdrs = self.headers(key=key, revision=revision, extra=headers)
        started = time.monotonic()
        response = self._send(method, url, content=content, headers=hdrs, params=params, stream=False)
        data = response.content
        try:
            body = response.json() if data else None
        except ValueError:
            body = None
        self._log(method, str(response.request.url), json_body if raw is None else raw.decode("utf-8", "replace"),
                  response.status_code, body if body is not None else data.decode("utf-8", "replace"))
        return Answer(response.status_code, response.headers, body, data, time.monotonic() - started)

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
        """Send a streaming request and check the stream as it arrives (bounded by ``stream_timeout_s``)."""
        url = self.path(suffix)
        content = json.dumps(json_body).encode() if json_body is not None else None
        hdrs = self.headers(extra={"Accept": "text/event-stream", **(headers or {})})
        response = self._send(method, url, content=content, headers=hdrs, params=params, stream=True)
        try:
            if response.status_code != 200:
                data = response.read()
                try:
                    body = json.loads(data) if data else None
                except ValueError:
                    body = data.decode("utf-8", "replace")
                self._log(method, str(response.request.url), json_body, response.status_code, body)
                return StreamAnswer(response.status_code, response.headers, None, body)
            checker = StreamChecker(self.schemas, resumed=resumed, keep_events=True,
                                    content_type=response.headers.get("content-type", ""))
            chunks: list[bytes] = []
            deadline = time.monotonic() + self.config.stream_timeout_s
            try:
                for chunk in response.iter_raw():
                    checker.feed(chunk)
                    if keep_chunks:
                        chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TargetError(f"{method} {url}: stream still open after {self.config.stream_timeout_s}s")
            except httpx.HTTPError as exc:
                raise TargetError(f"{method} {url}: stream broke: {type(exc).__name__}: {self._scrub(str(exc))}") from None
            result = checker.finish()
            self.spent.stream_events += result.events
            self._log(method, str(response.request.url), json_body, response.status_code,
                      "\n".join(json.dumps(e) for e in result.kept_events[:200]))
            return StreamAnswer(200, response.headers, result, None, chunks)
        finally:
            response.close()

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


def _q(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
