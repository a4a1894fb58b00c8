"""HTTP glue: the Starlette application.

``create_app(config)`` wires the four Interactions endpoints, under
``/v1beta`` and ``/v1`` and optionally under a base-path prefix, to the
service. Per request it applies latency, reads ``X-Iconf-Fault``, checks the
API key, picks the revision from ``Api-Revision`` and turns every ApiError
into the Google error envelope. Unknown paths and methods get the envelope
too, so no client ever sees a bare Starlette page.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable

import anyio
import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route

from .._logsafe import install as install_log_redaction
from ..profiles import PROFILES, Profile, get_profile
from . import render
from .config import MockConfig
from .errors import ApiError, invalid, not_found, permission_denied, unauthenticated
from .faults import ActiveFaults, UnknownFaultError, parse_fault_header
from .framing import MEDIA_TYPE, frame
from .instances import LIMITS
from .limits import DEFAULT_LIMITS, too_large
from .parse import parse_create
from .robustness import HEADER as ROBUSTNESS_HEADER
from .robustness import Robustness, UnknownCaseError
from .service import Ctx, Service
from .store import Record

log = logging.getLogger("conformance.mock")
VERSIONS = ("v1beta", "v1")
FAULT_HEADER = "x-iconf-fault"
_POLL_S = 0.02
_NO_CASES: frozenset[str] = frozenset()
#: create bodies larger than this are decoded and validated in a worker thread (smaller ones cost < 1 ms)
OFFLOAD_BYTES = 16 * 1024
#: so are bodies that may make the model generate from a user schema (bounded, but up to ~0.2 s at the caps)
_GENERATES = (b'"parameters"', b'"schema"', b'"response_format"')


class JSON(Response):
    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def error_response(err: ApiError, faults: ActiveFaults, style: str = "string") -> Response:
    """``err`` in the configured envelope style (``MockConfig.error_code``)."""
    body = err.bare(style) if faults.on("error.envelope.shape") else err.envelope(style)
    if faults.on("error.code.matches-status") and isinstance(body.get("error"), dict):
        body["error"]["status"] = "INTERNAL"
        if isinstance(body["error"].get("code"), int):
            body["error"]["code"] = 500
    return JSON(body, status_code=err.http_status)


def _label(request: Request, response: Response, faults: ActiveFaults) -> Response:
    """The schema.response.json fault: JSON answers to GET go out labelled as HTML."""
    if request.method == "GET" and isinstance(response, JSON) and faults.on("schema.response.json"):
        response.headers["content-type"] = "text/html"
    return response


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    raise invalid(f"Invalid value at '{name}' (TYPE_BOOL): {value!r}; expected true or false")


#: the revision ``MockConfig.legacy="retired"`` refuses, and the live API's words for it (API-FACTS §9)
RETIRABLE = "legacy"
LEGACY_RETIRED_MESSAGE = "The legacy Interactions API schema is no longer supported."


def _other(profile: Profile) -> Profile:
    return next(p for p in PROFILES.values() if p.name != profile.name)


class MockApp:
    """State of one server: config, service (store) and the endpoints bound to them."""

    def __init__(self, config: MockConfig) -> None:
        self.config = config
        self.service = Service(config)
        self.store = self.service.store
        self.robustness = Robustness(config.robustness, config.error_code)
        self._config_faults = ActiveFaults(config.faults)  # immutable: one for every request
        #: big create bodies are worked one at a time (created lazily: it binds to the running event loop)
        self._heavy_limiter: anyio.CapacityLimiter | None = None

    @property
    def _heavy(self) -> anyio.CapacityLimiter:
        if self._heavy_limiter is None:
            self._heavy_limiter = anyio.CapacityLimiter(1)
        return self._heavy_limiter

    # --- per-request context -----------------------------------------------------------------

    def _revision(self, request: Request, faults: ActiveFaults) -> Profile:
        value = request.headers.get("api-revision")
        if value is None:
            return get_profile(self.config.default_revision)
        profile = next((p for p in PROFILES.values() if p.header_value == value.strip()), None)
        if profile is None:
            known = ", ".join(p.header_value for p in PROFILES.values()
                              if not (p.name == RETIRABLE and self.config.legacy == "retired"))
            raise invalid(f"Invalid value for header 'Api-Revision': {value!r}; supported revisions: {known}")
        if profile.name == RETIRABLE and (self.config.legacy == "retired" or faults.on("revision.legacy.retired")):
            if faults.on("revision.legacy.retired"):  # the fault: the header ignored, the steps shape served
                return _other(profile)
            raise invalid(LEGACY_RETIRED_MESSAGE)
        return _other(profile) if faults.on("revision.header.honoured") else profile

    def _auth(self, request: Request, faults: ActiveFaults) -> None:
        if self.config.api_key is None or faults.on("auth.key.required"):
            return
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            raise unauthenticated("Method doesn't allow unregistered callers: no API key was sent "
                                  "(header 'x-goog-api-key' or query parameter 'key')")
        if key != self.config.api_key:
            raise permission_denied("API key not valid (header 'x-goog-api-key' or query parameter 'key'); "
                                    "please pass a valid API key")

    def endpoint(self, fn: Callable[[Request, Ctx], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            faults = self._config_faults
            try:
                if self.config.latency_ms:
                    await asyncio.sleep(self.config.latency_ms / 1000)
                try:
                    header = request.headers.get(FAULT_HEADER)
                    if header:
                        faults = faults | parse_fault_header(header)
                except UnknownFaultError as exc:
                    raise invalid(f"Invalid value for header 'X-Iconf-Fault': {exc}") from None
                self._auth(request, faults)
                if request.path_params.get("version") not in VERSIONS:
                    raise not_found(f"Unknown API version {request.path_params.get('version')!r} in the path; "
                                    f"use {' or '.join(VERSIONS)}")
                ctx = Ctx(self._revision(request, faults), faults)
                try:
                    header = request.headers.get(ROBUSTNESS_HEADER)
                    cases = self.robustness.cases(header) if header or self.robustness.run_cases else _NO_CASES
                except UnknownCaseError as exc:
                    raise invalid(f"Invalid value for header 'X-Iconf-Robustness': {exc}") from None
                if (early := await self.robustness.before(request, cases)) is not None:
                    answer = error_response(early, faults, self.config.error_code)
                    answer.headers.update(getattr(early, "headers", {}))
                    return answer
                return _label(request, self.robustness.after(request, await fn(request, ctx), cases, ctx.profile),
                              faults)
            except ApiError as err:
                return _label(request, error_response(err, faults, self.config.error_code), faults)
            except Exception:  # a bug must still answer in the envelope, never with a traceback
                log.exception("mock server bug")
                return error_response(ApiError(500, "Internal error in the iconf mock server"), faults,
                                      self.config.error_code)
        return handler

    # --- endpoints ---------------------------------------------------------------------------

    async def _read_body(self, request: Request) -> bytes:
        """The body, refused with 413 as soon as it is known to exceed ``max_body_bytes`` (never read in full)."""
        limit = self.config.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise too_large(f"Invalid value at 'body': the request body is {int(declared)} bytes; at most {limit} "
                            "are allowed (limit max_body_bytes)")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(f"Invalid value at 'body': the request body is over {limit} bytes (limit "
                                "max_body_bytes)")
            chunks.append(chunk)
        return b"".join(chunks)

    async def create(self, request: Request, ctx: Ctx) -> Response:
        raw = await self._read_body(request)
        if not raw.strip():
            raise invalid("Invalid JSON payload: the request body is empty; 'model' (or 'agent') and 'input' "
                          "are required")
        if self.config.limits is not DEFAULT_LIMITS:
            LIMITS.set(self.config.limits)
        if len(raw) <= OFFLOAD_BYTES and not any(marker in raw for marker in _GENERATES):
            rec = self._create(raw, ctx)
        else:
            # a big body costs milliseconds to hundreds of them (bounded by the limits): do that off the event
            # loop, so every other client keeps being answered, and one big body at a time, so memory is bounded
            rec = await anyio.to_thread.run_sync(self._create, raw, ctx, limiter=self._heavy)
        if rec.request.stream:
            return self._stream(rec, ctx, after=None)
        if rec.running and ctx.faults.on("background.create.in-progress"):
            while rec.running and rec.finish_at is not None and rec.finish_at - time.time() < 60:
                await asyncio.sleep(max(_POLL_S, rec.finish_at - time.time()))
                rec = self.store.refresh(rec)
        body = render.resource(rec, ctx.profile, ctx.for_record(rec), "post")
        self.store.mark_observed(rec.id)
        return JSON(body)

    def _create(self, raw: bytes, ctx: Ctx) -> Record:
        """Decode, validate and run one create (synchronous: called inline or in a worker thread)."""
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if ctx.faults.on("error.bad-input.no-5xx"):
                raise ApiError(500, "Internal error while reading the request body") from None
            raise invalid(f"Invalid JSON payload received: the request body is not valid JSON ({exc})") from None
        f = ctx.faults
        req = parse_create(
            body, ctx.profile,
            lenient_types=f.on("error.bad-input.rejected"),
            allow_both_or_neither=f.on("request.model-xor-agent"),
            allow_missing_input=f.on("request.input.required"),
            allow_store_false_background=f.on("request.store-false.no-background"),
            allow_foreground_agent=f.on("request.agent.background"),
            allow_config_mismatch=f.on("request.config.matches-kind"),
            allow_out_of_bounds=f.on("request.generation-config.bounds"),
            limits=self.config.limits,
        )
        if req.generation_config is not None and f.on("request.valid.accepted"):
            raise invalid("Invalid value at 'generation_config': rejected (fault request.valid.accepted)")
        return self.service.create(req, ctx)

    async def get(self, request: Request, ctx: Ctx) -> Response:
        stream = _flag(request, "stream")
        include_input = _flag(request, "include_input")
        after = request.query_params.get("last_event_id")
        if after is not None and not stream:
            if not ctx.faults.on("request.last-event-id.needs-stream"):
                raise invalid("Invalid argument 'last_event_id': it is only valid together with 'stream=true'")
            after = None
        rec = self.service.get(request.path_params["iid"], ctx, reading=True)
        if stream:
            return self._stream(rec, ctx, after=after)
        body = render.resource(rec, ctx.profile, ctx.for_record(rec), "get", include_input=include_input)
        self.store.mark_observed(rec.id)
        return JSON(body)

    async def delete(self, request: Request, ctx: Ctx) -> Response:
        iid = request.path_params["iid"]
        self.service.delete(iid, ctx)
        if ctx.faults.on("schema.delete.empty-object"):
            return JSON({"id": iid, "deleted": True})
        return JSON({})

    async def cancel(self, request: Request, ctx: Ctx) -> Response:
        rec = self.service.cancel(request.path_params["iid"], ctx)
        body = render.resource(rec, ctx.profile, ctx.for_record(rec), "cancel")
        self.store.mark_observed(rec.id)
        return JSON(body)

    # --- streaming ---------------------------------------------------------------------------

    def _stream(self, rec: Record, ctx: Ctx, after: str | None) -> Response:
        faults = ctx.for_record(rec)
        if after is not None:
            # a running interaction is judged by the events it will have sent once settled, so an unknown
            # id is the same 400 before and after it finishes (a known one is accepted in both cases)
            ids = {ev.get("event_id") for ev in render.events(rec, ctx.profile, faults)}
            if rec.running:
                settled = copy.copy(rec)
                settled.status = rec.final_status
                ids |= {ev.get("event_id") for ev in render.events(settled, ctx.profile, faults)}
            if after not in ids:
                raise invalid(f"Invalid value at 'last_event_id': {after!r} is not an event of interaction "
                              f"{rec.id!r}")
        media_type = "text/plain" if faults.on("stream.content-type") else MEDIA_TYPE
        return StreamingResponse(self._frames(rec, ctx.profile, faults, after), media_type=media_type,
                                 headers={"Cache-Control": "no-cache"})

    async def _frames(self, rec: Record, profile: Profile, faults: ActiveFaults, after: str | None):
        sent, started = 0, after is None
        while True:
            rec = self.store.refresh(rec)
            evs = render.events(rec, profile, faults)
            for ev in evs[sent:]:
                if not started:
                    if ev.get("event_id") == after:
                        started = True
                        if faults.on("stream.event-id.resumable"):
                            yield frame(ev)
                    continue
                yield frame(ev)
            sent = len(evs)
            if not rec.running:
                self.store.mark_observed(rec.id)
                return
            await asyncio.sleep(_POLL_S)


def _by_method(handlers: dict[str, Callable[[Request], Awaitable[Response]]]):
    async def dispatch(request: Request) -> Response:
        return await handlers[request.method if request.method != "HEAD" else "GET"](request)
    return dispatch


def create_app(config: MockConfig | None = None) -> Starlette:
    """The ASGI application of one mock server (its state lives as long as the app)."""
    config = config or MockConfig()
    install_log_redaction()  # every process serving the app, --workers children included
    mock = MockApp(config)
    routes = [
        Route("/{version}/interactions", mock.endpoint(mock.create), methods=["POST"]),
        Route("/{version}/interactions/{iid}/cancel", mock.endpoint(mock.cancel), methods=["POST"]),
        # one route per path, so a 405 names every method the path allows (Allow: DELETE, GET, HEAD)
        Route("/{version}/interactions/{iid}", _by_method({"GET": mock.endpoint(mock.get),
                                                           "DELETE": mock.endpoint(mock.delete)}),
              methods=["GET", "DELETE"]),
    ]
    if config.base_path:
        routes = [Mount(config.base_path, routes=list(routes)), *routes]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            allow = (getattr(exc, "headers", None) or {}).get("Allow", "")
            err = ApiError(405, f"Method {request.method} is not allowed on {request.url.path}"
                                + (f"; allowed: {allow}" if allow else ""))
            answer = error_response(err, ActiveFaults(config.faults))
            if allow:
                answer.headers["Allow"] = allow
            return answer
        else:
            err = ApiError(status, f"No endpoint at {request.url.path} (field 'path'); the Interactions API lives "
                                   f"under /v1beta/interactions and /v1/interactions")
        return error_response(err, ActiveFaults(config.faults), config.error_code)

    app = Starlette(routes=routes, exception_handlers={404: http_error, 405: http_error})
    app.state.mock = mock
    return app
