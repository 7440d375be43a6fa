"""Fixtures of the démarches-simplifiées tests: a local GraphQL server (a fresh démarche each test) and clients.

Nothing here comes from ``tests/conftest.py``. Waiting (rate limit, backoff) goes through a recorded
``sleep`` that does not sleep: the tests stay fast and can check how long the client would have waited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.acceptance.ds.dossiers import generated_nodes
from tests.acceptance.ds.server import Running, Store, TokenRule, start
from xlplugin.ds import DsClient, Jeton

TOKEN = "SECRET-jeton-de-test-7Qx2Lm9Kd4Zp"
NODES = generated_nodes(250)


@pytest.fixture
def store() -> Store:
    store = Store(NODES)
    store.tokens[TOKEN] = TokenRule()
    return store


@pytest.fixture
def server(store: Store) -> Iterator[Running]:
    running = start(store)
    yield running
    running.stop()


class Sleeps(list[float]):
    """A ``sleep`` that records the wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(server: Running, sleeps: Sleeps) -> Iterator[Callable[..., DsClient]]:
    made: list[DsClient] = []

    def make(token: str = TOKEN, **options: object) -> DsClient:
        options.setdefault("sleep", sleeps)
        client = DsClient(Jeton(token), server.url, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., DsClient]) -> DsClient:
    return make_client()


@pytest.fixture
def recus(tmp_path: Path) -> Path:
    return tmp_path / "recus"
