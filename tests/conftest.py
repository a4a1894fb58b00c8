import pytest

from conformance.profiles import get_profile
from conformance.schema import SchemaSet

pytest_plugins = ["pytester"]

_CACHE: dict = {}


@pytest.fixture(scope="session")
def schemas_for():
    """SchemaSet per revision over the authored documents (compiled once per session)."""
    def get(revision: str) -> SchemaSet:
        if revision not in _CACHE:
            _CACHE[revision] = SchemaSet(get_profile(revision))
        return _CACHE[revision]
    return get


def pytest_collection_modifyitems(config, items):
    """Under xdist (`nox -s tests` runs `-n <2 per core> --dist loadgroup`), the tests sharing a module-scoped fixture
    (one expensive suite run, a recorded cassette set, an installed SDK) go to one worker, so that fixture is
    built once, not once per worker; everything else is spread test by test."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d and d[-1].scope in ("module", "class") for d in defs):
            item.add_marker(pytest.mark.xdist_group(name=item.module.__name__))


def _official_docs_absent(report) -> bool:
    """A skip because ../shared/reference (the official OpenAPI documents) is not next to the checkout."""
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return False
    reason = str(report.longrepr[2])
    return "official" in reason and ("not available" in reason or "not present" in reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say once, plainly, why most skips happen outside the project's workspace."""
    skipped = terminalreporter.stats.get("skipped", [])
    absent = sum(1 for report in skipped if _official_docs_absent(report))
    if absent:
        terminalreporter.write_sep("-", "note")
        terminalreporter.write_line(
            f"{absent} of {len(skipped)} skipped tests compare schemas/ with the official OpenAPI documents, which are "
            "not here (they are read from ../shared/reference/openapi/, present only in the project's workspace); "
            "every other test ran.")
