"""Row 7: QPIGS over USB HID, ours against the fixed-sleep polling reader that peers use.

The device is the simulator behind a fake HID endpoint: a SOCK_SEQPACKET socket pair (as in
tests/python/transport/transport_fakes.py), so each packet is one report. It runs in its own
process (`python -m bench.hid serve FD`) and paces like the inverter's 2400-baud line behind its
USB chip: request bytes take 4.17 ms each to reach the unit (SimLine), each answer byte 4.17 ms,
and an 8-byte input report goes out as soon as its eighth byte (or the CR) is in. Bytes after the
CR in an output report are padding.

- ours: pyworker's HidrawTransport on the host end (select() on the descriptor, no sleeps);
- theirs: mpp-solar's own HIDRawIO send and receive methods (0.05 s before each write, 0.25 s
  after, then one 0.15 s sleep before every read), called on the host end of a second pair.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from typing import Any

from pyworker.protocol import decode
from pyworker.sim import SimConfig, Simulator
from pyworker.sim.line import SimLine
from pyworker.transport import HidrawTransport

from .processes import ROOT
from .transport_qpigs_timing import floor_ms, measure

REPORT = 8


def serve(fd: int) -> None:
    """The device end: feed output reports to the simulator's line, send its answer back in
    8-byte input reports at the line's pace. Until the host end closes."""
    device = socket.socket(fileno=fd)
    line = SimLine(Simulator(SimConfig(latency_ms=0.0, seed=1)))
    pending = bytearray()
    print("ready", flush=True)
    while True:
        due = line.next_due()
        timeout = 0.05 if due is None else max(0.0, min(0.05, due - time.monotonic()))
        readable, _, _ = select.select([device], [], [], timeout)
        if readable:
            report = device.recv(64)
            if not report:
                return  # the host end is closed
            if b"\r" in report:
                report = report[: report.index(b"\r") + 1]
            line.feed(report)
        pending += line.take_due()
        while len(pending) >= REPORT or (pending and b"\r" in pending):
            chunk = bytes(pending[:REPORT])
            del pending[:REPORT]
            device.send(chunk + b"\x00" * (REPORT - len(chunk)))


class FakeHidDevice:
    """A paced HID device in a child process; ``host_fd`` is the end a reader uses."""

    def __init__(self) -> None:
        host, device = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.hid", "serve", str(device.fileno())],
            cwd=ROOT,
            pass_fds=(device.fileno(),),
            stdout=subprocess.PIPE,
            text=True,
        )
        device.close()
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the fake HID device did not start")
        self.host_fd = host.detach()

    def stop(self, *, close_host: bool = True) -> None:
        """``close_host=False`` when a transport took the host end over (and closed it)."""
        if close_host:
            os.close(self.host_fd)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def ours(runs: int) -> dict[str, list[float]]:
    device = FakeHidDevice()
    try:
        samples = measure(HidrawTransport(device.host_fd), runs + 1)[1:]  # first: warm-up
    finally:
        device.stop(close_host=False)  # the transport owns the host end and closed it
    return {"ms": [t * 1000 for t, _ in samples], "floor_ms": [floor_ms(n) for _, n in samples]}


def mppsolar_reader(runs: int) -> dict[str, Any]:
    """mpp-solar 0.16's HID reader code, unchanged, on the same kind of device."""
    from mppsolar.inout.hidrawio import HIDRawIO
    from mppsolar.protocols import get_protocol

    request = get_protocol("PI30").get_full_command("QPIGS")
    reader = HIDRawIO(device_path="fake-hidraw")
    device = FakeHidDevice()
    out: dict[str, list[float]] = {"ms": [], "floor_ms": []}
    try:
        os.set_blocking(device.host_fd, False)  # mpp-solar opens hidraw with O_NONBLOCK
        for _ in range(runs):
            started = time.perf_counter()
            reader._send_command(device.host_fd, request)
            answer = reader._receive_response(device.host_fd)
            out["ms"].append((time.perf_counter() - started) * 1000)
            decode("QPIGS", answer)  # the whole answer arrived
            out["floor_ms"].append(floor_ms(len(answer), len(request)))
    finally:
        device.stop()
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        sys.exit("usage: python -m bench.hid serve FD")
