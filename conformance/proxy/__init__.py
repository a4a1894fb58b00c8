"""The validating proxy: sits between any client and any Interactions API server and judges both.

``create_proxy_app(upstream_url, ...)`` gives the Starlette app;
``ProxyServer(upstream_url, ...)`` runs one on a loopback port (tests, the
SDK harness); ``iconf proxy`` runs one from the command line. See docs/sdk.md.
"""

from .app import create_proxy_app
from .recorder import ExchangeRecord, ProxyRecorder, revision_for_header
from .server import ProxyServer, ThreadedServer

__all__ = ["ExchangeRecord", "ProxyRecorder", "ProxyServer", "ThreadedServer", "create_proxy_app",
           "revision_for_header"]
