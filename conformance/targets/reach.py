"""Is anything listening? One TCP connect before any scenario, so a wrong URL costs seconds, not a run."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from ..errors import TargetUnreachable

#: seconds the pre-check waits for a TCP connection
REACH_TIMEOUT_S = 5.0


def check_reachable(base_url: str, timeout_s: float = REACH_TIMEOUT_S) -> None:
    """Raise :class:`TargetUnreachable` with one clear line when nothing accepts connections at ``base_url``.

    Only the TCP connection is tried (no HTTP request is spent): a target that
    accepts and then never answers is the run's circuit breaker's to handle.
    """
    parts = urlsplit(base_url)
    host = parts.hostname
    if not host:
        raise TargetUnreachable(f"{base_url!r} names no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetUnreachable(f"{base_url!r}: {exc}") from None
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except socket.gaierror as exc:
        raise TargetUnreachable(f"{host}: the name does not resolve ({exc.strerror or exc})") from None
    except TimeoutError:
        raise TargetUnreachable(f"{host}:{port}: no TCP connection within {timeout_s:g}s") from None
    except OSError as exc:
        raise TargetUnreachable(f"{host}:{port}: {exc.strerror or exc}") from None
