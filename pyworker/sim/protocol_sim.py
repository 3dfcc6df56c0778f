"""pyserial URL handler for ``sim://``: the simulator behind the worker's normal serial path.

    register_url_handler()
    port = serial.serial_for_url("sim://?model=pi30max&latency_ms=80&seed=1", baudrate=2400)

Options: the table in config.py (docs/simulator.md lists it). While the unit is unplugged,
open() fails and a port opened before the unplug raises SerialException on every read and
write until it is closed and opened again.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import serial
from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from .config import SimConfig
from .line import SimLine
from .registry import simulator_for
from .simulator import Simulator

POLL_S = 0.02  # how often a blocked read looks at the plug and cancel state

_register_lock = threading.Lock()


def register_url_handler() -> None:
    """Let ``serial.serial_for_url`` open ``sim://`` URLs. Safe to call any number of times."""
    with _register_lock:
        if "pyworker.sim" not in serial.protocol_handler_packages:
            serial.protocol_handler_packages.append("pyworker.sim")


class Serial(SerialBase):  # type: ignore[misc]
    """A pyserial port whose far end is a simulated inverter."""

    BAUDRATES = SerialBase.BAUDRATES
    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sim: Simulator | None = None
        self.line: SimLine | None = None
        self._generation = -1
        self._cancel_read = threading.Event()
        super().__init__(*args, **kwargs)

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        config = self.from_url(self._port)
        try:
            sim = simulator_for(config)
        except OSError as exc:  # the control endpoint could not be bound
            raise SerialException(f"could not open port {self._port}: {exc}") from None
        if not sim.plug.plugged:
            raise SerialException(
                f"could not open port {self._port}: no such device (unplugged for another "
                f"{sim.plug.remaining_s:.1f} s)"
            )
        self.sim = sim
        self.line = SimLine(sim)
        self._generation = sim.plug.generation
        self.is_open = True
        self._cancel_read.clear()

    def close(self) -> None:
        self.is_open = False
        self.sim, self.line = None, None

    @staticmethod
    def from_url(url: str) -> SimConfig:
        parts = urlsplit(url)
        if parts.scheme.lower() != "sim":
            raise SerialException(f"expected a sim:// URL, got {url!r}")
        try:
            return SimConfig.from_query(parts.query)
        except ValueError as exc:
            raise SerialException(str(exc)) from None

    def _reconfigure_port(self) -> None:
        """Nothing to configure: the unit talks 2400 8N1 whatever the client sets."""

    def _live(self) -> tuple[Simulator, SimLine]:
        if not self.is_open or self.sim is None or self.line is None:
            raise PortNotOpenError()
        if not self.sim.plug.plugged or self.sim.plug.generation != self._generation:
            raise SerialException(
                "device reports readiness to read but returned no data "
                "(device disconnected or multiple access on port?)"
            )
        return self.sim, self.line

    # -- I/O --------------------------------------------------------------------------------
    @property
    def in_waiting(self) -> int:
        return self._live()[1].in_waiting()

    @property
    def out_waiting(self) -> int:
        self._live()
        return 0

    def read(self, size: int = 1) -> bytes:
        _, line = self._live()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        inter_byte = self._inter_byte_timeout
        data = bytearray()
        last_byte = 0.0
        self._cancel_read.clear()
        while len(data) < size:
            chunk = line.take_due(size - len(data))
            now = time.monotonic()
            if chunk:
                data += chunk
                last_byte = now
                continue
            if self._timeout == 0 or self._cancel_read.is_set():
                break
            if deadline is not None and now >= deadline:
                break
            if inter_byte is not None and data and now - last_byte >= inter_byte:
                break
            wake = now + POLL_S
            due = line.next_due()
            if due is not None:
                wake = min(wake, due)
            if deadline is not None:
                wake = min(wake, deadline)
            if inter_byte is not None and data:
                wake = min(wake, last_byte + inter_byte)
            time.sleep(max(0.0, wake - now))
            _, line = self._live()
        return bytes(data)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        _, line = self._live()
        payload = bytes(data)
        line.feed(payload)
        return len(payload)

    def flush(self) -> None:
        _, line = self._live()
        remaining = line.request_done_at - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def reset_input_buffer(self) -> None:
        self._live()[1].drop_arrived()

    def reset_output_buffer(self) -> None:
        self._live()

    def cancel_read(self) -> None:
        self._cancel_read.set()

    def cancel_write(self) -> None:
        """Writes never block."""

    # -- modem lines: a 3-wire RS232 cable has none; report them as a null-modem would ------
    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        self._live()
        return True

    @property
    def dsr(self) -> bool:
        self._live()
        return True

    @property
    def ri(self) -> bool:
        self._live()
        return False

    @property
    def cd(self) -> bool:
        self._live()
        return True
