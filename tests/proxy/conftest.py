"""Fixtures: the mock (with a required key) and the validating proxy in front of it, all on loopback."""

from __future__ import annotations

import httpx
import pytest

from conformance.mock import MockConfig, MockServer
from conformance.proxy import ProxyServer

KEY = "iconf-canary-proxytests0123456789"
MODEL = "gemini-2.5-flash"
TOOL = {"type": "function", "name": "get_weather", "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


@pytest.fixture
def start_proxy(tmp_path):
    """Factory: start_proxy(**MockConfig fields, proxy=dict(...)) -> ProxyServer in front of a fresh mock."""
    stack = []

    def factory(proxy: dict | None = None, **mock_config):
        mock_config.setdefault("api_key", KEY)
        mock_config.setdefault("background_delay_s", 0.05)
        mock = MockServer(MockConfig(**mock_config)).start()
        stack.append(mock)
        options = {"report_dir": tmp_path / "reports", **(proxy or {})}
        server = ProxyServer(mock.base_url, **options).start()
        stack.append(server)
        return server

    yield factory
    for server in reversed(stack):
        server.stop()


@pytest.fixture
def proxy(start_proxy):
    return start_proxy()


@pytest.fixture
def http(proxy):
    """A conforming raw client of the proxy: key header, JSON bodies, bounded timeouts."""
    with httpx.Client(base_url=proxy.base_url, headers={"x-goog-api-key": KEY}, timeout=10) as client:
        yield client


def rule_ids(violations, party=None):
    return sorted({v["rule_id"] for v in violations if party is None or v["party"] == party})
