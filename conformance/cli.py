"""``iconf``: the command line.

Each subcommand lives in its own module and registers itself with
``register(subparsers)``; this file only wires them together and turns
expected failures into exit code 2 with one clear line (no tracebacks).

Exit codes (a contract scripts rely on): 0 conforming, 1 a MUST rule failed,
2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .clitools import add_profile_options, print_violations, schemas_from_args
from .errors import InputError, UsageError
from .profiles import PROFILES, UnknownRevisionError, get_profile
from .rules import RULES

#: modules that add a subcommand, in help order
_SUBCOMMANDS = (
    "conformance.suite.cli",
    "conformance.mock.cli",
    "conformance.proxy.cli",
    "conformance.sdk.cli",
    "conformance.cassettes.cli",
    "conformance.drift.cli",
)


# --- iconf validate --------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    from .checks.document import DocumentError, validate_document

    schemas = schemas_from_args(args)
    worst = 0
    for name in args.files:
        data = _read_input(name, args.max_size)
        try:
            kind, violations = validate_document(schemas, data, args.kind)
        except DocumentError as exc:
            raise UsageError(f"{name}: {exc}") from None
        except RecursionError:
            raise UsageError(f"{name}: nests too deep to be judged") from None
        except MemoryError:
            raise UsageError(f"{name}: too large to be judged in memory (see --max-size)") from None
        must = [v for v in violations if v.level == "MUST"]
        verdict = "FAIL" if must else "ok"
        print(f"{name}: {kind} ({schemas.profile.name}): {verdict}"
              + (f", {len(must)} MUST / {len(violations) - len(must)} SHOULD violations" if violations else ""))
        print_violations(violations, prefix="  ")
        if must:
            worst = 1
            hint = _revision_hint(args, schemas, data, kind, len(must))
            if hint:
                print(f"  hint: {hint}")
    return worst


def _read_input(name: str, limit: int) -> bytes:
    """A file's bytes (or stdin's), at most ``limit``: more is a usage error, not a slow death."""
    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(name, "rb") as fh:
                data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise UsageError(f"{name}: larger than the size limit (--max-size {limit} bytes)")
    return data


def _revision_hint(args: argparse.Namespace, schemas, data: bytes, kind: str, must: int) -> str | None:
    """When no revision was chosen and the document conforms to another one, say so (it is probably that one)."""
    from .checks.document import DocumentError, validate_document

    if args.revision or args.schema:
        return None
    for name in PROFILES:
        if name == schemas.profile.name:
            continue
        try:
            _, other = validate_document(schemas_from_args(args, name), data, kind)
        except (DocumentError, UsageError):
            continue
        if not [v for v in other if v.level == "MUST"]:
            return (f"the document conforms to revision {name} ({must} MUST violations under "
                    f"{schemas.profile.name}, the default): pass --revision {name}")
    return None


def _register_validate(sub) -> None:
    p = sub.add_parser("validate", help="validate JSON payloads or captured event streams",
                       description="Validate documents against a revision profile. Exit 0 if all conform, "
                                   "1 if any MUST rule fails, 2 on usage errors or unreadable input.")
    add_profile_options(p)
    p.add_argument("--kind", choices=["request", "interaction", "stream", "error"], default=None,
                   help="what each FILE is (detected when omitted)")
    p.add_argument("--max-size", type=_size, default="256M", metavar="SIZE",
                   help="largest document read (bytes; K/M/G suffixes; default 256M)")
    p.add_argument("files", nargs="+", metavar="FILE", help="JSON document or text/event-stream transcript ('-' = stdin)")
    p.set_defaults(func=_cmd_validate)


def _size(text: str) -> int:
    from .suite.options import size

    return size(text)


# --- iconf rules -----------------------------------------------------------------------------------


def _cmd_rules(args: argparse.Namespace) -> int:
    rules = list(RULES)
    if args.revision:
        try:
            names = [get_profile(r).name for r in args.revision.split(",")] if args.revision != "all" else list(PROFILES)
        except UnknownRevisionError as exc:
            raise UsageError(str(exc)) from None
        rules = [r for r in rules if any(n in r.revisions for n in names)]
    if args.format == "markdown":
        print(rules_markdown(rules))
        return 0
    width = max(len(r.id) for r in rules)
    for r in rules:
        revs = "" if len(r.revisions) == len(PROFILES) else f" [{', '.join(r.revisions)}]"
        print(f"{r.id:<{width}}  {r.level:<6}  {r.party:<6}  {r.statement}{revs}")
    return 0


def rules_markdown(rules=None) -> str:
    """The catalogue as a Markdown table (docs/rules.md is generated from this)."""
    lines = [
        "| ID | Level | Judges | Fault | Revisions | Statement | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules if rules is not None else RULES:
        lines.append(f"| `{r.id}` | {r.level} | {r.party} | {'yes' if r.fault else '-'} | "
                     f"{', '.join(r.revisions)} | {r.statement.replace('|', '/')} | {r.source} |")
    return "\n".join(lines)


def _register_rules(sub) -> None:
    p = sub.add_parser("rules", help="list the rule catalogue")
    p.add_argument("--revision", default=None, help="only rules of these revisions (comma list or all)")
    p.add_argument("--format", choices=["text", "markdown"], default="text")
    p.set_defaults(func=_cmd_rules)


# --- main ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iconf", description="Conformance suite for the Gemini Interactions API.")
    parser.add_argument("--version", action="version", version=f"iconf {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND")  # not "command": `iconf client` has one
    _register_validate(sub)
    _register_rules(sub)
    for module in _SUBCOMMANDS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue  # that part of the package is not built in this checkout
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .suite.options import glue_dash_values

    parser = build_parser()
    args = parser.parse_args(glue_dash_values(list(sys.argv[1:] if argv is None else argv)))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UsageError, InputError) as exc:
        print(f"iconf {args.subcommand}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `iconf rules | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
