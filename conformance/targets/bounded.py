"""Bounded I/O under httpx: one total deadline per request, enforced at the socket.

httpx's timeouts apply to each read, so a server that drips one byte a second
never times out. :class:`Deadline` is the time left for the request in flight
(connect + headers + the whole body); :class:`DeadlineBackend` wraps httpcore's
network backend so every connect, write and read waits at most that long, and
fails with a timeout once it is spent. The client sets the deadline before it
sends and clears it when the answer has been read.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

from .._http import http_transport


class Deadline:
    """The monotonic instant the request in flight must be done by (None: no deadline)."""

    __slots__ = ("at", "what")

    def __init__(self) -> None:
        self.at: float | None = None
        self.what = ""

    def set(self, seconds: float | None, what: str, *, cap: float | None = None) -> None:
        at = None if seconds is None else time.monotonic() + seconds
        if cap is not None:
            at = cap if at is None else min(at, cap)
        self.at, self.what = at, what

    def clear(self) -> None:
        self.at = None

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to the time left; a spent deadline is a timeout now."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout(f"the {self.what} passed")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.bound(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.bound(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, self._deadline.bound(timeout)),
                       self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every socket operation bounded by a :class:`Deadline`."""

    def __init__(self, deadline: Deadline, inner: httpcore.NetworkBackend | None = None) -> None:
        self._deadline = deadline
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, self._deadline.bound(timeout), local_address, socket_options)
        return _Stream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:  # pragma: no cover
        return _Stream(self._inner.connect_unix_socket(path, self._deadline.bound(timeout), socket_options),
                       self._deadline)

    def sleep(self, seconds: float) -> None:  # pragma: no cover - used by httpcore's connect retries only
        self._inner.sleep(seconds)


def bounded_transport(deadline: Deadline, base_url: str = "") -> httpx.HTTPTransport:
    """A transport from :func:`conformance._http.http_transport` whose sockets honour ``deadline``.

    httpx does not expose httpcore's ``network_backend``; the pool's attribute
    is set after construction (checked, so a changed httpcore degrades to the
    per-chunk deadline check the client also does, never to an error).
    """
    transport = http_transport(base_url)
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = DeadlineBackend(deadline, pool._network_backend)
    return transport
