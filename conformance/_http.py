"""The one way the suite opens an HTTP transport to a target: the environment's proxy, one TLS context.

Every ``httpx.HTTPTransport()`` builds its own ``ssl.SSLContext`` and loads the
whole CA bundle into it (~50 ms with a system bundle), even for a plain
``http://`` URL. A conformance run opens a transport per scenario, so that
was 156 loads and seconds of CPU per offline run (found with cProfile). The
context is built once per process, with the same arguments httpx would use
(``verify=True``, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured), and shared: a
context is safe to share between connections and threads.

Both the target client (``targets``) and the cassette recorder
(``cassettes``) come here, so the proxy rule for each target is written once.
"""

from __future__ import annotations

import functools
import ssl
import urllib.request

import httpx

__all__ = ["env_proxy", "http_transport", "tls_context"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def env_proxy(base_url: str) -> str | None:
    """The *_PROXY proxy for ``base_url`` (None for loopback hosts and NO_PROXY matches)."""
    parts = httpx.URL(base_url)
    host = parts.host or ""
    if host in _LOOPBACK or urllib.request.proxy_bypass_environment(host):
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(parts.scheme) or proxies.get("all")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's TLS client context (certificates verified, as httpx's default), built once."""
    return httpx.create_ssl_context(verify=True, trust_env=True)


def http_transport(base_url: str = "") -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` for ``base_url`` through the environment's proxy (if one applies), verifying
    TLS with the shared context."""
    proxy = env_proxy(base_url) if base_url else None
    return httpx.HTTPTransport(proxy=proxy, verify=tls_context())
