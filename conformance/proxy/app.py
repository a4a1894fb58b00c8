"""The forwarding half of the validating proxy: a Starlette app in front of any Interactions API server.

Every request is forwarded as it came (method, path with whatever prefix and
version it has, query, body, headers less the hop-by-hop ones), and every
answer goes back as it came. A streamed answer is passed through chunk by
chunk as the upstream sends it; each chunk is judged *before* it is
forwarded, so whatever the client may act on next (a function call id, a
store=false interaction) is already known when its next request arrives.

Two paths are the proxy's own and never forwarded: ``GET /__iconf/violations``
(the violations so far, JSON) and ``GET /__iconf/report`` (write the report
now; answers where it went).

Content-Encoding: answers are forwarded compressed if the upstream
compressed them; the judge sees the decoded bytes. So that it always can,
the client's ``Accept-Encoding`` is narrowed to what the standard library
decodes (gzip, deflate, identity).
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._logsafe import install as install_log_redaction
from ..errors import ConformanceError
from .recorder import ExchangeContext, ProxyRecorder

__all__ = ["create_proxy_app", "HOP_BY_HOP", "DEFAULT_TIMEOUT"]

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "proxy-connection",
})
#: connect / write / pool seconds, and the longest wait for the next byte of an answer
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=60.0, pool=30.0)
#: the largest non-streamed answer the proxy reads (Interactions answers are far smaller)
MAX_BODY = 64 * 1024 * 1024
_DECODABLE = ("gzip", "x-gzip", "deflate", "identity")


class _Decoder:
    """Decodes a Content-Encoding'd answer incrementally for the judge (the client gets the raw bytes)."""

    def __init__(self, encoding: str | None) -> None:
        enc = (encoding or "").strip().lower()
        self.unsupported: str | None = None
        self._z: Any = None
        self._deflate = False
        if enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj()
            self._deflate = True
        elif enc not in ("", "identity"):
            self.unsupported = enc

    def decode(self, chunk: bytes) -> bytes:
        if self._z is None or not chunk:
            return chunk
        try:
            return self._z.decompress(chunk)
        except zlib.error:
            if self._deflate:  # raw deflate without the zlib header
                self._z, self._deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self._z.decompress(chunk)
            raise

    def flush(self) -> bytes:
        return self._z.flush() if self._z is not None else b""


def _narrow_accept_encoding(value: str) -> str:
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    kept = [t for t in tokens if t.split(";", 1)[0].strip().lower() in _DECODABLE]
    return ", ".join(kept) if kept else "identity"


def _forward_headers(raw: list[tuple[bytes, bytes]], key_rewrite: tuple[str, str] | None) -> list[tuple[str, str]]:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    extra_hop = {t.strip().lower() for k, v in headers if k.lower() == "connection" for t in v.split(",")}
    out: list[tuple[str, str]] = []
    for k, v in headers:
        lk = k.lower()
        if lk in HOP_BY_HOP or lk in extra_hop or lk in ("host", "content-length"):
            continue
        if lk == "accept-encoding":
            v = _narrow_accept_encoding(v)
        if key_rewrite and lk == "x-goog-api-key" and v == key_rewrite[0]:
            v = key_rewrite[1]
        out.append((k, v))
    return out


def _rewrite_query(query: str, key_rewrite: tuple[str, str] | None) -> str:
    if not key_rewrite or key_rewrite[0] not in query:
        return query
    from urllib.parse import parse_qsl, urlencode

    pairs = [(k, key_rewrite[1] if k == "key" and v == key_rewrite[0] else v)
             for k, v in parse_qsl(query, keep_blank_values=True)]
    return urlencode(pairs)


def _answer_headers(resp: httpx.Response, *, streamed: bool) -> list[tuple[bytes, bytes]]:
    out = []
    for k, v in resp.headers.multi_items():
        lk = k.lower()
        if lk in HOP_BY_HOP or lk == "content-length":
            continue
        out.append((k.encode("latin-1"), v.encode("latin-1")))
    return out


def _error(status: int, message: str, code: str) -> Response:
    return JSONResponse({"error": {"code": status, "message": message, "status": code}}, status_code=status)


class _PassThrough(Response):
    """Streams an upstream answer to the client chunk by chunk, judging each chunk first.

    A client that hangs up is noticed at once (a watcher on ``receive``), the
    upstream read is stopped and the exchange closed as cut short by the
    client, not as a server fault.
    """

    def __init__(self, upstream: httpx.Response, ctx: ExchangeContext) -> None:
        self.upstream = upstream
        self.ctx = ctx
        self.status_code = upstream.status_code
        self.raw_headers = _answer_headers(upstream, streamed=True)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = self.ctx
        decoder = _Decoder(self.upstream.headers.get("content-encoding"))
        ctx.start_stream(self.upstream.headers.get("content-type", ""))
        state = {"complete": False, "error": None}

        async def pump() -> None:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            try:
                async for chunk in self.upstream.aiter_raw():
                    if not chunk:
                        continue
                    try:
                        ctx.feed(decoder.decode(chunk))
                    except zlib.error as exc:
                        state["error"] = f"cannot decode the answer for checking: {exc}"
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                ctx.feed(decoder.flush())
                state["complete"] = True
            except httpx.HTTPError as exc:
                state["error"] = f"the upstream broke mid-stream: {type(exc).__name__}: {exc}"
                return
            # judged before the client sees the end: whoever reads the violations next finds this exchange
            ctx.finish_stream(upstream_complete=True, error=state["error"])  # type: ignore[arg-type]
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return

        pump_task = asyncio.ensure_future(pump())
        watch_task = asyncio.ensure_future(watch())
        client_gone = True
        try:
            done, _ = await asyncio.wait({pump_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
            client_gone = pump_task not in done
        finally:
            for task in (pump_task, watch_task):
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            ctx.finish_stream(upstream_complete=bool(state["complete"]), client_gone=client_gone,
                              error=state["error"])  # type: ignore[arg-type]
            with contextlib.suppress(Exception):
                await asyncio.shield(self.upstream.aclose())
        if state["error"] and not state["complete"] and not client_gone:
            # end the client's connection the way the upstream ended ours: abruptly
            raise UpstreamBroke(str(state["error"]))


class UpstreamBroke(ConformanceError):
    """The upstream broke off a streamed answer; the client's connection is cut the same way."""


def create_proxy_app(upstream_url: str, *, recorder: ProxyRecorder | None = None, revision: str | None = None,
                     schema: str | None = None, strictness=None, report_dir: str | Path | None = None,
                     expect_auth: bool = True, key_rewrite: tuple[str, str] | None = None,
                     timeout: httpx.Timeout | float | None = None, write_report_on_shutdown: bool = False,
                     on_exchange: Callable | None = None, transport: httpx.AsyncBaseTransport | None = None,
                     target_name: str = "proxy") -> Starlette:
    """A Starlette app that forwards to ``upstream_url`` and judges both directions.

    ``revision`` is the revision of requests without an Api-Revision header.
    ``expect_auth``: judge ``auth.key.required`` (a keyless request the server
    accepts); turn it off for an upstream that checks no keys.
    ``key_rewrite=(placeholder, real)`` swaps a placeholder key the client
    sends for the real one on the way upstream (the client never holds the
    real key). The recorder is ``app.state.recorder``.
    """
    upstream = upstream_url.rstrip("/")
    if not upstream.startswith(("http://", "https://")):
        raise ValueError(f"upstream {upstream_url!r} is not an http(s) URL")
    install_log_redaction()  # httpx logs every upstream URL (with ?key=) at INFO
    rec = recorder or ProxyRecorder(upstream_url=upstream, revision=revision, schema=schema, strictness=strictness,
                                    expect_auth=expect_auth, on_exchange=on_exchange, target_name=target_name)
    if key_rewrite:
        rec.add_secret(key_rewrite[0])
        rec.add_secret(key_rewrite[1])
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    elif not isinstance(timeout, httpx.Timeout):
        timeout = httpx.Timeout(timeout)
    timeouts = timeout.as_dict()
    holder: dict[str, httpx.AsyncClient] = {}

    def client() -> httpx.AsyncClient:
        if "client" not in holder:
            holder["client"] = httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport,
                                                 limits=httpx.Limits(max_connections=200, max_keepalive_connections=20))
        return holder["client"]

    async def violations(request: Request) -> Response:
        return Response(orjson.dumps(rec.violations_json()), media_type="application/json")

    async def report(request: Request) -> Response:
        target = report_dir or "reports"  # never a path the caller names: the proxy may face other hosts
        try:
            run_dir = await asyncio.to_thread(rec.write_report, target)
        except Exception as exc:  # noqa: BLE001 - answered, not raised
            return _error(500, f"iconf proxy: writing the report failed: {exc}", "INTERNAL")
        data = rec.violations_json()
        return JSONResponse({"run_dir": str(run_dir), "exchanges": data["exchanges"], "must": data["must"],
                             "should": data["should"], "unjudged": data["unjudged"],
                             "exit_code": 1 if data["must"] or data["unjudged"] else 0})

    async def forward(request: Request) -> Response:
        scope = request.scope
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path)
        query = scope.get("query_string", b"").decode("latin-1")
        body = await request.body()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        ctx = rec.begin(request.method, scope["path"], query, headers, body)
        q = _rewrite_query(query, key_rewrite)
        url = f"{upstream}{path}" + (f"?{q}" if q else "")
        req = httpx.Request(request.method, url, headers=_forward_headers(scope["headers"], key_rewrite),
                            content=body if body or request.method in ("POST", "PUT", "PATCH") else None,
                            extensions={"timeout": timeouts})
        try:
            resp = await client().send(req, stream=True)
        except httpx.HTTPError as exc:
            ctx.fail(f"the upstream did not answer: {type(exc).__name__}: {exc}")
            return _error(502, f"iconf proxy: the upstream did not answer ({type(exc).__name__})", "UNAVAILABLE")
        ctx.response_started(resp.status_code, resp.headers.multi_items())
        if ctx.is_stream_answer(resp.status_code, resp.headers.get("content-type", "")):
            return _PassThrough(resp, ctx)
        decoder = _Decoder(resp.headers.get("content-encoding"))
        raw = bytearray()
        decoded = bytearray()
        try:
            async for chunk in resp.aiter_raw():
                raw += chunk
                if len(raw) > MAX_BODY:
                    raise httpx.DecodingError(f"the answer is larger than {MAX_BODY} bytes")
                decoded += decoder.decode(chunk)
            decoded += decoder.flush()
        except (httpx.HTTPError, zlib.error) as exc:
            ctx.fail(f"the upstream broke while answering: {type(exc).__name__}: {exc}")
            return _error(502, f"iconf proxy: the upstream broke while answering ({type(exc).__name__})",
                          "UNAVAILABLE")
        finally:
            await resp.aclose()
        ctx.finish_body(bytes(decoded))
        answer = Response(content=bytes(raw), status_code=resp.status_code)
        answer.raw_headers = _answer_headers(resp, streamed=False) + [
            (b"content-length", str(len(raw)).encode())]
        return answer

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            if "client" in holder:
                await holder.pop("client").aclose()
            if write_report_on_shutdown:
                await asyncio.to_thread(rec.write_report, report_dir or "reports")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(routes=[
        Route("/__iconf/violations", violations, methods=["GET"]),
        Route("/__iconf/report", report, methods=["GET", "POST"]),
        Route("/{path:path}", forward, methods=methods),
    ], lifespan=lifespan)
    app.state.recorder = rec
    app.state.upstream_url = upstream
    return app
