import pytest

from conformance.mock import MockConfig

from .helpers import REVISIONS, Client


@pytest.fixture
def make_client():
    """Factory: make_client(revision=None, **MockConfig fields) -> Client (closed after the test)."""
    made = []

    def factory(revision=None, **config):
        config.setdefault("background_delay_s", 0.05)
        client = Client(MockConfig(**config), revision=revision)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture(params=REVISIONS)
def rev(request):
    return request.param


@pytest.fixture
def client(make_client, rev):
    """A client pinned to one revision through the Api-Revision header (both revisions, parametrized)."""
    return make_client(rev)
