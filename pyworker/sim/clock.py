"""The simulator's clock: inverter local time that runs at real time, faster, or only when
stepped. Simulated state integrates over this time, never over the host's wall clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta


def parse_time(text: str) -> datetime:
    """An ISO date-time as the inverter would show it (naive local time; an offset is dropped)."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=None)


class SimClock:
    """Naive local time (inverters have no time zone), thread-safe.

    ``speed`` is simulated seconds per real second: 1 is real time, 3600 makes an hour pass
    each second, 0 stops the clock so that only ``step()`` moves it (manual mode).
    """

    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base_sim = (start or datetime.now()).replace(tzinfo=None, microsecond=0)
        self._base_real = monotonic()
        self._speed = float(speed)

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        elapsed = (self._monotonic() - self._base_real) * self._speed
        return self._base_sim + timedelta(seconds=elapsed)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def manual(self) -> bool:
        return self._speed == 0

    def set(self, when: datetime | None = None, speed: float | None = None) -> datetime:
        """Jump to ``when`` and/or change the speed from now on."""
        if speed is not None and speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            current = self._now_locked()
            self._base_sim = when.replace(tzinfo=None) if when is not None else current
            self._base_real = self._monotonic()
            if speed is not None:
                self._speed = float(speed)
            return self._base_sim

    def step(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` of simulated time (any mode)."""
        if seconds < 0:
            raise ValueError("the clock only steps forward")
        with self._lock:
            self._base_sim += timedelta(seconds=seconds)
            return self._now_locked()
