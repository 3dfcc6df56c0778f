"""USB HID inverters (the built-in USB port, 0665:5161) through Linux ``/dev/hidrawN``.

Requests go out as 8-byte output reports, the last one padded with trailing 0x00 (never
leading: a leading 0x00 would be taken as a report id). Each read returns one input report;
reads are driven by ``select`` on the file descriptor, so an answer is complete as soon as its
last report arrives - no fixed sleeps, no polling interval.
"""

from __future__ import annotations

import os
import select
import time

from ..errors import PortUnavailableError
from .base import Timing, Transport
from .serial_port import open_failure_message

REPORT_SIZE = 8
READ_SIZE = 64  # one read returns one report whatever its size; ask for more than 8 to be safe
MAX_STALE_REPORTS = 4096  # a device that never stops talking must not hold us forever


def split_reports(frame: bytes, size: int = REPORT_SIZE) -> list[bytes]:
    """Cut a request frame into output reports, the last padded with trailing zeros."""
    reports = [frame[i : i + size] for i in range(0, len(frame), size)]
    if reports and len(reports[-1]) < size:
        reports[-1] = reports[-1] + b"\x00" * (size - len(reports[-1]))
    return reports


def is_hidraw_path(url: str) -> bool:
    """``/dev/hidraw3``, or a udev symlink (``/dev/inverter``) that resolves to one."""
    if "://" in url or not url.startswith("/"):
        return False
    names = {os.path.basename(url), os.path.basename(os.path.realpath(url))}
    return any(name.startswith("hidraw") for name in names)


class HidrawTransport(Transport):
    """A hidraw device node, or an already-open descriptor that speaks in reports.

    Given a path, ``open()`` opens it non-blocking and takes an exclusive ``flock`` (one owner
    per port). Given a descriptor (a socket end that delivers 8-byte packets, for instance),
    the transport owns it from then on and closes it in ``close()``.
    """

    def __init__(
        self,
        device: str | int,
        *,
        baud: int = 2400,
        timing: Timing | None = None,
        adjust_zero: bool = True,
    ) -> None:
        url = device if isinstance(device, str) else f"fd:{device}"
        super().__init__(url, baud=baud, timing=timing, adjust_zero=adjust_zero)
        self._path = device if isinstance(device, str) else None
        self._fd: int | None = device if isinstance(device, int) else None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    @property
    def fileno(self) -> int | None:
        return self._fd

    def open(self) -> None:
        if self._fd is not None:
            if self._path is None:
                os.set_blocking(self._fd, False)
            return
        if self._path is None:
            raise PortUnavailableError(f"{self.url}: a descriptor cannot be reopened once closed")
        flags = os.O_RDWR | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self._path, flags)
        except OSError as exc:
            raise PortUnavailableError(open_failure_message(self.url, exc)) from exc
        try:
            import fcntl  # Linux only, like hidraw itself

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise PortUnavailableError(
                f"{self.url}: in use by another process (one owner per port)"
            ) from exc
        except OSError:
            pass  # a node that does not support locks: still usable
        self._fd = fd

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass  # already gone with the device

    def _gone(self, exc: BaseException | str) -> PortUnavailableError:
        self.close()
        return PortUnavailableError(f"{self.url}: device unavailable: {exc}")

    def _read_report(self) -> bytes:
        assert self._fd is not None
        try:
            data = os.read(self._fd, READ_SIZE)
        except BlockingIOError:
            return b""
        except OSError as exc:  # EIO / ENODEV when the device is unplugged
            raise self._gone(exc) from exc
        if not data:
            raise self._gone("end of file (device closed)")
        return data

    def _drop_stale_input(self) -> int:
        assert self._fd is not None
        dropped = 0
        for _ in range(MAX_STALE_REPORTS):
            try:
                ready, _, _ = select.select([self._fd], [], [], 0)
            except (OSError, ValueError) as exc:
                raise self._gone(exc) from exc
            report = self._read_report() if ready else b""
            if not report:
                break
            dropped += len(report.rstrip(b"\x00"))  # report padding is not data
        return dropped

    def _write(self, data: bytes, deadline: float) -> None:
        assert self._fd is not None
        for report in split_reports(data):
            while True:
                try:
                    written = os.write(self._fd, report)
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise self._gone("the device does not accept output reports") from None
                    select.select([], [self._fd], [], left)
                    continue
                except OSError as exc:
                    raise self._gone(exc) from exc
                if written != len(report):
                    raise self._gone(f"short write of an output report ({written} of 8 bytes)")
                break

    def _read_chunk(self, max_wait: float) -> bytes:
        assert self._fd is not None
        try:
            ready, _, _ = select.select([self._fd], [], [], max(0.0, max_wait))
        except (OSError, ValueError) as exc:
            raise self._gone(exc) from exc
        if not ready:
            return b""
        return self._read_report()
