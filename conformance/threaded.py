"""Serve any ASGI app with uvicorn on a loopback port in a daemon thread (tests, the suite, the proxy).

Shared by the mock server and the validating proxy: neither imports the other.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import uvicorn

__all__ = ["ThreadedServer"]


class ThreadedServer:
    """Any ASGI app served by uvicorn on ``host`` (loopback by default) in a daemon thread.

    The socket is bound before the thread starts, so ``port`` (0 = a free
    one) is known at once; ``start`` returns once the server accepts
    connections, or raises after ``startup_timeout`` seconds.
    """

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 15.0,
                 graceful_timeout: float = 3.0, lifespan: str = "on") -> None:
        self.app = app
        self.lifespan = lifespan
        self.host = host
        self.requested_port = port
        self.startup_timeout = startup_timeout
        self.graceful_timeout = graceful_timeout
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ThreadedServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit this on Linux: without it every keep-alive request waits ~40 ms
        # (Nagle + delayed ACK), which made every loopback test several times slower than the server
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.requested_port))
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan=self.lifespan, server_header=False,
                                date_header=False, timeout_graceful_shutdown=self.graceful_timeout,
                                access_log=False)
        self._server = uvicorn.Server(config)

        def run() -> None:
            try:
                asyncio.run(self._server.serve(sockets=[sock]))
            except BaseException as exc:  # noqa: BLE001 - reported by start()/stop()
                self._error = exc

        self._thread = threading.Thread(target=run, name=f"iconf-server-{self.port}", daemon=True)
        self._thread.start()
        deadline = self.startup_timeout
        step = 0.01
        waited = 0.0
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"the server did not start: {self._error!r}")
            if waited >= deadline:
                self.stop()
                raise TimeoutError(f"the server did not start within {deadline} s")
            threading.Event().wait(step)
            waited += step
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
