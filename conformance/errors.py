"""Every exception the package raises on purpose, under one base: :class:`ConformanceError`.

Catch ``ConformanceError`` to handle anything the tools report about how
they were used or what they were given; catch a branch to be specific.
Where an error is also naturally a built-in kind it subclasses that too
(``UnknownRevisionError`` is a ``ValueError``, ``UnknownRuleError`` a
``KeyError``, ``NetworkBlockedError`` an ``OSError``), so code written
against the built-ins keeps working, as httpx does::

    ConformanceError
    ├── UsageError                 how a command or the plugin was called: one line, exit 2
    │   ├── UnknownRevisionError   (ValueError) a revision name no profile has
    │   ├── UnknownRuleError       (KeyError)   a rule ID the catalogue lacks
    │   ├── UnknownFaultError      (ValueError) a mock fault that does not exist
    │   ├── UnknownCaseError       (ValueError) a robustness case that does not exist
    │   └── TargetSpecError        (ValueError) a target that cannot be set up as asked (no key for live, ...)
    ├── InputError                 what the tools were given cannot be read: exit 2
    │   ├── SchemaLoadError        (ValueError) an OpenAPI document
    │   ├── DocumentError          (ValueError) a payload or stream given to ``iconf validate``
    │   ├── CassetteFormatError    (ValueError) a cassette file
    │   └── drift DocumentError    (ValueError) an OpenAPI document ``iconf schema diff`` cannot read
    │                              (defined in conformance.drift.loader)
    ├── TargetError                talking to the target went wrong (not a verdict about it: could not judge)
    │   ├── TargetOpenError        the target could not be opened: a set-up error, reported once, exit 2
    │   │   └── TargetUnreachable  nothing accepts connections at the target's address (checked first)
    │   ├── TargetLimitExceeded    an answer passed a limit (--max-body, --max-event, JSON nesting)
    │   ├── TargetUnresponsive     the circuit breaker is open or the run deadline (--deadline) passed
    │   ├── BudgetExhausted        the run's request budget (--max-requests) is spent
    │   ├── NetworkBlockedError    (OSError) a replay tried to reach the network
    │   └── CassetteMiss           (httpx.TransportError) a replayed request has no recording
    │                              (defined in conformance.cassettes.transport: it needs httpx)
    ├── SecretLeakError            (RuntimeError) a key would have been written to disk
    ├── SdkInstallError            (RuntimeError) an SDK version could not be installed
    ├── ApiError                   (conformance.mock.errors) an error answer the mock sends; never leaves the mock
    └── UpstreamBroke              (conformance.proxy.app) the upstream broke off a stream; never leaves the proxy

A rule violation is not an exception: checkers return
:class:`~conformance.rules.Violation` values.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of every error the package raises on purpose."""


class UsageError(ConformanceError):
    """A mistake in how a command or the plugin was called: printed as one line, exit 2."""


class UnknownRevisionError(UsageError, ValueError):
    """A revision name that no profile (or alias) has."""


class UnknownRuleError(UsageError, KeyError):
    """A rule ID the catalogue does not define; the message lists near matches."""

    def __str__(self) -> str:  # KeyError quotes its message; a usage error reads as a sentence
        return str(self.args[0]) if self.args else ""


class UnknownFaultError(UsageError, ValueError):
    """A mock fault name that does not exist."""


class UnknownCaseError(UsageError, ValueError):
    """A robustness case name that does not exist."""


class TargetSpecError(UsageError, ValueError):
    """A target that cannot be set up as asked (no key for live, unknown name)."""


class InputError(ConformanceError):
    """Input the tools were given cannot be read or parsed: exit 2."""


class SchemaLoadError(InputError, ValueError):
    """An OpenAPI document that cannot be read or used."""


class DocumentError(InputError, ValueError):
    """A document given to ``iconf validate`` that cannot be read as the kind asked for."""


class CassetteFormatError(InputError, ValueError):
    """A cassette file that cannot be read."""


class TargetError(ConformanceError):
    """The target could not be reached or did not answer in time: the scenario errors, the run goes on."""


class TargetOpenError(TargetError):
    """The target could not be opened (no key, no cassettes, a port in use): a set-up error, reported once."""


class TargetUnreachable(TargetOpenError):
    """Nothing accepts connections at the target's address (checked once, before any scenario)."""


class TargetLimitExceeded(TargetError):
    """An answer went past one of the suite's limits (--max-body, --max-event, nesting depth): not judged."""


class TargetUnresponsive(TargetError):
    """The run's circuit breaker is open or its deadline (--deadline) has passed: no more requests are sent."""


class BudgetExhausted(TargetError):
    """The run's request budget is spent; the scenario is skipped, not failed."""


class NetworkBlockedError(TargetError, OSError):
    """A replay tried to reach the network."""


class SecretLeakError(ConformanceError, RuntimeError):
    """A key would have been written to disk (a cassette, a report): refused."""


class SdkInstallError(ConformanceError, RuntimeError):
    """An SDK version could not be installed into its environment."""


__all__ = [
    "BudgetExhausted", "CassetteFormatError", "ConformanceError", "DocumentError", "InputError",
    "NetworkBlockedError", "SchemaLoadError", "SdkInstallError", "SecretLeakError", "TargetError",
    "TargetLimitExceeded", "TargetOpenError", "TargetSpecError", "TargetUnreachable", "TargetUnresponsive",
    "UnknownCaseError", "UnknownFaultError", "UnknownRevisionError", "UnknownRuleError", "UsageError",
]
