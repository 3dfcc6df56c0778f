"""Fixtures for the transport tests: fake far ends (see transport_fakes.py), cleaned up after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from transport_fakes import HidInverter, PtyInverter, TcpInverter


@pytest.fixture
def pty_inverter(tmp_path: Path) -> Iterator[Callable[..., PtyInverter]]:
    made: list[PtyInverter] = []

    def make(**kwargs: object) -> PtyInverter:
        inverter = PtyInverter(tmp_path / f"ttyINV{len(made)}", **kwargs)
        made.append(inverter)
        return inverter

    yield make
    for inverter in made:
        inverter.unplug()


@pytest.fixture
def tcp_inverter() -> Iterator[Callable[..., TcpInverter]]:
    made: list[TcpInverter] = []

    def make(**kwargs: object) -> TcpInverter:
        inverter = TcpInverter(**kwargs)
        made.append(inverter)
        return inverter

    yield make
    for inverter in made:
        inverter.shutdown()


@pytest.fixture
def hid_inverter() -> Iterator[Callable[..., HidInverter]]:
    made: list[HidInverter] = []

    def make(**kwargs: object) -> HidInverter:
        inverter = HidInverter(**kwargs)
        made.append(inverter)
        return inverter

    yield make
    for inverter in made:
        inverter.unplug()  # the host end belongs to the transport under test
