"""A late answer on a paced line: after the timeout the line is settled, what arrives is
dropped and counted, and the next exchange gets its own answer."""

from __future__ import annotations

from pyworker.errors import ResponseTimeout
from pyworker.protocol import decode, encode_raw
from pyworker.sim import forget_simulator
from pyworker.transport import SerialTransport
from pyworker.transport.base import Timing

URL = "sim://?model=pi30&pacing=1&latency_ms=50&seed=5&speed=0&name=resync-{}&fault=late:once:250"


def test_late_answer_is_drained_not_taken_for_the_next() -> None:
    # QMOD gives up after ~0.28 s; its late answer comes in ~0.35 s, during the guard time. (A
    # later one lands in the next exchange: the port runner's shape check refuses it there.)
    timing = Timing(processing_margin=0.2)
    url = URL.format("late")
    try:
        with SerialTransport(url, timing=timing) as transport:
            try:
                transport.transact(encode_raw("QMOD"), expected_bytes=8)
                raise AssertionError("the late answer should have timed out")
            except ResponseTimeout:
                pass
            answer = transport.transact(encode_raw("QID"), expected_bytes=28)
            assert decode("QID", answer).data["serial_number"].isdigit()
            assert transport.stale_bytes_dropped >= 5  # "(B" + CRC + CR, drained
    finally:
        forget_simulator("resync-late")


def test_resync_waits_for_a_quiet_line() -> None:
    url = URL.format("quiet").replace("fault=late:once:250", "fault=late:off")
    try:
        with SerialTransport(url) as transport:
            # someone else's exchange is still coming in when we want to talk
            transport._port.write(encode_raw("QPIRI"))
            transport.resync()
            answer = transport.transact(encode_raw("QMOD"), expected_bytes=8)
            assert decode("QMOD", answer).raw in "PSLBFHDYC"
            assert transport.stale_bytes_dropped > 100  # the QPIRI answer, drained
            assert Timing().guard(2400) == 32 * 10 / 2400
    finally:
        forget_simulator("resync-quiet")
