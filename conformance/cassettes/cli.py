"""``iconf cassettes``: look after recorded cassettes.

``iconf cassettes check [--revision R] [--schema DOC] [PATH...]`` re-validates
every recorded answer against the current profiles and prints one line per
violation::

    cassettes/2026-05-20/test_x.yaml#2 POST /v1beta/interactions: stream.terminal.exactly-one: ...

then lists cassettes no scenario uses. Exit 0 if no MUST rule fails, 1 if one
does, 2 when a path or cassette cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..profiles import PROFILES, revision_names


def _cmd_check(args: argparse.Namespace) -> int:
    from ..clitools import UsageError, print_violations, schemas_from_args
    from .check import cassette_revision, check_cassette, find_cassettes, scenario_stems
    from .recorder import resolve_dir

    try:
        revisions = revision_names(args.revision) if args.revision else list(PROFILES)
    except (ValueError, KeyError) as exc:
        raise UsageError(str(exc)) from None
    paths = args.paths or [str(resolve_dir(args.cassette_dir))]
    files, missing = find_cassettes(paths)
    unreadable = [f"{p}: no such file or directory" for p in missing]
    selected = [f for f in files if cassette_revision(f) in revisions or cassette_revision(f) not in PROFILES]
    if not selected and not unreadable:
        raise UsageError(f"no cassettes (*.yaml) for revision {', '.join(revisions)} under {', '.join(paths)}")

    cache: dict = {}

    def schemas_for(revision: str):
        if revision not in cache:
            cache[revision] = schemas_from_args(args, revision)
        return cache[revision]

    must = should = interactions = streams = 0
    failing: set[Path] = set()
    for path in selected:
        result = check_cassette(path, schemas_for)
        if result.error:
            unreadable.append(f"{path}: {result.error}")
            continue
        interactions += result.interactions
        streams += result.streams
        for f in result.findings:
            print_violations([f.violation], prefix=f"{f.cassette}#{f.index} {f.label}: ")
            if f.must:
                must += 1
                failing.add(path)
            else:
                should += 1
        if args.verbose and not result.findings:
            print(f"{path}: ok ({result.interactions} interactions, {result.streams} streams)")
    for line in unreadable:
        print(f"iconf cassettes check: error: {line}", file=sys.stderr)

    unused: list[Path] = []
    if not args.no_unused and selected:
        try:
            stems = scenario_stems(sorted({cassette_revision(p) for p in selected} & set(PROFILES)))
        except (RuntimeError, OSError) as exc:
            print(f"iconf cassettes check: could not list the scenarios ({exc}); unused cassettes not reported",
                  file=sys.stderr)
        else:
            for path in selected:
                revision = cassette_revision(path)
                if revision in stems and path.stem not in stems[revision]:
                    unused.append(path)
            for path in unused:
                print(f"unused: {path} (no scenario of revision {cassette_revision(path)} records into it)")

    checked = len(selected) - sum(1 for u in unreadable if not u.endswith("no such file or directory"))
    print(f"checked {checked} cassettes ({interactions} interactions, {streams} streams): "
          f"{must} MUST and {should} SHOULD violations in {len(failing)} cassettes; {len(unused)} unused"
          + (f"; {len(unreadable)} unreadable" if unreadable else ""))
    if unreadable:
        return 2
    return 1 if must else 0


def register(sub) -> None:
    from ..clitools import add_profile_options

    p = sub.add_parser("cassettes", help="check recorded cassettes against the current profiles",
                       description="Work with recorded cassettes (see docs/cassettes.md).")
    csub = p.add_subparsers(dest="cassettes_command", metavar="ACTION")
    c = csub.add_parser("check", help="re-validate stored cassettes and list unused ones",
                        description="Judge every recorded answer again with today's schemas and rules "
                                    "(JSON answers with the exchange checks, streams with the stream grammar), "
                                    "and list cassettes no scenario uses. Exit 0 if no MUST rule fails, 1 if one "
                                    "does, 2 if a path or cassette cannot be read.")
    add_profile_options(c, multi=True, default="all: every revision directory found")
    c.add_argument("--cassette-dir", default=None, help="where the cassettes are when no PATH is given "
                                                        "(default $ICONF_CASSETTE_DIR or cassettes/)")
    c.add_argument("--no-unused", action="store_true", help="do not collect the scenarios to find unused cassettes")
    c.add_argument("-v", "--verbose", action="store_true", help="also list the cassettes that pass")
    c.add_argument("paths", nargs="*", metavar="PATH", help="cassette files or directories (default: the cassette dir)")
    c.set_defaults(func=_cmd_check)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
