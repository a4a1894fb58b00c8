"""Serving an ASGI app with uvicorn: the listening socket, the connection protocol, and a server in a thread.

Shared by the mock server, the validating proxy and the benchmarks (none imports another), so each of them
binds and answers the same way:

* :func:`listen_socket` binds before anything is printed or started, so a busy port is one clear error;
* :class:`NoDelayH11Protocol` (pass it as uvicorn's ``http=``) turns Nagle's algorithm off on every
  connection. uvicorn writes a response's head and body separately and does not set ``TCP_NODELAY``; with
  a keep-alive client (every SDK) the body then waits for the delayed ACK of the head, ~40 ms a request on
  Linux: ``iconf mock`` answered 23 requests/s on one connection and 1 600/s with it;
* :class:`ThreadedServer` runs one in a daemon thread for tests and the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol", "ThreadedServer", "listen_socket"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY`` set on each accepted TCP connection (see the module doc)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # a connection already reset: uvicorn finds out on its own
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def listen_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port), inheritable by worker processes.

    Raises ``OSError`` when the port is taken or not allowed (and ``OverflowError`` for a port out of range).
    """
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


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
        sock = listen_socket(self.host, self.requested_port)
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, http=NoDelayH11Protocol, log_level="warning", lifespan=self.lifespan,
                                server_header=False,
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
