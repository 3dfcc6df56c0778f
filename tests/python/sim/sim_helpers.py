"""Helpers of the simulator tests (a module name of its own: conftest names clash across
test directories)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyworker.protocol import Decoded, decode, encode, encode_raw
from pyworker.sim import Simulator
from pyworker.sim.control import status_of

WINTER_DAY = datetime(2026, 1, 15, 0, 0)


class Unit:
    """An in-process simulator and the helpers the tests talk to it with."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.protocol = sim.profile.protocol
        self.profile = sim.profile.device_profile  # the unit's codes and layouts

    def raw(self, frame: bytes) -> bytes | None:
        return self.sim.transact(frame).data

    def send(self, command: str, value: Any = None) -> bytes:
        data = self.raw(encode(command, value, protocol=self.protocol, profile=self.profile))
        assert data is not None, f"{command}: no answer"
        return data

    def send_text(self, text: str) -> bytes:
        data = self.raw(encode_raw(text))
        assert data is not None, f"{text}: no answer"
        return data

    def query(self, command: str) -> dict[str, Any]:
        return self.decode(command, self.send(command)).data

    def decode(self, command: str, frame: bytes) -> Decoded:
        return decode(command, frame, self.protocol, self.profile)

    def step(self, seconds: float) -> None:
        self.sim.step(seconds)

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = status_of(self.sim)["state"]
        return state
