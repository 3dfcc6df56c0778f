"""The one owner of a port: reconnects with backoff when the device goes away and comes back.

Reconnect attempts are made lazily, by the caller's own thread, when a transaction (or
``reconnect_if_due()``) finds the port down and the backoff has elapsed: no background thread,
no second party touching the device. While the port is down and no attempt is due, a
transaction fails at once with PortUnavailableError, so requests never pile up behind a dead
device.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import Pi30Error, PortUnavailableError, ResponseTimeout
from .base import Timing, Transport
from .factory import create_transport

PortState = Literal["connected", "reconnecting", "unavailable"]
"""connected: open and usable. reconnecting: it was connected, the device went away, attempts
continue with backoff. unavailable: never opened yet (attempts continue with backoff), or
closed by its owner."""


@dataclass(frozen=True)
class PortError:
    """Why the port is (or last was) down."""

    code: str
    message: str

    @classmethod
    def from_exception(cls, exc: Pi30Error) -> PortError:
        return cls(exc.code, exc.message)

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


StateListener = Callable[[PortState, PortError | None], None]


class ReconnectingPort:
    """Owns one port URL for the life of the process.

    ``transact()`` is serialised (one transaction at a time, whatever the calling thread).
    After ``reopen_after_timeouts`` timeouts in a row the device is closed and reopened once
    (a TCP bridge whose connection went stale, a wedged USB adapter); None turns that off.
    ``on_state_change(state, last_error)`` is called after each change of ``state``, outside
    the port's lock, from the thread that caused it.
    """

    def __init__(
        self,
        url: str,
        *,
        baud: int = 2400,
        adjust_zero: bool = True,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        on_state_change: StateListener | None = None,
        clock: Callable[[], float] = time.monotonic,
        timing: Timing | None = None,
        reopen_after_timeouts: int | None = 3,
        transport_factory: Callable[[], Transport] | None = None,
    ) -> None:
        if backoff_initial <= 0 or backoff_max < backoff_initial:
            raise ValueError("need 0 < backoff_initial <= backoff_max")
        self.url = url
        self.baud = baud
        self.adjust_zero = adjust_zero
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.reopen_after_timeouts = reopen_after_timeouts
        self._on_state_change = on_state_change
        self._clock = clock
        self._factory: Callable[[], Transport] = transport_factory or (
            lambda: create_transport(url, baud=baud, adjust_zero=adjust_zero, timing=timing)
        )
        self._lock = threading.Lock()
        self._transport: Transport | None = None
        self._state: PortState = "unavailable"
        self._last_error: PortError | None = None
        self._closed = False
        self._delay = backoff_initial
        self._next_attempt: float = clock()  # the first attempt is due at once
        self._timeouts_in_a_row = 0
        self._stale_taken = 0  # of the current transport's stale_bytes_dropped
        self._stale_pending = 0  # dropped by transports since closed, not yet taken
        self.failed_attempts = 0
        """Open attempts that failed since the port was last connected."""

    # -- what the owner reads ------------------------------------------------------------------
    @property
    def state(self) -> PortState:
        return self._state

    @property
    def last_error(self) -> PortError | None:
        return self._last_error

    @property
    def is_connected(self) -> bool:
        return self._state == "connected"

    @property
    def retry_in(self) -> float | None:
        """Seconds until the next reconnect attempt is due; None while connected or closed."""
        if self._state == "connected" or self._closed:
            return None
        return max(0.0, self._next_attempt - self._clock())

    def status(self) -> dict[str, Any]:
        """JSON-safe summary for health reports."""
        retry = self.retry_in
        return {
            "url": self.url,
            "state": self._state,
            "last_error": self._last_error.to_dict() if self._last_error else None,
            "retry_in": None if retry is None else round(retry, 3),
        }

    # -- what the owner does -------------------------------------------------------------------
    def open(self) -> bool:
        """First connection attempt (also after close()). Never raises: see state/last_error."""
        with self._lock:
            self._closed = False
            events = self._attempt()
        self._emit(events)
        return self.is_connected

    def reconnect_if_due(self) -> bool:
        """Make a reconnect attempt if the port is down and the backoff has elapsed.

        For owners that want the port back before their next transaction (an idle loop can
        sleep ``retry_in`` seconds between calls). Returns whether the port is connected.
        """
        with self._lock:
            events: list[PortState] = []
            if self._transport is None and not self._closed and self._clock() >= self._next_attempt:
                events = self._attempt()
        self._emit(events)
        return self.is_connected

    def transact(
        self, request: bytes, *, expected_bytes: int, timeout: float | None = None
    ) -> bytes:
        """Like Transport.transact; fails fast with PortUnavailableError while the port is down."""
        events: list[PortState] = []
        try:
            with self._lock:
                if self._transport is None:
                    if self._closed:
                        raise PortUnavailableError(f"{self.url}: the port is closed")
                    if self._clock() < self._next_attempt:
                        raise self._down_error()
                    events = self._attempt()
                    if self._transport is None:
                        raise self._down_error()
                transport = self._transport
                try:
                    answer = transport.transact(
                        request, expected_bytes=expected_bytes, timeout=timeout
                    )
                except PortUnavailableError as exc:
                    events += self._lost(exc)
                    raise
                except ResponseTimeout:
                    events += self._count_timeout()
                    raise
                self._timeouts_in_a_row = 0
                return answer
        finally:
            self._emit(events)

    def resync(self) -> None:
        """The caller rejected the last answer: settle the line before the next request."""
        with self._lock:
            if self._transport is not None:
                self._transport.resync()

    def take_stale_bytes(self) -> int:
        """Stale bytes dropped since the last call (across reconnects)."""
        with self._lock:
            count, self._stale_pending = self._stale_pending, 0
            if self._transport is not None:
                total = self._transport.stale_bytes_dropped
                count += total - self._stale_taken
                self._stale_taken = total
            return count

    def close(self) -> None:
        """Release the device; transactions fail until open() is called again."""
        with self._lock:
            self._closed = True
            self._close_transport()
            events = self._set_state("unavailable")
        self._emit(events)

    # -- internals (called with the lock held) ---------------------------------------------------
    def _down_error(self) -> PortUnavailableError:
        why = self._last_error.message if self._last_error else "not connected"
        retry = max(0.0, self._next_attempt - self._clock())
        return PortUnavailableError(f"{self.url} is {self._state} (retry in {retry:.1f} s): {why}")

    def _attempt(self) -> list[PortState]:
        self._close_transport()
        try:
            transport = self._factory()
            transport.open()
        except PortUnavailableError as exc:
            return self._failed(exc)
        except (OSError, ValueError) as exc:
            return self._failed(PortUnavailableError(f"{self.url}: cannot open: {exc}"))
        self._transport = transport
        self._delay = self.backoff_initial
        self.failed_attempts = 0
        self._timeouts_in_a_row = 0
        return self._set_state("connected")

    def _failed(self, exc: PortUnavailableError) -> list[PortState]:
        self.failed_attempts += 1
        self._last_error = PortError.from_exception(exc)
        self._next_attempt = self._clock() + self._delay
        self._delay = min(self._delay * 2, self.backoff_max)
        return []  # the state stays: unavailable before the first success, else reconnecting

    def _lost(self, exc: PortUnavailableError) -> list[PortState]:
        self._close_transport()
        self._last_error = PortError.from_exception(exc)
        self._delay = self.backoff_initial
        self._next_attempt = self._clock() + self._delay
        self._delay = min(self._delay * 2, self.backoff_max)
        return self._set_state("reconnecting")

    def _count_timeout(self) -> list[PortState]:
        self._timeouts_in_a_row += 1
        limit = self.reopen_after_timeouts
        if limit is None or self._timeouts_in_a_row < limit:
            return []
        self._timeouts_in_a_row = 0
        events = self._attempt()  # reopen once now: a fresh connection often cures silence
        if self._transport is None:
            events += self._set_state("reconnecting")
        return events

    def _close_transport(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            self._stale_pending += transport.stale_bytes_dropped - self._stale_taken
            self._stale_taken = 0
            transport.close()

    def _set_state(self, state: PortState) -> list[PortState]:
        if state == self._state:
            return []
        self._state = state
        return [state]

    def _emit(self, events: list[PortState]) -> None:
        if self._on_state_change is None:
            return
        for state in events:
            self._on_state_change(state, self._last_error)
