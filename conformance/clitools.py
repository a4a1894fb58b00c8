"""What every ``iconf`` subcommand shares: profile options, building schemas from them, printing violations.

The root ``cli.py`` and each subcommand module (``suite/cli.py``,
``proxy/cli.py``, ...) import these from here, so no subcommand reaches back
into the root command that loads it. Mistakes raise
:class:`~conformance.errors.UsageError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import sys

from .errors import ConformanceError, UsageError
from .profiles import DEFAULT_REVISION, PROFILES, get_profile
from .rules import Violation
from .schema import SchemaSet, infer_revision, load_document
from .strictness import Strictness, strict_help

__all__ = ["UsageError", "add_profile_options", "plural", "print_violations", "schemas_from_args"]


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 request``, ``2 requests``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def add_profile_options(parser: argparse.ArgumentParser, *, multi: bool = False, default: str | None = None) -> None:
    """--revision, --schema and --strict, shared by every subcommand that judges traffic.

    ``default`` describes what happens without ``--revision`` when that is not the default profile.
    """
    names = ", ".join(PROFILES)
    default = default or f"{DEFAULT_REVISION}, or the one --schema describes"
    parser.add_argument("--revision", default=None,
                        help=f"revision profile: {names}{', all' if multi else ''} (default {default})")
    parser.add_argument("--schema", default=None, metavar="PATH",
                        help="an OpenAPI document (JSON or YAML) to validate against instead of the authored one, "
                             "e.g. the official download")
    parser.add_argument("--strict", action="append", default=[], metavar="KEY=VALUE",
                        help=f"strictness options: {strict_help()} (docs/forward-compatibility.md)")


def schemas_from_args(args: argparse.Namespace, revision: str | None = None) -> SchemaSet:
    """Build the SchemaSet the options ask for, with clear errors."""
    try:
        strict = Strictness.from_options(getattr(args, "strict", []))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    schema = getattr(args, "schema", None)
    rev = revision or getattr(args, "revision", None)
    try:
        if rev is None and schema:
            rev = infer_revision(load_document(schema))
        profile = get_profile(rev)
        return SchemaSet(profile, schema, strict)
    except ConformanceError as exc:
        raise UsageError(str(exc)) from None


def print_violations(violations: list[Violation], *, prefix: str = "", stream=None) -> None:
    """One line per violation (:meth:`Violation.format`), each after ``prefix``."""
    out = stream or sys.stdout
    for v in violations:
        print(f"{prefix}{v.format()}", file=out)
