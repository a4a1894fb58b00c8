"""Running the app: ``serve`` (blocking, for the CLI) and ``MockServer`` (a context manager for tests).

MockServer binds the socket itself (port 0 -> a free loopback port), so the
port is known before uvicorn starts and two test runs never race for one.
uvicorn runs in a daemon thread; leaving the context asks it to exit and
waits a bounded time, forcing the exit if a client still holds a stream.
"""

from __future__ import annotations

import base64
import gc
import os
import pickle
import socket

import uvicorn

from .._logsafe import install as install_log_redaction
from ..threaded import NoDelayH11Protocol, ThreadedServer, listen_socket
from .app import create_app
from .config import MockConfig

_CONFIG_ENV = "ICONF_MOCK_CONFIG"


def _warm() -> None:
    """Compile the request validators, then freeze what startup allocated out of the GC's sight.

    Without this the first create of each revision reads the OpenAPI documents while other clients wait,
    and every full collection walks the schemas and modules again (a few percent of each request).
    """
    from ..profiles import PROFILES
    from .reqschema import warm

    warm(PROFILES.values())
    gc.collect()
    gc.freeze()


def worker_app():
    """The app of one ``--workers`` process (uvicorn imports this by name in every child process)."""
    _warm()
    return create_app(pickle.loads(base64.b64decode(os.environ[_CONFIG_ENV])))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one); OSError when the port is taken or not allowed.

    Binding before saying "serving on ..." means a busy port is reported
    as the only line, not after a success message.
    """
    return listen_socket(host, port)


def serve(config: MockConfig, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info",
          workers: int = 1, sock: socket.socket | None = None) -> None:
    """Run a mock server in the foreground until interrupted (``workers`` > 1 needs ``config.store_path``;
    a single process serves on ``sock`` when given, see :func:`bind`)."""
    if workers > 1:
        if not config.store_path:
            raise ValueError("workers > 1 needs store_path: the workers share state through it")
        # the children are spawned, not forked: they rebuild the config from the environment (never a file)
        os.environ[_CONFIG_ENV] = base64.b64encode(pickle.dumps(config)).decode()
        uvicorn.run("conformance.mock.server:worker_app", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, lifespan="off", http=NoDelayH11Protocol)
        return
    _warm()
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off",
                                           http=NoDelayH11Protocol))
    install_log_redaction()  # after uvicorn configured logging: the access log shows ?key=<redacted>
    server.run(sockets=[sock] if sock is not None else None)


class MockServer(ThreadedServer):
    """``with MockServer(MockConfig()) as server: httpx.get(server.base_url + "/v1beta/...")``."""

    def __init__(self, config: MockConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                 start_timeout: float = 10.0, stop_timeout: float = 5.0) -> None:
        self.config = config or MockConfig()
        super().__init__(create_app(self.config), host=host, port=port, startup_timeout=start_timeout,
                         graceful_timeout=min(stop_timeout, 1.0), lifespan="off")
        self.stop_timeout = stop_timeout

    @property
    def base_url(self) -> str:
        return super().base_url + self.config.base_path

    def stop(self, timeout: float | None = None) -> None:
        super().stop(self.stop_timeout if timeout is None else timeout)

    def __enter__(self) -> MockServer:
        self.start()
        return self
