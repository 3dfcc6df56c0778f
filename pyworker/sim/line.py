"""The serial line between a client and the simulated unit: request bytes arrive one byte time
apart, the unit thinks for its latency, and the answer goes out one byte time per byte
(2400 baud, 8N1: 4.17 ms), like a real RS232 link. Both fronts (sim:// and the pty) use it."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from .simulator import Simulator

MAX_REQUEST = 512  # bytes without a terminator: line noise, dropped


class SimLine:
    def __init__(self, sim: Simulator, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sim = sim
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._request = bytearray()
        self._rx_free = 0.0  # when the last request byte has fully arrived
        self._tx_free = 0.0  # when the last answer byte has fully left
        self._out: deque[tuple[float, int]] = deque()  # (time it has arrived, byte)

    def feed(self, data: bytes) -> None:
        """Bytes the client wrote. A CR (or LF) ends a request, which the unit then answers."""
        with self._lock:
            now = self._monotonic()
            byte_time = self.sim.byte_time
            for byte in data:
                arrival = max(now, self._rx_free) + byte_time
                self._rx_free = arrival
                if byte in (0x0D, 0x0A):
                    if self._request:
                        frame = bytes(self._request) + bytes((byte,))
                        self._request.clear()
                        self._answer(frame, arrival)
                    continue
                self._request.append(byte)
                if len(self._request) > MAX_REQUEST:
                    self._request.clear()

    def _answer(self, frame: bytes, arrival: float) -> None:
        reply = self.sim.transact(frame)
        if reply.data is None:
            return
        byte_time = self.sim.byte_time
        start = max(arrival + self.sim.latency_s + reply.delay_s, self._tx_free)
        for index, byte in enumerate(reply.data):
            self._out.append((start + (index + 1) * byte_time, byte))
        self._tx_free = start + len(reply.data) * byte_time

    def take_due(self, limit: int | None = None) -> bytes:
        """The answer bytes that have arrived by now (at most ``limit``)."""
        with self._lock:
            now = self._monotonic()
            out = bytearray()
            while self._out and self._out[0][0] <= now and (limit is None or len(out) < limit):
                out.append(self._out.popleft()[1])
            return bytes(out)

    def next_due(self) -> float | None:
        with self._lock:
            return self._out[0][0] if self._out else None

    def in_waiting(self) -> int:
        with self._lock:
            now = self._monotonic()
            return sum(1 for due, _ in self._out if due <= now)

    def drop_arrived(self) -> None:
        """Discard what has arrived (reset_input_buffer); bytes still on the wire will come."""
        with self._lock:
            now = self._monotonic()
            while self._out and self._out[0][0] <= now:
                self._out.popleft()

    def drop_all(self) -> None:
        with self._lock:
            self._out.clear()
            self._request.clear()

    @property
    def request_done_at(self) -> float:
        """When the bytes written so far have all reached the unit (for flush())."""
        return self._rx_free
