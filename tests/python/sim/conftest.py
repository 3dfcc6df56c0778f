"""Fixtures for the simulator tests: in-process simulators on a stopped clock, and
``pi30-worker sim --pty`` in a child process (a real pseudo-terminal)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import WINTER_DAY, PtySimulator, Unit

from pyworker.sim import SimConfig, Simulator


@pytest.fixture
def make_unit() -> Callable[..., Unit]:
    """A simulator on a stopped clock (moved by step()), no pacing, no latency, seed 1."""

    def make(**options: Any) -> Unit:
        config: dict[str, Any] = {
            "seed": 1,
            "speed": 0.0,
            "start": WINTER_DAY.replace(hour=12),
            "pacing": False,
            "latency_ms": 0.0,
        }
        config.update(options)
        return Unit(Simulator(SimConfig(**config)))

    return make


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory for ipc:// endpoints (their paths are limited to ~100 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="pi30sim", dir="/tmp" if os.name == "posix" else None))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def pty_sim() -> Iterator[Callable[..., PtySimulator]]:
    if sys.platform != "linux":
        pytest.skip("the pty front is POSIX-only; CI runs Linux")
    made: list[PtySimulator] = []

    def start(*args: str) -> PtySimulator:
        sim = PtySimulator(list(args))
        made.append(sim)
        return sim

    yield start
    for sim in made:
        sim.stop()
        for stream in (sim.proc.stdout, sim.proc.stderr):
            if stream is not None:
                stream.close()
