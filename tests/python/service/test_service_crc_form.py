"""The port runner learns the CRC form its unit uses from verified answers, then refuses the
other forms; a reconnect relearns it."""

from __future__ import annotations

from typing import Any

import pytest

from pyworker.errors import CrcError, MalformedError, ShapeError
from pyworker.protocol import crc_bytes, get_catalogue
from pyworker.service.audit import AuditLog
from pyworker.service.cache import AnswerCache
from pyworker.service.counters import Counters
from pyworker.service.port_runner import PortRunner
from pyworker.service.scheduler import Scheduler

RESERVED = b"(VERFW:00089.70"  # CRC 0x2841: its high byte needs the adjust
PLAIN = b"(VERFW:00072.70"


class ScriptedPort:
    """Answers each transaction with the next scripted frame."""

    state = "connected"
    retry_in = None
    last_error = None
    failed_attempts = 0

    def __init__(self, *answers: bytes) -> None:
        self.answers = list(answers)
        self.resyncs = 0

    def open(self) -> bool:
        return True

    def reconnect_if_due(self) -> bool:
        return True

    def transact(
        self, request: bytes, *, expected_bytes: int, timeout: float | None = None
    ) -> bytes:
        return self.answers.pop(0)

    def resync(self) -> None:
        self.resyncs += 1

    def take_stale_bytes(self) -> int:
        return 3

    def close(self) -> None:
        pass


def runner(port: ScriptedPort) -> PortRunner:
    def no_sink() -> Any:
        raise AssertionError("no reply expected")

    return PortRunner(
        port,
        get_catalogue("PI30"),
        Scheduler(),
        AnswerCache(),
        Counters(),
        AuditLog(None),
        no_sink,
    )


def frame(body: bytes, *, adjust: bool) -> bytes:
    return body + crc_bytes(body, adjust=adjust) + b"\r"


def test_the_first_telling_answer_fixes_the_form(caplog: pytest.LogCaptureFixture) -> None:
    port = ScriptedPort(
        frame(PLAIN, adjust=False),  # the same in every form: learns nothing
        frame(RESERVED, adjust=True),  # adjusted: now only adjusted CRCs are taken
        frame(RESERVED, adjust=False),  # a raw one is a CRC error from then on
        frame(RESERVED, adjust=True),
    )
    r = runner(port)
    qvfw = r.catalogue.get("QVFW")
    caplog.set_level("INFO", "pyworker.service")
    assert r._transact("QVFW", qvfw).raw == "VERFW:00072.70"
    assert r._crc_forms == {"raw", "adjusted", "zero_adjusted"}
    r._transact("QVFW", qvfw)
    assert r._crc_forms == {"adjusted", "zero_adjusted"}
    assert "CRCs are adjusted or zero_adjusted" in caplog.text
    with pytest.raises((CrcError, MalformedError)):
        r._transact("QVFW", qvfw)
    assert port.resyncs == 1
    r._transact("QVFW", qvfw)
    r.on_port_state("connected", None)
    assert r._crc_forms == {"raw", "adjusted", "zero_adjusted"}
    assert r.counters.snapshot()["stale_bytes_dropped"] == 12


def test_a_wrong_shape_is_counted_and_resyncs() -> None:
    port = ScriptedPort(frame(b"(B", adjust=True))
    r = runner(port)
    with pytest.raises(ShapeError, match="serial_number"):
        r._transact("QID", r.catalogue.get("QID"))
    counters = r.counters.snapshot()
    assert counters["shape_mismatches"] == 1 and counters["malformed"] == 1
    assert port.resyncs == 1
