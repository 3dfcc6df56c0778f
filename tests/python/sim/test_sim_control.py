"""The control endpoint over a real ZeroMQ socket: another process's view of the simulator."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
import serial
import zmq

from pyworker.protocol import decode, encode
from pyworker.sim import SimControl, forget_simulator, register_url_handler
from pyworker.sim.control import ControlError


class Rig:
    def __init__(self, endpoint: str, port: serial.SerialBase, control: SimControl) -> None:
        self.endpoint = endpoint
        self.port = port
        self.control = control

    def ask(self, text: str, value: object = None) -> bytes:
        self.port.reset_input_buffer()
        self.port.write(encode(text, value))
        answer: bytes = self.port.read_until(b"\r")
        return answer


@pytest.fixture
def rig(short_dir: Path) -> Iterator[Rig]:
    register_url_handler()
    endpoint = f"ipc://{short_dir}/ctl"
    url = f"sim://?control={endpoint}&pacing=0&latency_ms=0&seed=2&speed=0&start=2026-01-15T05:00"
    port = serial.serial_for_url(url, baudrate=2400, timeout=1)
    control = SimControl(endpoint, timeout=3)
    yield Rig(endpoint, port, control)
    control.close()
    port.close()
    forget_simulator(endpoint)


def test_status_reports_state_counters_and_ledger(rig: Rig) -> None:
    for _ in range(3):
        rig.ask("QPIGS")
    rig.ask("QMOD")
    status = rig.control.status()
    assert status["ok"] is True and status["model"] == "pi30" and status["seed"] == 2
    assert status["transactions"] == {"QPIGS": 3, "QMOD": 1}
    assert status["transactions_total"] == 4
    assert status["now"] == "2026-01-15T05:00:00" and status["speed"] == 0
    assert status["state"]["mode"] in ("B", "L")
    assert status["settings"]["output_source_priority"] == 2
    assert set(status["ledger"]["totals"]) >= {"grid_import_wh", "pv_wh", "load_wh"}
    rig.control.reset_counters()
    assert rig.control.status()["transactions"] == {}


def test_faults_while_running(rig: Rig) -> None:
    rig.control.set_faults({"nak": "once"})
    assert rig.ask("QMOD") == b"(NAK\x73\x73\r"
    assert rig.ask("QMOD") == b"(B\xe7\xc9\r"
    rig.control.set_faults(spec=["crc:always"])
    assert rig.ask("QMOD") != b"(B\xe7\xc9\r"
    assert rig.control.set_faults(clear=True)["faults"] == {}
    assert rig.control.status()["injected"] == {"nak": 1, "crc": 1}
    with pytest.raises(ControlError, match="unknown fault"):
        rig.control.set_faults({"smoke": 1.0})


def test_unplug_and_plug(rig: Rig) -> None:
    reply = rig.control.unplug(30)
    assert reply["plugged"] is False and reply["unplugged_remaining_s"] > 29
    with pytest.raises(serial.SerialException):
        rig.ask("QMOD")
    assert rig.control.status()["plugged"] is False
    rig.control.plug()
    rig.port.close()
    rig.port.open()
    assert rig.ask("QMOD") == b"(B\xe7\xc9\r"


def test_clock_set_speed_and_step(rig: Rig) -> None:
    assert rig.control.clock(set="2026-07-01T12:30")["now"] == "2026-07-01T12:30:00"
    assert decode("QPIGS", rig.ask("QPIGS")).data["pv_input_power"] > 0
    assert rig.control.clock(step_s=12 * 3600)["now"] == "2026-07-02T00:30:00"
    assert decode("QPIGS", rig.ask("QPIGS")).data["pv_input_power"] == 0
    reply = rig.control.clock(speed=3600)
    assert reply["speed"] == 3600
    time.sleep(0.5)
    now = rig.control.status()["now"]
    assert "2026-07-02T00:45" <= now <= "2026-07-02T01:30"
    rig.control.clock(speed=0)
    with pytest.raises(ControlError):
        rig.control.clock(set="yesterday")


def test_set_state_and_ledger(rig: Rig) -> None:
    state = rig.control.set_state(soc=42.0, load_w=800.0, weather=0.5)
    assert state["soc"] == 42.0 and state["load_w"] == 800.0 and state["weather"] == 0.5
    assert decode("QPIGS", rig.ask("QPIGS")).data["battery_capacity"] == 42
    rig.control.set_state(settings={"max_ac_charging_current": 20, "output_source_priority": 0})
    assert decode("QPIRI", rig.ask("QPIRI")).data["max_ac_charging_current"] == 20
    rig.control.clock(step_s=3 * 3600)  # 05:00 -> 08:00 at 800 W, utility first: Line mode
    ledger = rig.control.ledger("2026-01-15T06:00", "2026-01-15T08:00", hourly=True)
    energy = ledger["energy"]
    assert energy["load_wh"] == pytest.approx(1600, rel=0.01)
    assert energy["grid_import_wh"] >= energy["grid_to_load_wh"] > 1000
    assert [h["start"] for h in ledger["hours"]] == ["2026-01-15T06:00:00", "2026-01-15T07:00:00"]
    assert rig.control.ledger()["totals"]["load_wh"] == pytest.approx(2400, rel=0.01)
    with pytest.raises(ControlError, match="unknown key"):
        rig.control.set_state(colour="blue")
    with pytest.raises(ControlError, match="soc"):
        rig.control.set_state(soc=140)


def test_ignore_writes_acks_without_applying(rig: Rig) -> None:
    assert rig.control.ignore_writes(True)["ignore_writes"] is True
    assert rig.ask("POP", 0) == b"(ACK\x39\x20\r"
    assert decode("QPIRI", rig.ask("QPIRI")).data["output_source_priority"] == "SBU first"
    assert rig.ask("PCP", 2) == b"(NAK\x73\x73\r"  # still validated: refused as always
    rig.control.ignore_writes(False)
    assert rig.ask("POP", 0) == b"(ACK\x39\x20\r"
    assert decode("QPIRI", rig.ask("QPIRI")).data["output_source_priority"] == "Utility first"


def test_bad_requests_get_an_error_reply(rig: Rig) -> None:
    with pytest.raises(ControlError, match="unknown op"):
        rig.control.request("explode")
    context = zmq.Context()
    sock = context.socket(zmq.REQ)
    sock.setsockopt(zmq.RCVTIMEO, 3000)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(rig.endpoint)
    sock.send(b"\xc1")  # never valid msgpack
    reply = msgpack.unpackb(sock.recv(), raw=False)
    assert reply["ok"] is False and reply["error"]["code"] == "INVALID_REQUEST"
    sock.send(msgpack.packb(["not", "a", "map"]))
    assert msgpack.unpackb(sock.recv(), raw=False)["ok"] is False
    sock.close()
    context.term()
    assert rig.control.request("ping")["pong"] is True  # still serving


def test_a_silent_endpoint_times_out(short_dir: Path) -> None:
    control = SimControl(f"ipc://{short_dir}/nobody-{uuid.uuid4().hex[:6]}", timeout=0.3)
    with pytest.raises(TimeoutError):
        control.status()
    control.close()


def test_an_endpoint_in_use_fails_the_open_cleanly() -> None:
    register_url_handler()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(serial.SerialException, match="control endpoint"):
            serial.serial_for_url(f"sim://?control=tcp://127.0.0.1:{port}&pacing=0")
