"""``iconf schema diff OLD NEW`` and ``iconf drift --sdk SPEC``.

Exit codes follow the rest of iconf: ``schema diff`` exits 1 when a change is breaking (for the
parties ``--fail-on`` names), ``drift`` exits 1 when an SDK has items neither in the profile nor in
its allow-list; both exit 2 on unreadable input or an SDK that cannot be installed.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def _usage_error(exc: Exception):
    from ..errors import UsageError

    return UsageError(str(exc))


# --- iconf drift -------------------------------------------------------------------------------------


def _revision_for(kind: str, version: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    major = version.split(".", 1)[0]
    return "legacy" if major == "1" else "2026-05-20"


def _cmd_drift(args: argparse.Namespace) -> int:
    from ..profiles import UnknownRevisionError, get_profile
    from ..sdk.envs import parse_spec
    from .compare import compare
    from .drift_render import drift_json, drift_text
    from .loader import DocumentError
    from .profile_surface import profile_surface
    from .sdk_surface import SdkInstallError, newest_spec, sdk_surface

    specs = args.sdk or ["google-genai", "@google/genai"]
    worst = 0
    outputs = []
    for spec in specs:
        try:
            kind, package, version = parse_spec(spec)
            if not version:
                spec = newest_spec(kind, package)
                version = parse_spec(spec)[2]
            profile = get_profile(_revision_for(kind, version, args.revision))
            prof = profile_surface(profile, args.schema)  # first: a bad --schema fails before any install
            sdk = sdk_surface(spec, items_field=profile.items_field, block_delta=profile.grammar.block_delta)
        except (ValueError, UnknownRevisionError, SdkInstallError, DocumentError) as exc:
            raise _usage_error(exc) from None
        drift = compare(sdk.surface, prof, profile.drift_allow)
        where = args.schema or f"schemas/{profile.schema_file}"
        header = (f"iconf drift: {sdk.package} {sdk.version} ({sdk.detail}) vs profile {profile.name} "
                  f"({where} + conformance/profiles)")
        if args.format == "json":
            outputs.append(drift_json(drift, meta={"sdk": sdk.package, "version": sdk.version,
                                                   "profile": profile.name, "schema": where}))
        else:
            outputs.append(drift_text(drift, header=header, show_allowed=not args.hide_allowed))
        if not drift.ok:
            worst = 1
    if args.format == "json":
        print("[\n" + ",\n".join(outputs) + "\n]")
    else:
        print("\n\n".join(outputs))
    return worst


def _register_drift(sub) -> None:
    p = sub.add_parser(
        "drift", help="compare the newest SDKs' Interactions types with a profile",
        description="Install an SDK release in the cached SDK environment (.iconf-cache/sdk, as nox -s sdk), read "
                    "its Interactions surface from its typed models (pydantic JSON Schema for google-genai, the "
                    ".d.ts through the TypeScript compiler API for @google/genai) and list what the SDK has that "
                    "the profile lacks and the reverse. Exit 1 if the SDK has items neither in the profile nor in "
                    "its DRIFT_ALLOW list, 0 otherwise, 2 if the SDK cannot be installed or read.")
    p.add_argument("--sdk", action="append", metavar="SPEC",
                   help="google-genai==3.6.1, @google/genai@3.3.0, or a bare package name for its newest release "
                        "(repeatable; default: the newest google-genai and @google/genai)")
    p.add_argument("--revision", default=None,
                   help="profile to compare with (default: legacy for SDK 1.x, 2026-05-20 otherwise)")
    p.add_argument("--schema", default=None, metavar="PATH", help="an OpenAPI document instead of the profile's")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--hide-allowed", action="store_true", help="do not list the allowed (DRIFT_ALLOW) items")
    p.set_defaults(func=_cmd_drift)


# --- iconf schema diff -------------------------------------------------------------------------------


def _cmd_schema_diff(args: argparse.Namespace) -> int:
    from .diff_render import render
    from .loader import DocumentError, load_openapi
    from .openapi_diff import diff_documents

    try:
        old = load_openapi(args.old)
        new = load_openapi(args.new)
        changes = diff_documents(old, new, unreferenced=args.unreferenced)
    except DocumentError as exc:
        raise _usage_error(exc) from None
    if args.only_breaking:
        changes = [c for c in changes if c.breaking]
    sys.stdout.write(render(changes, args.format, old=args.old, new=args.new))
    fail = {"any": ("clients", "servers"), "clients": ("clients",), "servers": ("servers",), "none": ()}[args.fail_on]
    return 1 if any(c.breaks in fail for c in changes) else 0


def _register_schema(sub) -> None:
    p = sub.add_parser("schema", help="work with OpenAPI documents (diff)")
    ssub = p.add_subparsers(dest="schema_command", metavar="SUBCOMMAND")
    d = ssub.add_parser(
        "diff", help="classify the changes between two OpenAPI documents",
        description="Compare two OpenAPI documents (YAML or JSON, $refs resolved) and classify every change: "
                    "breaking for clients, breaking for servers, or compatible, each with a stable check name "
                    "and the reason. Exit 1 when a change is breaking (see --fail-on), 0 otherwise, 2 on "
                    "unreadable input.")
    d.add_argument("old", metavar="OLD", help="the earlier document")
    d.add_argument("new", metavar="NEW", help="the later document")
    d.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    d.add_argument("--fail-on", choices=["any", "clients", "servers", "none"], default="any",
                   help="which breaking changes make the exit status 1 (default: any)")
    d.add_argument("--only-breaking", action="store_true", help="leave compatible changes out of the output")
    d.add_argument("--unreferenced", choices=["response", "request"], default="response",
                   help="how to judge components no operation references (the SSE event schemas are such "
                        "components: they are what the server sends, hence the default 'response')")
    d.set_defaults(func=_cmd_schema_diff)

    def _no_sub(args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    p.set_defaults(func=_no_sub)


def register(sub) -> None:
    _register_schema(sub)
    _register_drift(sub)
