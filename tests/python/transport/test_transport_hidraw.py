"""USB HID framing against a fake HID device that speaks in 8-byte reports."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from transport_fakes import PER_BYTE_2400, HidInverter

from pyworker.errors import PortUnavailableError, ResponseTimeout
from pyworker.protocol import build_response, decode, encode
from pyworker.transport import (
    HidrawTransport,
    SerialTransport,
    Timing,
    create_transport,
    is_hidraw_path,
    split_reports,
)

MakeHid = Callable[..., HidInverter]


def test_split_reports_pads_the_last_report_with_trailing_zeros() -> None:
    frame = encode("QPIGS2", protocol="PI30MAX")
    assert len(frame) == 9
    assert split_reports(frame) == [frame[:8], frame[8:] + b"\x00" * 7]
    exact = encode("QPIGS")  # 8 bytes: one report, no padding at all
    assert split_reports(exact) == [exact]


def test_qpigs2_request_goes_out_as_two_padded_reports(hid_inverter: MakeHid) -> None:
    inverter = hid_inverter()
    request = encode("QPIGS2", protocol="PI30MAX")
    with HidrawTransport(inverter.host_fd) as transport:
        frame = transport.transact(request, expected_bytes=24)
    assert inverter.reports_in == [request[:8], b"\r" + b"\x00" * 7]
    assert inverter.requests == ["QPIGS2"]
    assert decode("QPIGS2", frame, "PI30MAX").data == {
        "pv2_input_current": 3.1,
        "pv2_input_voltage": 327.3,
        "pv2_charging_power": 1026,
    }


def test_110_byte_answer_from_8_byte_reports_arrives_whole_in_its_wire_time(
    hid_inverter: MakeHid,
) -> None:
    inverter = hid_inverter(per_byte=PER_BYTE_2400)
    answer = inverter.answers["QPIGS"]
    assert len(answer) == 110
    with HidrawTransport(inverter.host_fd) as transport:
        started = time.monotonic()
        frame = transport.transact(encode("QPIGS"), expected_bytes=140)
        elapsed = time.monotonic() - started
    assert frame == answer[:-1]
    wire = 110 * PER_BYTE_2400  # 458 ms: the last report goes out when byte 110 is in
    assert wire - 0.005 <= elapsed < wire + 0.1  # select-driven: no polling interval on top


def test_bytes_after_the_cr_in_the_last_report_are_ignored(hid_inverter: MakeHid) -> None:
    inverter = hid_inverter(filler=b"\xaa")
    with HidrawTransport(inverter.host_fd) as transport:
        first = transport.transact(encode("QMOD"), expected_bytes=5)
        second = transport.transact(encode("QPI"), expected_bytes=8)
    assert decode("QMOD", first).data == {"device_mode": "Battery"}
    assert decode("QPI", second).data == {"protocol_id": "PI30"}


def test_stale_reports_are_drained_before_the_request(hid_inverter: MakeHid) -> None:
    inverter = hid_inverter()
    with HidrawTransport(inverter.host_fd) as transport:
        inverter.send_reports(build_response("L") + build_response("PI30"))
        time.sleep(0.02)  # let the stale reports land in the socket buffer
        frame = transport.transact(encode("QMOD"), expected_bytes=5)
    assert decode("QMOD", frame).data == {"device_mode": "Battery"}


def test_cut_answer_times_out_with_the_partial(hid_inverter: MakeHid) -> None:
    inverter = hid_inverter(answers={"QMOD": b"(B\xe7"})
    with HidrawTransport(inverter.host_fd, timing=Timing(inter_byte_timeout=0.15)) as transport:
        started = time.monotonic()
        with pytest.raises(ResponseTimeout) as caught:
            transport.transact(encode("QMOD"), expected_bytes=5)
        assert time.monotonic() - started < 0.4
    assert "b'(B\\xe7" in caught.value.message  # the partial, as received (report padding too)


def test_unplugged_device_is_port_unavailable(hid_inverter: MakeHid) -> None:
    inverter = hid_inverter(latency=0.2)
    transport = HidrawTransport(inverter.host_fd)
    transport.open()
    inverter.unplug()
    started = time.monotonic()
    with pytest.raises(PortUnavailableError) as caught:
        transport.transact(encode("QMOD"), expected_bytes=5)
    assert time.monotonic() - started < 0.3
    assert caught.value.code == "PORT_UNAVAILABLE"
    assert not transport.is_open
    with pytest.raises(PortUnavailableError, match="cannot be reopened"):
        transport.open()


def test_hidraw_paths_choose_the_hid_transport(tmp_path: Path) -> None:
    link = tmp_path / "inverter-usb"
    link.symlink_to("/dev/hidraw7")
    assert is_hidraw_path("/dev/hidraw0")
    assert is_hidraw_path(str(link))  # a udev symlink to a hidraw node
    assert not is_hidraw_path("/dev/ttyUSB0")
    assert not is_hidraw_path("socket://hidraw:8899")
    assert isinstance(create_transport("/dev/hidraw0"), HidrawTransport)
    assert isinstance(create_transport("/dev/ttyUSB0"), SerialTransport)


def test_missing_hidraw_node_is_port_unavailable() -> None:
    missing = "/dev/hidraw" + str(max(99, len(os.listdir("/dev"))))
    with pytest.raises(PortUnavailableError, match="cannot open"):
        create_transport(missing).open()
