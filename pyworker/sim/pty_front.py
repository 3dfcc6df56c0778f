"""``pi30-worker sim --pty``: the simulator on a pseudo-terminal, for any serial program.

POSIX only (imported only by the ``sim`` sub-command). The pty is raw on both sides: no echo,
no line discipline, bytes as a real RS232 line carries them. An unplug closes the pty (and
removes the link), and a new pty appears when the unit comes back (the link follows it; its
path is printed as a new line on stdout).
"""

from __future__ import annotations

import errno
import os
import select
import signal
import sys
import threading
import time
import tty
from pathlib import Path
from types import FrameType
from typing import TextIO

from .line import SimLine
from .simulator import Simulator

IDLE_WAIT_S = 0.05


class PtyFront:
    def __init__(
        self,
        sim: Simulator,
        link: Path | None = None,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        self.sim = sim
        self.link = link
        self.out = out
        self.err = err
        self.master = -1
        self.slave = -1
        self.path = ""
        self.line: SimLine | None = None

    def open(self) -> str:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.master, self.slave = master, slave
        # Keeping our own slave descriptor open means the master never reads EIO while no
        # client has the port open.
        self.path = os.ttyname(slave)
        self.line = SimLine(self.sim)
        if self.link is not None:
            temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}")
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(self.path)
            os.replace(temporary, self.link)
        return self.path

    def close(self) -> None:
        link = self.link
        if link is not None and link.is_symlink() and os.readlink(link) == self.path:
            link.unlink()
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1
        self.line = None

    def announce(self, path: str) -> None:
        self.out.write(path + "\n")
        self.out.flush()

    def log(self, message: str) -> None:
        self.err.write(f"pi30-worker sim: {message}\n")
        self.err.flush()

    def serve(self, stop: threading.Event) -> None:
        self.announce(self.open())
        try:
            while not stop.is_set():
                if not self.sim.plug.plugged:
                    self._unplugged(stop)
                    continue
                self._pump()
        finally:
            self.close()

    def _unplugged(self, stop: threading.Event) -> None:
        self.log(f"unplugged for {self.sim.plug.remaining_s:.1f} s: {self.path} is gone")
        self.close()
        while not self.sim.plug.plugged and not stop.is_set():
            stop.wait(min(IDLE_WAIT_S, max(0.001, self.sim.plug.remaining_s)))
        if not stop.is_set():
            path = self.open()
            self.log(f"plugged back in as {path}")
            self.announce(path)

    def _pump(self) -> None:
        line = self.line
        assert line is not None
        timeout = IDLE_WAIT_S
        due = line.next_due()
        if due is not None:
            timeout = min(timeout, max(0.0, due - time.monotonic()))
        try:
            readable, _, _ = select.select([self.master], [], [], timeout)
        except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
            readable = []
        if readable:
            try:
                data = os.read(self.master, 4096)
            except BlockingIOError:
                data = b""
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                data = b""
            if data:
                line.feed(data)
        outgoing = line.take_due()
        if outgoing:
            try:
                os.write(self.master, outgoing)
            except BlockingIOError:
                pass  # the client is not reading and its buffer is full: the bytes are lost


def serve_pty(sim: Simulator, link: Path | None) -> int:
    """Serve until SIGTERM or SIGINT; exit status 0 on a clean stop."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    front = PtyFront(sim, link)
    try:
        front.serve(stop)
    except OSError as exc:  # no pty left, or the link's directory is missing
        front.log(f"cannot serve: {exc}")
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
