"""``python -m conformance.suite.collect REVISIONS``: one JSON line per scenario (revision, name, cassette stem).

Collects ``conformance.suite.scenarios`` with pytest ``--collect-only`` and
names each item as the recorder would, so ``iconf cassettes check`` can tell
which cassettes no scenario uses.
"""

from __future__ import annotations

import json
import sys

import pytest

from ..cassettes.recorder import cassette_stem, item_revision, scenario_name
from .cli import base_pytest_args


class _Collector:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            name = scenario_name(item)
            self.rows.append({"revision": item_revision(item), "name": name, "stem": cassette_stem(name),
                              "nodeid": item.nodeid})


def main(argv: list[str]) -> int:
    revisions = argv[0] if argv else "all"
    args = [*base_pytest_args(), "--iconf-target", "mock", "--iconf-revision", revisions, "--iconf-no-report",
            "--collect-only", "-q", "-p", "no:cacheprovider"]
    collector = _Collector()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args, plugins=[collector])
    if code not in (0, 5):
        print(f"pytest --collect-only exited {code}", file=sys.stderr)
        return 1
    for row in collector.rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
