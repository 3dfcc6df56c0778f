"""Helpers of the simulator tests (a module name of its own: conftest names clash across
test directories)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pyworker.protocol import Decoded, decode, encode, encode_raw
from pyworker.sim import Simulator
from pyworker.sim.control import status_of

ROOT = Path(__file__).resolve().parents[3]
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


class PtySimulator:
    """``pi30-worker sim --pty`` in a child process."""

    def __init__(self, args: list[str]) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyworker.cli", "sim", "--pty", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.path = self.next_line(timeout=15)

    def next_line(self, timeout: float = 10) -> str:
        """The next line the simulator prints on stdout (a device path)."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"no line on stdout within {timeout} s; stderr: {self.stderr()}")
        line = self.proc.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"the simulator exited: {self.stderr()}")
        return line

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return "(still running)"
        return self.proc.stderr.read()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise
