"""Fixtures for the transport tests: fake far ends (see transport_fakes.py), cleaned up after."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import cleaned_up
from transport_fakes import HidInverter, PtyInverter, TcpInverter


@pytest.fixture
def pty_inverter(tmp_path: Path) -> Iterator[Callable[..., PtyInverter]]:
    names = (tmp_path / f"ttyINV{n}" for n in itertools.count())
    yield from cleaned_up(lambda **kwargs: PtyInverter(next(names), **kwargs), PtyInverter.unplug)


@pytest.fixture
def tcp_inverter() -> Iterator[Callable[..., TcpInverter]]:
    yield from cleaned_up(TcpInverter, TcpInverter.shutdown)


@pytest.fixture
def hid_inverter() -> Iterator[Callable[..., HidInverter]]:
    # at teardown only the far end: the host end belongs to the transport under test
    yield from cleaned_up(HidInverter, HidInverter.unplug)
