"""Run the proxy on a loopback port in a background thread: ``with ProxyServer(url) as proxy: ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..threaded import ThreadedServer
from .app import create_proxy_app
from .recorder import ExchangeRecord, ProxyRecorder

__all__ = ["ProxyServer", "ThreadedServer"]


class ProxyServer:
    """The validating proxy in front of ``upstream_url``, on a free loopback port.

    >>> with ProxyServer(mock.base_url, revision="legacy") as proxy:   # doctest: +SKIP
    ...     httpx.post(f"{proxy.base_url}/v1beta/interactions", ...)
    ...     proxy.violations()

    Keyword arguments go to :func:`create_proxy_app`. With ``report_dir`` the
    report is written when the context exits (``.run_dir`` then names it).
    """

    def __init__(self, upstream_url: str, *, host: str = "127.0.0.1", port: int = 0,
                 report_dir: str | Path | None = None, **app_options: Any) -> None:
        self.upstream_url = upstream_url
        self.report_dir = report_dir
        self.app = create_proxy_app(upstream_url, report_dir=report_dir, **app_options)
        self.recorder: ProxyRecorder = self.app.state.recorder
        self._server = ThreadedServer(self.app, host=host, port=port)
        self.run_dir: Path | None = None

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def port(self) -> int | None:
        return self._server.port

    def violations(self, party: str | None = None) -> list[dict]:
        return self.recorder.violations(party)

    def exchanges(self) -> list[ExchangeRecord]:
        return self.recorder.exchanges()

    def write_report(self, report_dir: str | Path | None = None) -> Path:
        target = report_dir or self.report_dir or "reports"
        self.run_dir = self.recorder.write_report(target)
        return self.run_dir

    def start(self) -> ProxyServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        if self.report_dir is not None:
            self.write_report()

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
