"""The reference mock server of the Interactions API (both revisions), with fault injection.

``create_app(MockConfig(...))`` gives an ASGI app; ``MockServer`` runs one on
a loopback port in a background thread; ``iconf mock`` runs one from the
command line. See docs/mock.md. This package reads ``conformance.profiles``
and ``conformance.rules`` (data only) and never imports a checker.
"""

from .app import create_app
from .config import MockConfig
from .faults import FAULTS, UnknownFaultError
from .server import MockServer, serve

__all__ = ["FAULTS", "MockConfig", "MockServer", "UnknownFaultError", "create_app", "serve"]
