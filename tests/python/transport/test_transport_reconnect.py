"""ReconnectingPort: the one owner of a port, its states, backoff and recovery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from transport_fakes import PtyInverter

from pyworker.errors import PortUnavailableError, ResponseTimeout
from pyworker.protocol import decode, encode
from pyworker.transport import PortError, ReconnectingPort, Timing

MakePty = Callable[..., PtyInverter]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_never_opened_port_is_unavailable_and_backs_off_1_2_4_to_30(tmp_path: Path) -> None:
    clock = FakeClock()
    port = ReconnectingPort(str(tmp_path / "ttyNONE"), clock=clock)
    assert not port.open()
    assert port.state == "unavailable"
    assert port.last_error is not None and port.last_error.code == "PORT_UNAVAILABLE"
    waits = []
    for _ in range(8):
        retry = port.retry_in
        assert retry is not None
        waits.append(retry)
        # not due yet: fails at once, no open attempt
        before = port.failed_attempts
        started = time.monotonic()
        with pytest.raises(PortUnavailableError, match="retry in"):
            port.transact(encode("QMOD"), expected_bytes=5)
        assert time.monotonic() - started < 0.05
        assert port.failed_attempts == before
        clock.now += retry  # due now: the next transaction makes one attempt
        with pytest.raises(PortUnavailableError):
            port.transact(encode("QMOD"), expected_bytes=5)
        assert port.failed_attempts == before + 1
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert port.state == "unavailable"
    assert port.status()["state"] == "unavailable"
    assert port.status()["last_error"]["code"] == "PORT_UNAVAILABLE"


def test_port_that_appears_later_connects_when_due(pty_inverter: MakePty, tmp_path: Path) -> None:
    clock = FakeClock()
    link = tmp_path / "ttyINV0"
    port = ReconnectingPort(str(link), clock=clock)
    assert not port.open()
    inverter = pty_inverter()  # creates tmp_path/ttyINV0
    assert inverter.path == str(link)
    assert not port.reconnect_if_due()  # backoff not elapsed yet
    clock.now += 1
    assert port.reconnect_if_due()
    assert port.state == "connected" and port.retry_in is None
    assert decode("QMOD", port.transact(encode("QMOD"), expected_bytes=5)).data
    port.close()


def test_unplug_reports_reconnecting_fast_and_resumes_after_replug(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    events: list[tuple[str, PortError | None]] = []
    port = ReconnectingPort(
        inverter.path,
        backoff_initial=0.2,
        backoff_max=0.8,
        on_state_change=lambda state, error: events.append((state, error)),
    )
    assert port.open()
    assert port.transact(encode("QMOD"), expected_bytes=5)
    inverter.unplug()

    started = time.monotonic()
    with pytest.raises(PortUnavailableError):
        port.transact(encode("QMOD"), expected_bytes=5)
    assert time.monotonic() - started < 0.3
    assert port.state == "reconnecting"
    assert events[-1][0] == "reconnecting" and events[-1][1] is not None
    assert events[-1][1].code == "PORT_UNAVAILABLE"

    # while down and before the backoff: fail fast, no pile-up
    started = time.monotonic()
    for _ in range(20):
        with pytest.raises(PortUnavailableError, match="reconnecting"):
            port.transact(encode("QMOD"), expected_bytes=5)
    assert time.monotonic() - started < 0.2

    time.sleep(0.25)  # first retry (0.2 s) fails: the device is still gone
    with pytest.raises(PortUnavailableError):
        port.transact(encode("QMOD"), expected_bytes=5)
    assert port.failed_attempts == 1
    retry = port.retry_in
    assert retry is not None and 0.3 < retry <= 0.4  # doubled

    inverter.replug()
    time.sleep(retry + 0.02)
    frame = port.transact(encode("QMOD"), expected_bytes=5)
    assert decode("QMOD", frame).data == {"device_mode": "Battery"}
    assert port.state == "connected"
    assert [state for state, _ in events] == ["connected", "reconnecting", "connected"]
    port.close()
    assert port.state == "unavailable"
    with pytest.raises(PortUnavailableError, match="closed"):
        port.transact(encode("QMOD"), expected_bytes=5)


def test_timeouts_keep_the_port_connected_and_a_run_of_them_reopens_it(
    pty_inverter: MakePty,
) -> None:
    silent = pty_inverter(answers={"QMOD": b""})
    live = pty_inverter()
    events: list[str] = []
    port = ReconnectingPort(
        silent.path,
        reopen_after_timeouts=2,
        on_state_change=lambda state, _error: events.append(state),
    )
    assert port.open()
    # the name now leads to another device; the open descriptor still reaches the silent one
    # (like a TCP bridge connection gone stale, or a USB adapter that re-enumerated)
    silent.link.unlink()
    silent.link.symlink_to(live.pty_path)
    with pytest.raises(ResponseTimeout):
        port.transact(encode("QMOD"), expected_bytes=5, timeout=0.1)
    assert port.state == "connected"
    assert live.requests == []
    with pytest.raises(ResponseTimeout):  # the second in a row: closed and reopened
        port.transact(encode("QMOD"), expected_bytes=5, timeout=0.1)
    assert port.state == "connected"
    assert port.transact(encode("QMOD"), expected_bytes=5) == live.answers["QMOD"][:-1]
    assert silent.requests == ["QMOD", "QMOD"]
    assert live.requests == ["QMOD"]
    assert events == ["connected"]
    port.close()


def test_one_transaction_at_a_time_from_many_threads(pty_inverter: MakePty) -> None:
    inverter = pty_inverter(latency=0.01)
    port = ReconnectingPort(inverter.path, timing=Timing(processing_margin=2.0))
    assert port.open()
    answers: list[bytes] = []
    errors: list[BaseException] = []

    def worker(command: str) -> None:
        try:
            for _ in range(5):
                answers.append(port.transact(encode(command), expected_bytes=140))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,)) for c in ("QMOD", "QPIGS", "QPI")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    port.close()
    assert errors == []
    assert sorted(answers) == sorted(
        [inverter.answers[c][:-1] for c in ("QMOD", "QPIGS", "QPI") for _ in range(5)]
    )


def test_backoff_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        ReconnectingPort("/dev/ttyUSB0", backoff_initial=0)
    with pytest.raises(ValueError):
        ReconnectingPort("/dev/ttyUSB0", backoff_initial=5, backoff_max=1)
