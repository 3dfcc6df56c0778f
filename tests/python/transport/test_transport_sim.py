"""The transports against the simulator: `pi30-worker sim --pty` (a real pseudo-terminal served
by a separate process) and the ``sim://`` pyserial URL, including its faults and unplugs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import PtySimulator, run_cli_json

from pyworker.errors import PortUnavailableError
from pyworker.protocol import decode, encode
from pyworker.sim import get_simulator
from pyworker.transport import ReconnectingPort, SerialTransport, Timing, open_transport

QPIGS_FLOOR = (8 + 110) * 10 / 2400  # 492 ms: request and a 110-byte answer at 2400 baud


def run_query(*args: str) -> tuple[int, Any]:
    return run_cli_json("query", *args, timeout=30)


def unique_name() -> str:
    return f"transport-{uuid.uuid4().hex[:8]}"


def test_paced_sim_pty_qpigs_takes_its_wire_time(
    pty_sim: Callable[..., PtySimulator], tmp_path: Path
) -> None:
    link = tmp_path / "ttySIM"
    pty_sim("--link", str(link), "--latency-ms", "0", "--seed", "1")
    with open_transport(str(link)) as transport:
        assert isinstance(transport, SerialTransport)
        times = []
        for _ in range(3):
            started = time.monotonic()
            frame = transport.transact(encode("QPIGS"), expected_bytes=140)
            times.append(time.monotonic() - started)
            assert len(frame) + 1 == 110
            assert decode("QPIGS", frame).data["ac_output_voltage"] > 0
    assert QPIGS_FLOOR - 0.005 <= min(times)
    assert max(times) < QPIGS_FLOOR + 0.1


def test_sim_pty_unplug_is_port_unavailable_then_the_port_comes_back(
    pty_sim: Callable[..., PtySimulator], tmp_path: Path
) -> None:
    link = tmp_path / "ttySIM"
    sim = pty_sim(
        "--link", str(link), "--no-pacing", "--latency-ms", "0", "--fault", "unplug:once:1"
    )
    states: list[str] = []
    port = ReconnectingPort(
        str(link),
        backoff_initial=0.2,
        backoff_max=0.4,
        on_state_change=lambda state, _error: states.append(state),
    )
    assert port.open()
    started = time.monotonic()
    with pytest.raises(PortUnavailableError):
        port.transact(encode("QMOD"), expected_bytes=5)
    assert time.monotonic() - started < 1.5
    assert port.state == "reconnecting"
    with pytest.raises(PortUnavailableError):  # down: fails at once
        port.transact(encode("QMOD"), expected_bytes=5)
    assert sim.next_line().startswith(
        "/dev/"
    )  # the unit comes back as a new pty (its number may be reused), the link follows
    deadline = time.monotonic() + 5
    while not port.reconnect_if_due() and time.monotonic() < deadline:
        time.sleep(port.retry_in or 0.01)
    assert port.state == "connected"
    assert time.monotonic() - started >= 1.0
    assert decode("QMOD", port.transact(encode("QMOD"), expected_bytes=5)).data["device_mode"]
    assert states == ["connected", "reconnecting", "connected"]
    port.close()


def test_sim_url_unplug_and_replug_with_backoff() -> None:
    name = unique_name()
    port = ReconnectingPort(
        f"sim://?name={name}&pacing=0&latency_ms=0",
        backoff_initial=0.1,
        backoff_max=0.2,
        timing=Timing(processing_margin=0.5),
    )
    assert port.open()
    assert decode("QPI", port.transact(encode("QPI"), expected_bytes=8)).data
    get_simulator(name).unplug(0.6)
    with pytest.raises(PortUnavailableError):
        port.transact(encode("QPI"), expected_bytes=8)
    assert port.state == "reconnecting"
    assert port.last_error is not None and port.last_error.code == "PORT_UNAVAILABLE"
    started = time.monotonic()
    attempts_seen = 0
    while not port.reconnect_if_due() and time.monotonic() - started < 5:
        attempts_seen = port.failed_attempts
        time.sleep(port.retry_in or 0.01)
    assert port.state == "connected"
    assert attempts_seen >= 2  # 0.1 s, then 0.2 s, 0.2 s ... while it was away
    assert decode("QPI", port.transact(encode("QPI"), expected_bytes=8)).data
    port.close()


def test_newcomer_query_on_the_default_sim_url() -> None:
    code, out = run_query("QPIGS", "--port", "sim://")
    assert code == 0
    assert out["command"] == "QPIGS" and out["units"]["ac_output_voltage"] == "V"
    code, out = run_query("POP", "SBU first", "--port", "sim://")
    assert (code, out) == (0, {"command": "POP", "sent": "POP02", "data": {"ack": True}})


@pytest.mark.parametrize(
    ("fault", "exit_code", "error_code"),
    [
        ("crc", 1, "CRC"),
        ("nak", 1, "NAK"),
        ("truncate", 1, "TIMEOUT"),
        ("no_answer", 1, "TIMEOUT"),
        ("late:always:1500", 1, "TIMEOUT"),
        ("unplug", 1, "PORT_UNAVAILABLE"),
        ("noise", 0, None),  # noise before '(' still decodes
        ("lf", 0, None),  # LF terminator still decodes
    ],
)
def test_each_sim_fault_surfaces_through_query(
    fault: str, exit_code: int, error_code: str | None
) -> None:
    url = f"sim://?pacing=0&latency_ms=0&fault={fault}"
    code, out = run_query("QMOD", "--port", url, "--timeout", "0.8")
    assert code == exit_code, out
    if error_code is None:
        assert out["data"]["device_mode"]
    else:
        assert out["error"]["code"] == error_code


def test_unsupported_command_is_echoed_or_refused_per_profile() -> None:
    # a classic PI30 unit does not know the MAX-only QPIGS2
    code, out = run_query("QPIGS2", "--port", "sim://?model=pi30&pacing=0", "--protocol", "PI30MAX")
    assert (code, out["error"]["code"]) == (1, "UNSUPPORTED")
    url = "sim://?model=pi30&pacing=0&unsupported=nak"
    code, out = run_query("QPIGS2", "--port", url, "--protocol", "PI30MAX")
    assert (code, out["error"]["code"]) == (1, "NAK")
