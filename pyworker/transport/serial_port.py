"""Serial ports through pyserial's ``serial_for_url``: local devices, TCP bridges, the simulator.

``/dev/ttyUSB0``, ``COM3``, ``socket://host:8899`` (Elfin, ser2net, ESP-link), ``rfc2217://``
and ``sim://`` all take the same path, so the simulator exercises the code real ports use.
``sim://`` opens once the program has registered the simulator's URL handler (``pi30-worker``
does at start, see pyworker.cli): this package does not know the simulator.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from typing import Any

import serial

from ..errors import PortUnavailableError
from .base import Timing, Transport

# pyserial's read timeout, set once at open: reads return as soon as bytes arrive, this only
# bounds how late a deadline is noticed. Changing the timeout per read would reconfigure the
# port each time (a tcsetattr, or a round of RFC 2217 negotiation on a bridge).
READ_TICK = 0.05
WRITE_TIMEOUT = 2.0  # a few bytes that cannot leave in 2 s mean a wedged device


def _device_errors() -> tuple[type[BaseException], ...]:
    """What a port raises when the device is gone or unusable (termios only on POSIX)."""
    errors: list[type[BaseException]] = [serial.SerialException, OSError]
    if sys.platform != "win32":
        import termios  # POSIX only: imported where used so Windows loads this module

        errors.append(termios.error)
    return tuple(errors)


def open_failure_message(url: str, exc: BaseException) -> str:
    """Say why a port did not open, with the fix for the usual permission problem."""
    text = f"{url}: cannot open: {exc}"
    err = getattr(exc, "errno", None)
    if err in (errno.EACCES, errno.EPERM) or "Permission denied" in str(exc):
        text += (
            " (add your user to the group owning the device, e.g. dialout, or install a udev"
            " rule; do not chmod 777 it)"
        )
    elif err == errno.ENOENT or "No such file" in str(exc):
        from .ports import suggestion  # lists the machine's ports: only when one is missing

        text += f" ({suggestion(url)})"
    return text


class SerialTransport(Transport):
    """One pyserial port, 8N1 without flow control, ``baud`` (2400 by default).

    Local device paths are opened with an exclusive lock so a second worker on the same port
    fails at once instead of eating this one's answers.
    """

    def __init__(
        self,
        url: str,
        *,
        baud: int = 2400,
        timing: Timing | None = None,
        adjust_zero: bool = True,
        exclusive: bool | None = None,
    ) -> None:
        super().__init__(url, baud=baud, timing=timing, adjust_zero=adjust_zero)
        self.exclusive = exclusive if exclusive is not None else _is_local_device(url)
        self._port: Any = None
        self._errors = _device_errors()

    @property
    def is_open(self) -> bool:
        return self._port is not None and bool(self._port.is_open)

    def open(self) -> None:
        if self.is_open:
            return
        options: dict[str, Any] = {
            "baudrate": self.baud,
            "bytesize": serial.EIGHTBITS,
            "parity": serial.PARITY_NONE,
            "stopbits": serial.STOPBITS_ONE,
            "xonxoff": False,
            "rtscts": False,
            "dsrdtr": False,
            "timeout": READ_TICK,
            "write_timeout": WRITE_TIMEOUT,
        }
        if self.exclusive:
            options["exclusive"] = True
        try:
            port = serial.serial_for_url(self.url, do_not_open=True, **options)
            port.open()
        except ValueError as exc:  # unknown URL scheme or a bad option in the URL
            raise PortUnavailableError(f"{self.url}: not a usable port URL: {exc}") from exc
        except self._errors as exc:
            message = open_failure_message(self.url, exc)
            if "exclusively lock" in str(exc):
                message = f"{self.url}: in use by another process (one owner per port): {exc}"
            raise PortUnavailableError(message) from exc
        self._port = port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*self._errors):  # a vanished device may fail to close
                port.close()

    def _gone(self, exc: BaseException) -> PortUnavailableError:
        self.close()
        return PortUnavailableError(f"{self.url}: device unavailable: {exc}")

    def _drop_stale_input(self) -> int:
        try:
            waiting = int(self._port.in_waiting)
            self._port.reset_input_buffer()
        except self._errors as exc:
            raise self._gone(exc) from exc
        return waiting

    def _write(self, data: bytes, deadline: float) -> None:
        try:
            self._port.write(data)
        except self._errors as exc:
            raise self._gone(exc) from exc

    def _read_chunk(self, max_wait: float) -> bytes:
        try:
            waiting = self._port.in_waiting
            if waiting:
                return bytes(self._port.read(waiting))
            data = bytes(self._port.read(1))  # returns on the first byte, or after READ_TICK
            if data:
                more = self._port.in_waiting
                if more:
                    data += bytes(self._port.read(more))
            return data
        except self._errors as exc:
            raise self._gone(exc) from exc


def _is_local_device(url: str) -> bool:
    return "://" not in url and url.startswith("/")
