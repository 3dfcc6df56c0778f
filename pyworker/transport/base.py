"""What every transport shares: the transaction loop and how long a transaction may take."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from ..errors import PortUnavailableError, ResponseTimeout
from ..protocol.frames import FrameSplitter

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
GUARD_MIN_S = 0.02
SETTLE_MAX_BYTES = 300  # a line busy longer than this many byte times is noise: go on anyway


@dataclass(frozen=True)
class Timing:
    """How long a transaction may take: sized from the wire, never a fixed total.

    The overall deadline is the request's wire time, plus ``slack`` times the wire time of the
    longest plausible answer (firmwares append fields), plus ``processing_margin`` for the
    inverter's think time before it answers (tens to a few hundred ms on real units) and for
    adapters and bridges that batch bytes. Once an answer has started, ``inter_byte_timeout``
    of silence ends it early: a cut answer fails fast instead of waiting for the deadline.
    """

    processing_margin: float = 1.0
    inter_byte_timeout: float = 0.5
    slack: float = 1.5
    guard_bytes: int = 32
    """After a failed exchange the line must stay quiet this many byte times (a short answer's
    length: 133 ms at 2400 baud) before the next request goes out; see ``guard()``."""

    def __post_init__(self) -> None:
        if (
            self.processing_margin < 0
            or self.inter_byte_timeout <= 0
            or self.slack < 1
            or self.guard_bytes < 1
        ):
            raise ValueError(f"invalid transport timing {self!r}")

    @staticmethod
    def wire_time(nbytes: int, baud: int) -> float:
        """Seconds that ``nbytes`` take on the line at ``baud`` (10 bits per byte)."""
        return nbytes * BITS_PER_BYTE / baud

    def guard(self, baud: int) -> float:
        """Seconds of silence that mean the unit has finished sending (at least 20 ms, for
        USB adapters that deliver bytes in batches)."""
        return max(GUARD_MIN_S, self.wire_time(self.guard_bytes, baud))

    def deadline(self, request_bytes: int, expected_bytes: int, baud: int) -> float:
        """Seconds from sending a request to giving up on its answer."""
        return (
            self.wire_time(request_bytes, baud)
            + self.slack * self.wire_time(expected_bytes, baud)
            + self.processing_margin
        )


class Transport(ABC):
    """Moves bytes to and from one inverter port: one whole request, one whole answer.

    Subclasses say how to open, close, drop stale input, write, and wait for bytes; the
    transaction loop, the frame splitting and the deadlines are shared here. Encoding and
    decoding are the caller's job (``pyworker.protocol``).
    """

    url: str
    baud: int
    timing: Timing
    adjust_zero: bool
    """Part of the port's configuration that the transport does not use itself: callers
    encode requests with it (``encode(..., adjust_zero=transport.adjust_zero)``)."""

    def __init__(
        self,
        url: str,
        *,
        baud: int = 2400,
        timing: Timing | None = None,
        adjust_zero: bool = True,
    ) -> None:
        if baud <= 0:
            raise ValueError(f"baud must be positive, got {baud}")
        self.url = url
        self.baud = baud
        self.timing = timing or Timing()
        self.adjust_zero = adjust_zero
        self._settle_first = False
        self.stale_bytes_dropped = 0
        """Bytes that arrived outside any exchange (late answers, another program's traffic,
        noise) and were thrown away before a request went out. Cumulative."""

    # -- what each kind of port provides -------------------------------------------------
    @abstractmethod
    def open(self) -> None:
        """Open the device; no-op when open. Raises PortUnavailableError."""

    @abstractmethod
    def close(self) -> None:
        """Release the device; never raises."""

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def _drop_stale_input(self) -> int:
        """Discard whatever arrived before this request (late answers, noise); return how
        many bytes were dropped."""

    @abstractmethod
    def _write(self, data: bytes, deadline: float) -> None:
        """Send the whole request before ``deadline`` (a time.monotonic() value)."""

    @abstractmethod
    def _read_chunk(self, max_wait: float) -> bytes:
        """Return the bytes available now, or wait up to about ``max_wait`` s for some.

        Returns b"" when nothing arrived. Raises PortUnavailableError when the device is gone.
        """

    # -- the shared transaction -------------------------------------------------------------
    def transact(
        self, request: bytes, *, expected_bytes: int, timeout: float | None = None
    ) -> bytes:
        """Send one request frame and return the answer frame, terminator stripped.

        ``expected_bytes`` is the longest plausible answer (``Command.expected_response_bytes``)
        and sizes the deadline; ``timeout`` replaces the computed deadline when given.
        Raises ResponseTimeout (with the partial answer in the message) or PortUnavailableError.
        """
        if not self.is_open:
            raise PortUnavailableError(f"{self.url}: the port is not open")
        total = (
            timeout
            if timeout is not None
            else self.timing.deadline(len(request), expected_bytes, self.baud)
        )
        if self._settle_first:
            self._settle()
        started = time.monotonic()
        deadline = started + total
        self.stale_bytes_dropped += self._drop_stale_input()
        self._write(request, deadline)
        splitter = FrameSplitter()
        received = 0
        last_byte_at: float | None = None
        while True:
            now = time.monotonic()
            limit = deadline
            if last_byte_at is not None:
                limit = min(deadline, last_byte_at + self.timing.inter_byte_timeout)
            if now >= limit:
                self._settle_first = True
                raise self._timeout(splitter, received, now - started, total, last_byte_at, now)
            chunk = self._read_chunk(limit - now)
            if chunk:
                received += len(chunk)
                last_byte_at = time.monotonic()
                frames = splitter.feed(chunk)
                if frames:
                    return frames[0]

    def resync(self) -> None:
        """The last answer was not taken (garbled, the wrong shape, a CRC error): before the
        next request, wait for a quiet line and drop what arrives, as after a timeout."""
        self._settle_first = True

    def _settle(self) -> None:
        """After a failed exchange the unit may still be sending (a late answer, the rest of a
        garbled one, another program's traffic): wait until the line has been quiet for the
        guard time, dropping and counting what arrives, so none of it is taken for the next
        answer. A line that never goes quiet is given up on after a bounded time."""
        quiet = self.timing.guard(self.baud)
        now = time.monotonic()
        give_up = now + quiet + self.timing.wire_time(SETTLE_MAX_BYTES, self.baud)
        quiet_until = now + quiet
        while now < min(quiet_until, give_up):
            chunk = self._read_chunk(min(quiet_until, give_up) - now)
            if chunk:
                self.stale_bytes_dropped += len(chunk)
                quiet_until = time.monotonic() + quiet
            now = time.monotonic()
        self._settle_first = False

    def _timeout(
        self,
        splitter: FrameSplitter,
        received: int,
        elapsed: float,
        total: float,
        last_byte_at: float | None,
        now: float,
    ) -> ResponseTimeout:
        partial = splitter.pending
        if received == 0:
            return ResponseTimeout(f"{self.url}: no answer within {elapsed:.2f} s")
        if last_byte_at is not None and now - last_byte_at >= self.timing.inter_byte_timeout:
            why = f"the answer stopped (no byte for {self.timing.inter_byte_timeout:.2f} s)"
        else:
            why = f"the answer was still incomplete at the {total:.2f} s deadline"
        return ResponseTimeout(
            f"{self.url}: {why} after {len(partial)} bytes: {partial!r}",
        )

    # -- conveniences ----------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"<{type(self).__name__} {self.url} {self.baud} baud {state}>"
