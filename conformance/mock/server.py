"""Running the app: ``serve`` (blocking, for the CLI) and ``MockServer`` (a context manager for tests).

MockServer binds the socket itself (port 0 -> a free loopback port), so the
port is known before uvicorn starts and two test runs never race for one.
uvicorn runs in a daemon thread; leaving the context asks it to exit and
waits a bounded time, forcing the exit if a client still holds a stream.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import create_app
from .config import MockConfig


def serve(config: MockConfig, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Run a mock server in the foreground until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, lifespan="off")


class MockServer:
    """``with MockServer(MockConfig()) as server: httpx.get(server.base_url + "/v1beta/...")``."""

    def __init__(self, config: MockConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                 start_timeout: float = 10.0, stop_timeout: float = 5.0) -> None:
        self.config = config or MockConfig()
        self.host, self.port = host, port
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.app = create_app(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.config.base_path}"

    def start(self) -> MockServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._sock = sock
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"iconf-mock-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mock server did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(self.stop_timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(self.stop_timeout)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
