"""The serial path (pyserial ``serial_for_url``) through a real pseudo-terminal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from transport_fakes import PER_BYTE_2400, PtyInverter

from pyworker.errors import PortUnavailableError, ResponseTimeout
from pyworker.protocol import build_response, decode, encode, get_catalogue
from pyworker.transport import SerialTransport, Timing, create_transport, open_transport

MakePty = Callable[..., PtyInverter]
CATALOGUE = get_catalogue("PI30")


def expected(command: str) -> int:
    return CATALOGUE.resolve(command)[0].expected_response_bytes


def test_query_round_trip_decodes(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    with open_transport(inverter.path) as transport:
        assert isinstance(transport, SerialTransport)
        frame = transport.transact(encode("QPIGS"), expected_bytes=expected("QPIGS"))
    assert frame == inverter.answers["QPIGS"][:-1]
    data = decode("QPIGS", frame).data
    assert data["ac_output_voltage"] == 230.0
    assert data["pv_input_power"] == 856
    assert inverter.requests == ["QPIGS"]


def test_setter_ack_and_nak_frames_come_back_whole(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    with open_transport(inverter.path) as transport:
        ack = transport.transact(encode("POP", "SBU first"), expected_bytes=8)
        nak = transport.transact(encode("POP", "00"), expected_bytes=8)
    assert ack == b"(ACK\x39\x20"
    assert decode("POP", ack).data == {"ack": True}
    assert nak == b"(NAK\x73\x73"


def test_answer_paced_at_2400_baud_takes_its_wire_time(pty_inverter: MakePty) -> None:
    inverter = pty_inverter(per_byte=PER_BYTE_2400)
    with open_transport(inverter.path) as transport:
        started = time.monotonic()
        frame = transport.transact(encode("QPIGS"), expected_bytes=expected("QPIGS"))
        elapsed = time.monotonic() - started
    assert len(frame) == 109  # 110 on the wire, CR stripped
    assert 110 * PER_BYTE_2400 <= elapsed < 110 * PER_BYTE_2400 + 0.25


def test_slow_long_qpgs_answer_is_not_cut_at_one_second(pty_inverter: MakePty) -> None:
    """143 bytes paced at 2400 baud after 0.5 s of think time: 1.1 s in all, arrives whole."""
    inverter = pty_inverter(per_byte=PER_BYTE_2400, latency=0.5)
    assert len(inverter.answers["QPGS0"]) == 143
    with open_transport(inverter.path) as transport:
        started = time.monotonic()
        frame = transport.transact(encode("QPGS0"), expected_bytes=expected("QPGS0"))
        elapsed = time.monotonic() - started
    assert elapsed > 1.0
    assert frame == inverter.answers["QPGS0"][:-1]
    assert decode("QPGS0", frame).data["serial_number"] == "92932004102443"


def test_deadline_is_sized_from_the_answer_length_and_baud() -> None:
    timing = Timing()
    qpgs = timing.deadline(8, expected("QPGS0"), 2400)
    qmod = timing.deadline(7, expected("QMOD"), 2400)
    # never a fixed total: the long answer gets its whole wire time plus the margin
    assert qpgs >= Timing.wire_time(8 + expected("QPGS0"), 2400) + timing.processing_margin
    assert qpgs > 1.0 and qpgs > qmod
    assert timing.deadline(8, 170, 9600) < qpgs  # faster line, shorter deadline
    assert Timing.wire_time(8 + 110, 2400) == pytest.approx(0.4917, abs=1e-4)  # the 492 ms floor


def test_stale_input_is_dropped_before_the_request(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    with open_transport(inverter.path) as transport:
        inverter.inject(build_response("L") + b"late noise\r")
        assert inverter.queued_input() > 0
        frame = transport.transact(encode("QMOD"), expected_bytes=expected("QMOD"))
    assert decode("QMOD", frame).data == {"device_mode": "Battery"}


def test_noise_before_the_frame_and_lf_terminator_pass_through(pty_inverter: MakePty) -> None:
    inverter = pty_inverter(answers={"QMOD": b"\x00\xff" + build_response("L", terminator=b"\n")})
    with open_transport(inverter.path) as transport:
        frame = transport.transact(encode("QMOD"), expected_bytes=expected("QMOD"))
    assert decode("QMOD", frame).data == {"device_mode": "Line"}


def test_cut_answer_times_out_after_the_inter_byte_gap_with_the_partial(
    pty_inverter: MakePty,
) -> None:
    cut = build_response("B")[:3]
    inverter = pty_inverter(answers={"QMOD": cut})
    timing = Timing(inter_byte_timeout=0.2)
    with open_transport(inverter.path, timing=timing) as transport:
        started = time.monotonic()
        with pytest.raises(ResponseTimeout) as caught:
            transport.transact(encode("QMOD"), expected_bytes=expected("QMOD"))
        elapsed = time.monotonic() - started
    assert caught.value.code == "TIMEOUT"
    assert repr(cut) in caught.value.message
    assert "stopped" in caught.value.message
    assert 0.2 <= elapsed < 0.5  # the inter-byte gap, not the ~1 s overall deadline


def test_silent_unit_times_out_at_the_deadline(pty_inverter: MakePty) -> None:
    inverter = pty_inverter(answers={"QMOD": b""})
    with open_transport(inverter.path) as transport:
        started = time.monotonic()
        with pytest.raises(ResponseTimeout, match="no answer"):
            transport.transact(encode("QMOD"), expected_bytes=5, timeout=0.3)
        assert 0.3 <= time.monotonic() - started < 0.5
        assert transport.is_open  # a timeout is not a lost device


def test_late_answer_to_a_timed_out_request_is_not_taken_for_the_next(
    pty_inverter: MakePty,
) -> None:
    inverter = pty_inverter(per_byte=PER_BYTE_2400, latency=0.15)
    with open_transport(inverter.path, timing=Timing(inter_byte_timeout=0.2)) as transport:
        with pytest.raises(ResponseTimeout):  # the QPIGS answer is still on its way
            transport.transact(encode("QPIGS"), expected_bytes=140, timeout=0.3)
        frame = transport.transact(encode("QMOD"), expected_bytes=expected("QMOD"))
    assert decode("QMOD", frame).data == {"device_mode": "Battery"}
    assert inverter.requests == ["QPIGS", "QMOD"]


def test_vanished_device_is_port_unavailable_fast(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    transport = open_transport(inverter.path)
    inverter.unplug()
    started = time.monotonic()
    with pytest.raises(PortUnavailableError) as caught:
        transport.transact(encode("QPIGS"), expected_bytes=expected("QPIGS"))
    assert time.monotonic() - started < 0.3
    assert caught.value.code == "PORT_UNAVAILABLE"
    assert not transport.is_open


def test_device_vanishing_mid_answer_is_port_unavailable(pty_inverter: MakePty) -> None:
    inverter = pty_inverter(latency=0.3)
    with open_transport(inverter.path) as transport:
        threading.Timer(0.1, inverter.unplug).start()
        started = time.monotonic()
        with pytest.raises(PortUnavailableError):
            transport.transact(encode("QPIGS"), expected_bytes=expected("QPIGS"))
        assert time.monotonic() - started < 0.6


def test_missing_device_and_bad_url_are_port_unavailable(tmp_path: object) -> None:
    with pytest.raises(PortUnavailableError, match="cannot open"):
        open_transport("/dev/ttyDOESNOTEXIST9")
    with pytest.raises(PortUnavailableError, match="not a usable port URL"):
        open_transport("nosuchscheme://x")


def test_second_owner_of_a_local_port_is_refused(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    with open_transport(inverter.path) as first:
        with pytest.raises(PortUnavailableError, match="in use by another process"):
            open_transport(inverter.path)
        assert decode("QMOD", first.transact(encode("QMOD"), expected_bytes=5)).data
    with open_transport(inverter.path):  # released on close
        pass


def test_not_open_transport_refuses_and_baud_is_applied(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    transport = create_transport(inverter.path, baud=9600)
    with pytest.raises(PortUnavailableError, match="not open"):
        transport.transact(encode("QMOD"), expected_bytes=5)
    transport.open()
    try:
        assert transport.baud == 9600
        assert "9600" in repr(transport)
    finally:
        transport.close()
