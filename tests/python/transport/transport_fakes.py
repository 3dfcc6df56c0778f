"""Fake far ends for the transport tests: a unit behind a real pseudo-terminal, behind a TCP
bridge, and behind a USB HID endpoint (8-byte reports over a SOCK_SEQPACKET socket pair).

They are stand-ins for the inverter, not for our code: the transports under test open real
ptys, sockets and file descriptors. Answers are built with the protocol core from the sample
frames of the reference, and paced like a 2400-baud line when asked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import socket
import termios
import threading
import time
import tty
from collections.abc import Mapping
from pathlib import Path

from pyworker.protocol import FrameSplitter, build_response

PER_BYTE_2400 = 10 / 2400  # seconds per byte at 2400 baud, 8N1

QPIGS_PAYLOAD = (
    "000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 "
    "00110110 00 00 00856 010"
)
QPGS0_PAYLOAD = (
    "1 92932004102443 B 00 237.0 50.01 230.0 50.00 1150 1102 023 51.1 012 069 120.4 012 "
    "01150 01102 023 10100110 0 1 060 120 030 02 000 099 00.0"
)
QPIGS2_PAYLOAD = "03.1 327.3 01026 "

STANDARD_ANSWERS: dict[str, bytes] = {
    "QPIGS": build_response(QPIGS_PAYLOAD),  # 110 bytes
    "QPGS0": build_response(QPGS0_PAYLOAD),  # 143 bytes
    "QPIGS2": build_response(QPIGS2_PAYLOAD),
    "QMOD": build_response("B"),
    "QPI": build_response("PI30"),
    "QFLAG": build_response("EakxyDbjuvz"),
    "POP02": build_response("ACK"),
    "POP00": build_response("NAK"),
}


class FakeInverter:
    """Answers whole PI30 request frames; unknown commands are echoed back like a real unit.

    ``answers`` maps the command text (``"QPIGS"``, ``"POP02"``) to the exact bytes to send,
    terminator included (leave it out for a cut answer; b"" for silence). ``latency`` is the
    unit's think time, ``per_byte`` the pacing of the answer (0 = all at once).
    """

    def __init__(
        self,
        answers: Mapping[str, bytes] | None = None,
        *,
        per_byte: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        self.answers = dict(STANDARD_ANSWERS if answers is None else answers)
        self.per_byte = per_byte
        self.latency = latency
        self.requests: list[str] = []
        self.request_frames: list[bytes] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def answer_for(self, request: bytes) -> bytes:
        text = request[:-2].decode("latin-1")  # strip the two CRC bytes
        self.requests.append(text)
        self.request_frames.append(request)
        return self.answers.get(text, request + b"\r")

    # -- the serving loop, over whatever endpoint a subclass has ---------------------------
    def _readable(self) -> int:
        raise NotImplementedError

    def _recv(self) -> bytes:
        raise NotImplementedError

    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        self._serve_stream(until_error=False)

    def _serve_stream(self, *, until_error: bool) -> None:
        """Answer each request frame; on an endpoint error, return or wait for it to heal."""
        splitter = FrameSplitter()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._readable()], [], [], 0.02)
                data = self._recv() if ready else b""
            except (OSError, ValueError):
                if until_error:
                    return
                time.sleep(0.01)  # a pty with no slave open: EIO until one opens it
                continue
            for frame in splitter.feed(data):
                self._reply(self.answer_for(frame))

    def _wait(self, seconds: float) -> bool:
        return not self._stop.wait(seconds) if seconds > 0 else not self._stop.is_set()

    def _reply(self, data: bytes) -> None:
        if not data or not self._wait(self.latency):
            return
        self._send_paced(data, chunk=1)

    def _send_paced(self, data: bytes, chunk: int) -> None:
        """Send ``data`` in pieces of ``chunk`` bytes, each when its last byte has arrived."""
        started = time.monotonic()
        for offset in range(0, len(data), chunk):
            piece = data[offset : offset + chunk]
            due = started + (offset + len(piece)) * self.per_byte
            if self.per_byte and not self._wait(due - time.monotonic()):
                return
            try:
                self._send(piece)
            except OSError:
                return

    def start_thread(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class PtyInverter(FakeInverter):
    """A unit on the far end of a real pseudo-terminal, reached through a stable symlink
    (like a udev name): unplug() makes the device vanish, replug() brings a new one back."""

    def __init__(self, link: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.link = link
        self.master = -1
        self.slave = -1
        self.pty_path = ""
        self.replug()

    @property
    def path(self) -> str:
        return str(self.link)

    def replug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # raw bytes: no echo, no line discipline
        self.pty_path = os.ttyname(self.slave)
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        self.link.symlink_to(self.pty_path)
        self.start_thread()

    def unplug(self) -> None:
        self.stop_thread()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.master = self.slave = -1
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()

    def inject(self, data: bytes) -> None:
        """Bytes that reach the port's input unasked (a late answer, noise), and wait until
        they are queued on the terminal."""
        os.write(self.master, data)
        deadline = time.monotonic() + 2
        while self.queued_input() < len(data) and time.monotonic() < deadline:
            time.sleep(0.002)

    def queued_input(self) -> int:
        raw = fcntl.ioctl(self.slave, termios.FIONREAD, b"\0\0\0\0")
        return int.from_bytes(raw, "little")

    def _readable(self) -> int:
        return self.master

    def _recv(self) -> bytes:
        return os.read(self.master, 4096)

    def _send(self, data: bytes) -> None:
        os.write(self.master, data)


class TcpInverter(FakeInverter):
    """A serial-over-TCP bridge (Elfin, ser2net) with a unit behind it, on 127.0.0.1."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.port = 0
        self.connections = 0
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self.listen()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(4)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self.start_thread()

    def shutdown(self) -> None:
        """The bridge goes away: the listener and any connection are closed."""
        self.stop_thread()
        for sock in (self._client, self._listener):
            if sock is not None:
                sock.close()
        self._client = self._listener = None

    def drop_connection(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.02)
            if not ready:
                continue
            self._client, _ = self._listener.accept()
            self.connections += 1
            self._serve_stream(until_error=True)

    def _readable(self) -> int:
        return self._client.fileno() if self._client is not None else -1

    def _recv(self) -> bytes:
        if self._client is None:
            raise OSError("no client")
        data = self._client.recv(4096)
        if not data:
            raise ConnectionResetError("client left")
        return data

    def _send(self, data: bytes) -> None:
        if self._client is not None:
            self._client.sendall(data)


class HidInverter(FakeInverter):
    """A USB HID unit: requests come in as 8-byte output reports, answers go out as 8-byte
    input reports, one packet each over a SOCK_SEQPACKET socket pair (so report boundaries
    hold). The last answer report is padded with ``filler`` after the CR."""

    REPORT = 8

    def __init__(self, *, filler: bytes = b"\x00", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.filler = filler
        self.reports_in: list[bytes] = []
        self.device, host = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.host_fd = host.detach()  # the transport owns this end from now on
        self.start_thread()

    def send_reports(self, data: bytes) -> None:
        """Input reports sent at once (stale input before a request)."""
        for offset in range(0, len(data), self.REPORT):
            self.device.send(self._padded(data[offset : offset + self.REPORT]))

    def unplug(self) -> None:
        self.stop_thread()
        self.device.close()

    def _padded(self, report: bytes) -> bytes:
        missing = self.REPORT - len(report)
        return report + (self.filler * self.REPORT)[:missing]

    def _reply(self, data: bytes) -> None:
        if not data or not self._wait(self.latency):
            return
        self._send_paced(data, chunk=self.REPORT)

    def _readable(self) -> int:
        return self.device.fileno()

    def _recv(self) -> bytes:
        report = self.device.recv(64)
        if not report:
            raise ConnectionResetError("host closed")
        self.reports_in.append(report)
        return report

    def _send(self, data: bytes) -> None:
        self.device.send(self._padded(data))
