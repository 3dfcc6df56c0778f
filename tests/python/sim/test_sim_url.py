"""``sim://`` through pyserial's own serial_for_url: the path the worker's transport takes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import serial
from factories import cleaned_up

from pyworker.protocol import decode, encode
from pyworker.sim import forget_simulator, get_simulator, register_url_handler
from pyworker.sim.simulator import BYTE_TIME

FAST = "pacing=0&latency_ms=0&seed=1&speed=0&start=2026-01-15T12:00"


def open_sim_port(url: str, **kwargs: object) -> serial.SerialBase:
    options: dict[str, object] = {"baudrate": 2400, "timeout": 2}
    options.update(kwargs)
    return serial.serial_for_url(url, **options)


@pytest.fixture
def open_port() -> Iterator[Callable[..., serial.SerialBase]]:
    register_url_handler()
    yield from cleaned_up(open_sim_port, lambda port: port.close())


@pytest.fixture
def name() -> Iterator[str]:
    unique = f"test-{uuid.uuid4().hex[:8]}"
    yield unique
    forget_simulator(unique)


def transact(
    port: serial.SerialBase, text: str, value: object = None, protocol: str = "PI30"
) -> bytes:
    port.reset_input_buffer()
    port.write(encode(text, value, protocol=protocol))
    answer: bytes = port.read_until(b"\r")
    return answer


def test_register_is_idempotent() -> None:
    register_url_handler()
    register_url_handler()
    assert serial.protocol_handler_packages.count("pyworker.sim") == 1


def test_queries_and_a_setter_over_sim_url(open_port: Callable[..., serial.SerialBase]) -> None:
    port = open_port(f"sim://?model=pi30max&{FAST}")
    for text in ("QPIGS", "QPIGS2", "QPIRI", "QMOD", "QPIWS", "QFLAG", "QET"):
        assert decode(text, transact(port, text, protocol="PI30MAX"), "PI30MAX").data
    assert transact(port, "POP", 0, "PI30MAX") == b"(ACK\x39\x20\r"
    qpiri = decode("QPIRI", transact(port, "QPIRI", protocol="PI30MAX"), "PI30MAX").data
    assert qpiri["output_source_priority"] == "Utility Solar Battery"


def test_name_shares_one_unit_across_reopens(
    open_port: Callable[..., serial.SerialBase], name: str
) -> None:
    first = open_port(f"sim://?name={name}&{FAST}")
    assert transact(first, "MUCHGC", 10) == b"(ACK\x39\x20\r"
    first.close()
    again = open_port(f"sim://?name={name}&model=pi30max&{FAST}")  # options of a re-open: ignored
    assert decode("QPIRI", transact(again, "QPIRI")).data["max_ac_charging_current"] == 10
    assert get_simulator(name).profile.key == "pi30"
    unnamed = open_port(f"sim://?{FAST}")
    assert decode("QPIRI", transact(unnamed, "QPIRI")).data["max_ac_charging_current"] == 30


def test_unplug_and_replug(open_port: Callable[..., serial.SerialBase], name: str) -> None:
    url = f"sim://?name={name}&{FAST}"
    port = open_port(url)
    assert transact(port, "QMOD") == b"(B\xe7\xc9\r"
    get_simulator(name).unplug(0.4)
    with pytest.raises(serial.SerialException):
        port.write(encode("QMOD"))
    with pytest.raises(serial.SerialException):
        port.read(1)
    with pytest.raises(serial.SerialException, match="unplugged"):
        open_port(url)
    time.sleep(0.45)
    with pytest.raises(serial.SerialException):
        port.write(encode("QMOD"))  # a port opened before the unplug stays dead ...
    port.close()
    fresh = open_port(url)  # ... a new open reaches the unit again
    assert transact(fresh, "QMOD") == b"(B\xe7\xc9\r"


def test_paced_like_2400_baud(open_port: Callable[..., serial.SerialBase]) -> None:
    port = open_port("sim://?pacing=1&latency_ms=0&seed=1")
    started = time.monotonic()
    port.write(encode("QPIGS"))
    time.sleep(0.25)
    partial = port.in_waiting
    answer = port.read_until(b"\r")
    elapsed = time.monotonic() - started
    floor = (8 + len(answer)) * BYTE_TIME  # request + answer bytes on the wire
    assert len(answer) == 110 and floor == pytest.approx(0.492, abs=0.001)
    assert elapsed >= 0.9 * floor
    assert 0 < partial < len(answer)  # the bytes trickle in, they do not arrive at once


def test_latency_adds_to_the_wire_time(open_port: Callable[..., serial.SerialBase]) -> None:
    port = open_port("sim://?pacing=1&latency_ms=120&seed=1")
    started = time.monotonic()
    port.write(encode("QMOD"))
    assert port.read_until(b"\r") == b"(B\xe7\xc9\r"
    elapsed = time.monotonic() - started
    assert elapsed >= 0.9 * (0.120 + 12 * BYTE_TIME)


def test_reset_input_buffer_drops_only_what_has_arrived(
    open_port: Callable[..., serial.SerialBase],
) -> None:
    port = open_port("sim://?pacing=1&latency_ms=0&seed=1")
    port.write(encode("QPIGS"))
    time.sleep(0.2)
    port.reset_input_buffer()
    rest = port.read_until(b"\r")
    assert rest.endswith(b"\r") and 20 < len(rest) < 110  # the tail still came in


def test_inter_byte_timeout_ends_a_truncated_read(
    open_port: Callable[..., serial.SerialBase],
) -> None:
    port = open_port(f"sim://?fault=truncate:always:30&{FAST}", timeout=5, inter_byte_timeout=0.2)
    port.write(encode("QPIGS"))
    started = time.monotonic()
    data = port.read(200)
    assert len(data) == 30 and time.monotonic() - started < 1.0


def test_faults_from_the_url(open_port: Callable[..., serial.SerialBase]) -> None:
    port = open_port(f"sim://?fault=nak:2x,lf:always&{FAST}")
    assert transact(port, "QMOD") == b"(NAK\x73\x73\r"
    assert transact(port, "QMOD") == b"(NAK\x73\x73\r"
    port.write(encode("QMOD"))
    assert port.read_until(b"\n") == b"(B\xe7\xc9\n"


@pytest.mark.parametrize(
    "query", ["bogus=1", "model=pi99", "pacing=maybe", "fault=crc:7", "soc=120"]
)
def test_bad_options_fail_the_open(open_port: Callable[..., serial.SerialBase], query: str) -> None:
    with pytest.raises(serial.SerialException):
        open_port(f"sim://?{query}")
