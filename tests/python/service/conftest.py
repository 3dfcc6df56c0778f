"""Fixtures of the service tests: a shared worker on the simulator, workers of a test's own,
DEALER sockets."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import cleaned_up
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


def closed_cleanly(worker: SimWorker) -> None:
    assert worker.close() == 0, worker.process.log


@pytest.fixture
def sim_worker(tmp_path: Path) -> Iterator[Callable[..., SimWorker]]:
    """``sim_worker(NAME, ARGS..., **sim_options)``: a worker of the test's own on its own
    simulated unit, ready; stopped at the end of the test, where it must exit 0 (a test may
    close it earlier, to restart it or to stop it with another signal)."""
    yield from cleaned_up(functools.partial(SimWorker, tmp_path), closed_cleanly)
