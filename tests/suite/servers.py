"""Small misbehaving servers for the suite's own tests: the reference mock behind an ASGI wrapper that
rewrites each request the way a third-party server would behave (forgets directives, answers at random,
knows one model only). Loopback, port 0, bounded in time like every server in the tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.mock import MockConfig, create_app
from conformance.threaded import ThreadedServer

#: (method, path, headers, body) -> (headers, body) or a ready answer (status, json body)
Rewrite = Callable[[str, str, dict[str, str], bytes], "tuple[dict[str, str], bytes] | tuple[int, Any]"]


class WrappedMock:
    """The reference mock with every request passed through ``rewrite`` first (an ASGI wrapper)."""

    def __init__(self, rewrite: Rewrite, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.inner = create_app(self.config)
        self.rewrite = rewrite
        self.lock = threading.Lock()

        async def app(scope, receive, send) -> None:  # a plain coroutine function: uvicorn then speaks ASGI 3
            await self._app(scope, receive, send)

        self.server = ThreadedServer(app, startup_timeout=10.0, graceful_timeout=1.0, lifespan="off")

    async def _app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with self.lock:
            out = self.rewrite(scope["method"], scope["path"], headers, body)
        if isinstance(out[0], int):
            status, payload = out
            raw = json.dumps(payload).encode()
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
            await send({"type": "http.response.body", "body": raw})
            return
        new_headers, new_body = out
        new_headers = {k: v for k, v in new_headers.items() if k != "content-length"}
        new_headers["content-length"] = str(len(new_body))
        scope = {**scope, "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in new_headers.items()]}
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": new_body, "more_body": False}

        await self.inner(scope, replay, send)

    @property
    def base_url(self) -> str:
        return self.server.base_url + self.config.base_path

    def __enter__(self) -> WrappedMock:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(5.0)


def iconf_run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", "run", *args], capture_output=True, text=True,
                          timeout=timeout)


def summary(report_dir: Path) -> dict:
    paths = sorted(report_dir.glob("2*/summary.json"))
    return json.loads(paths[-1].read_text()) if paths else {}


# --- a server that answers like a real model: no [iconf: ...] directives, but the request's own features -----

_DIRECTIVE = re.compile(r"\[\s*iconf:[^\]]*\]\s*", re.IGNORECASE)
_TOOL_DIRECTIVES = ("google_search", "code_execution", "url_context")


def _features(request: dict) -> list[str]:
    """What a real model would produce for this request: a forced function call, tool calls, thoughts, media."""
    out: list[str] = []
    config = request.get("generation_config") if isinstance(request.get("generation_config"), dict) else {}
    tools = [t for t in request.get("tools") or [] if isinstance(t, dict)]
    if config.get("tool_choice") == "any" and any(t.get("type") == "function" for t in tools):
        out.append("function_call")
    out += [t["type"] for t in tools if t.get("type") in _TOOL_DIRECTIVES]
    if config.get("thinking_level"):
        out.append("thought")
    out += [m for m in request.get("response_modalities") or [] if m in ("image", "audio")]
    return out


def _strip(value):
    if isinstance(value, str):
        return _DIRECTIVE.sub("", value)
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    return value


def real_model_like(method, path, headers, body):
    """Directives the client sent are stripped (this server does not know them); the mock behind is then steered
    by the request's own features, as a real model would be by tool_choice, tools, thinking_level and modalities."""
    if method != "POST" or not path.endswith("/interactions"):
        return headers, body
    try:
        request = json.loads(body)
    except ValueError:
        return headers, body
    if not isinstance(request, dict):
        return headers, body
    request = _strip(request)
    wanted = _features(request)
    if wanted and isinstance(request.get("input"), str):
        request["input"] = f"[iconf: {', '.join(wanted)}] " + request["input"]
    return headers, json.dumps(request).encode()


def skipped_scenarios(report: dict) -> dict[str, str]:
    return {s["nodeid"]: s.get("skip_reason") or "" for s in report.get("scenarios", []) if s["outcome"] == "skipped"}
