"""Fixtures of the service tests: a shared worker on the simulator, DEALER sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_helpers import Clients, SimWorker


@pytest.fixture
def clients() -> Iterator[Clients]:
    c = Clients()
    yield c
    c.close()


@pytest.fixture(scope="session")
def shared_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimWorker]:
    """One worker for the tests that leave the unit as they found it."""
    worker = SimWorker(tmp_path_factory.mktemp("shared"), "shared", "--queue-size", "256")
    yield worker
    assert worker.close() == 0, worker.process.log


@pytest.fixture
def worker(shared_worker: SimWorker) -> SimWorker:
    shared_worker.reset()
    return shared_worker
