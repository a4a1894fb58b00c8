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
