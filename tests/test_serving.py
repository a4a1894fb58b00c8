"""Every server the project starts answers keep-alive clients without Nagle's 40 ms wait (conformance.threaded)."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import httpx

import conformance
from conformance.mock import MockConfig, MockServer
from conformance.threaded import NoDelayH11Protocol, listen_socket

PACKAGE = Path(conformance.__file__).resolve().parent


def test_accepted_connections_have_tcp_nodelay():
    with MockServer(MockConfig()) as server, httpx.Client() as client:
        assert client.get(server.base_url + "/v1beta/interactions/nope").status_code == 404  # a kept-alive connection
        protocols = list(server._server.server_state.connections)
        assert protocols and all(isinstance(p, NoDelayH11Protocol) for p in protocols)
        for p in protocols:
            sock = p.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_every_uvicorn_server_in_the_package_uses_the_nodelay_protocol():
    """uvicorn.run / uvicorn.Config anywhere in the package must pass http=NoDelayH11Protocol."""
    missing = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id == "uvicorn" and \
                    node.func.attr in ("run", "Config"):
                http = next((k.value for k in node.keywords if k.arg == "http"), None)
                if not (isinstance(http, ast.Name) and http.id == "NoDelayH11Protocol"):
                    missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not missing, f"uvicorn started without http=NoDelayH11Protocol at {missing}"


def test_listen_socket_reports_a_busy_port_as_oserror():
    first = listen_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        try:
            second = listen_socket("127.0.0.1", port)
        except OSError:
            pass
        else:  # SO_REUSEADDR lets some kernels bind twice only when nobody listens: here someone does
            second.close()
            raise AssertionError("a second listener on a busy port was allowed")
    finally:
        first.close()
