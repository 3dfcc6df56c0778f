"""Shared by every Python suite: this folder is on sys.path (pytest puts a conftest's folder
there), so tests import their common helpers, such as ``cli_runner``, by name.

The fixtures here start the CLI's long-running commands, wait until they are ready and stop them
when the test ends, whatever happened in it.

The test process is a composition root like ``pi30-worker`` itself: it registers the
simulator's ``sim://`` handler with pyserial, which the transport does not know."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest
from cli_runner import ChildProcess, PtySimulator, WorkerProcess
from factories import cleaned_up

from pyworker.sim import register_url_handler

register_url_handler()


@pytest.fixture
def start_worker() -> Iterator[Callable[..., WorkerProcess]]:
    """``start_worker(ARGS..., endpoint=None, ready_timeout=20)``: ``pi30-worker serve ARGS``,
    listening with the device identity read."""
    yield from cleaned_up(WorkerProcess.ready, WorkerProcess.stop)


@pytest.fixture
def pty_sim() -> Iterator[Callable[..., PtySimulator]]:
    """``pty_sim(ARGS...)``: ``pi30-worker sim --pty ARGS``, its pseudo-terminal announced."""
    if sys.platform != "linux":
        pytest.skip("the pty front is POSIX-only; CI runs Linux")
    yield from cleaned_up(PtySimulator, PtySimulator.stop)


@pytest.fixture
def child_process() -> Iterator[Callable[..., ChildProcess]]:
    """``child_process(ARGV)``: any other long-running child, stopped if it outlives the test."""
    yield from cleaned_up(ChildProcess, ChildProcess.stop)
