"""``pi30-worker sim --pty`` in a child process, reached through a real pseudo-terminal by
pyserial (a serial client we did not write) and by a bare file descriptor."""

from __future__ import annotations

import os
import select
import signal
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import serial
from cli_runner import PtySimulator, run_cli

from pyworker.protocol import decode, encode
from pyworker.sim import SimControl
from pyworker.sim.simulator import BYTE_TIME

FAST = ("--no-pacing", "--latency-ms", "0", "--seed", "4")


def ask(port: serial.Serial, text: str, value: object = None) -> bytes:
    port.reset_input_buffer()
    port.write(encode(text, value))
    answer: bytes = port.read_until(b"\r")
    return answer


def test_pyserial_reads_and_sets_through_the_pty(
    pty_sim: Callable[..., PtySimulator], tmp_path: Path
) -> None:
    link = tmp_path / "ttyINV"
    sim = pty_sim(*FAST, "--link", str(link))
    assert stat.S_ISCHR(os.stat(sim.path).st_mode)
    assert os.readlink(link) == sim.path
    with serial.Serial(str(link), 2400, timeout=2) as port:
        data = {text: decode(text, ask(port, text)).data for text in ("QPIGS", "QPIRI", "QMOD")}
        assert data["QPIGS"]["ac_output_voltage"] > 200
        assert data["QPIRI"]["output_source_priority"] == "SBU first"
        assert data["QMOD"]["device_mode"] in ("Battery", "Line")
        assert decode("QPIWS", ask(port, "QPIWS")).data["active_faults"] == []
        assert decode("QFLAG", ask(port, "QFLAG")).data["buzzer"] is True
        assert ask(port, "POP", 0) == b"(ACK\x39\x20\r"
        assert decode("QPIRI", ask(port, "QPIRI")).data["output_source_priority"] == "Utility first"


def test_the_pty_is_raw_no_echo_no_line_discipline(pty_sim: Callable[..., PtySimulator]) -> None:
    sim = pty_sim(*FAST)
    fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)  # a bare descriptor: no termios set by us
    try:
        os.write(fd, encode("QMOD"))
        received = b""
        deadline = time.monotonic() + 3
        while not received.endswith(b"\r") and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                received += os.read(fd, 64)
        # no echo of the request, and the CR is not turned into a newline
        assert received == b"(B\xe7\xc9\r"
        time.sleep(0.1)
        assert select.select([fd], [], [], 0)[0] == []
    finally:
        os.close(fd)


def test_paced_qpigs_takes_its_wire_time(pty_sim: Callable[..., PtySimulator]) -> None:
    sim = pty_sim("--latency-ms", "0", "--seed", "4")
    floor = (8 + 110) * BYTE_TIME
    times = []
    with serial.Serial(sim.path, 2400, timeout=3) as port:
        for _ in range(3):
            started = time.monotonic()
            answer = ask(port, "QPIGS")
            times.append(time.monotonic() - started)
            assert len(answer) == 110
    print(
        f"QPIGS through the paced pty: {[round(t * 1000, 1) for t in times]} ms; floor "
        f"{floor * 1000:.1f} ms"
    )
    assert min(times) >= 0.9 * floor
    assert max(times) < floor + 0.5  # paced, not stalled


def test_unplug_closes_the_pty_and_replug_makes_a_new_one(
    pty_sim: Callable[..., PtySimulator], tmp_path: Path, short_dir: Path
) -> None:
    link = tmp_path / "ttyINV"
    endpoint = f"ipc://{short_dir}/ctl"
    sim = pty_sim(*FAST, "--link", str(link), "--control", endpoint)
    port = serial.Serial(str(link), 2400, timeout=1)
    assert ask(port, "QMOD") == b"(B\xe7\xc9\r"
    with SimControl(endpoint) as control:
        control.unplug(1.0)
        deadline = time.monotonic() + 3
        while link.is_symlink() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not link.exists()  # the device is gone, and so is its link
        # what a vanished USB-serial adapter does: writes fail (EIO), reads report a hang-up
        with pytest.raises(serial.SerialException, match="write failed"):
            port.write(encode("QMOD"))
        with pytest.raises(serial.SerialException, match="disconnected"):
            port.read_until(b"\r")
        port.close()
        new_path = sim.next_line(timeout=5)  # the replugged device, announced on stdout
        assert os.readlink(link) == new_path
        with serial.Serial(str(link), 2400, timeout=1) as again:
            assert ask(again, "QMOD") == b"(B\xe7\xc9\r"
        assert control.status()["transactions"]["QMOD"] == 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_and_removes_its_link(
    pty_sim: Callable[..., PtySimulator], tmp_path: Path, sig: int
) -> None:
    link = tmp_path / "ttyINV"
    sim = pty_sim(*FAST, "--link", str(link))
    assert link.is_symlink()
    assert sim.stop(sig) == 0
    assert not link.exists() and not link.is_symlink()


def test_sim_needs_a_front_and_valid_options() -> None:
    no_front = run_cli("sim")
    assert no_front.returncode == 2
    assert "--pty" in no_front.stderr
    unknown = run_cli("sim", "--pty", "--fault", "smoke")
    assert unknown.returncode == 2  # a usage error: nothing started
    assert "unknown fault" in unknown.stderr
