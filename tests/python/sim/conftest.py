"""Fixtures for the simulator tests: in-process simulators on a stopped clock (``pi30-worker sim
--pty`` in a child process is the ``pty_sim`` fixture of tests/python/conftest.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import WINTER_DAY, Unit

from pyworker.sim import SimConfig, Simulator


def stopped_clock_unit(**options: Any) -> Unit:
    config: dict[str, Any] = {
        "seed": 1,
        "speed": 0.0,
        "start": WINTER_DAY.replace(hour=12),
        "pacing": False,
        "latency_ms": 0.0,
    }
    config.update(options)
    return Unit(Simulator(SimConfig(**config)))


@pytest.fixture
def make_unit() -> Callable[..., Unit]:
    """A simulator on a stopped clock (moved by step()), no pacing, no latency, seed 1 (an
    in-process simulator holds nothing to release)."""
    return stopped_clock_unit


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory for ipc:// endpoints (their paths are limited to ~100 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="pi30sim", dir="/tmp" if os.name == "posix" else None))
    yield path
    shutil.rmtree(path, ignore_errors=True)
