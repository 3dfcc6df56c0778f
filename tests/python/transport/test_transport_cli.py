"""`pi30-worker query` as a user runs it: a real subprocess on a real pseudo-terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli, run_cli_json, run_python
from transport_fakes import PtyInverter

from pyworker.protocol import build_response, encode

MakePty = Callable[..., PtyInverter]


def run_query(*args: str) -> tuple[int, Any]:
    return run_cli_json("query", *args, timeout=30)


def test_query_prints_the_decoded_answer_like_decode(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("QPIGS", "--port", inverter.path)
    assert code == 0
    assert set(out) == {"command", "data", "units"}
    assert out["command"] == "QPIGS"
    assert out["data"]["ac_output_active_power"] == 119
    assert out["data"]["is_load_on"] is True
    assert out["units"]["ac_output_active_power"] == "W"
    decoded = run_cli("decode", "QPIGS", "--hex", inverter.answers["QPIGS"].hex())
    assert decoded.returncode == 0, decoded.stderr
    assert json.loads(decoded.stdout) == out


def test_setter_form_sends_the_setter_and_prints_the_outcome(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("POP", "SBU first", "--port", inverter.path)
    assert (code, out) == (0, {"command": "POP", "sent": "POP02", "data": {"ack": True}})
    code, whole = run_query("POP02", "--port", inverter.path)  # the setter given whole
    assert (code, whole) == (0, out)
    assert inverter.requests == ["POP02", "POP02"]


def test_argument_queries_and_protocol_option(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("QPGS0", "--port", inverter.path, "--timeout", "3")
    assert code == 0 and out["command"] == "QPGS0"
    assert out["data"]["serial_number"] == "92932004102443"
    code, out = run_query("QPIGS2", "--port", inverter.path, "--protocol", "pi30max")
    assert code == 0 and out["data"]["pv2_charging_power"] == 1026


@pytest.mark.parametrize(
    ("command", "answer", "error_code"),
    [
        ("QMOD", build_response("B")[:-3] + b"\x00\x00\r", "CRC"),
        ("QFLAG", build_response("not flags"), "MALFORMED"),
        ("QMOD", b"^0\x1b\xe3\r", "WRONG_PROTOCOL"),
        ("QBOOT", None, "UNSUPPORTED"),  # not in the unit's answers: echoed back
        ("QMOD", b"", "TIMEOUT"),
        ("QMOD", build_response("B")[:2], "TIMEOUT"),  # cut short
    ],
)
def test_unit_failures_exit_1_with_their_code(
    pty_inverter: MakePty, command: str, answer: bytes | None, error_code: str
) -> None:
    answers = {} if answer is None else {command: answer}
    inverter = pty_inverter(answers=answers)
    code, out = run_query(command, "--port", inverter.path, "--timeout", "0.5")
    assert code == 1
    assert out["error"]["code"] == error_code
    assert out["error"]["message"]


def test_nak_exits_1(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("POP", "00", "--port", inverter.path)
    assert (code, out["error"]["code"]) == (1, "NAK")


def test_missing_port_is_port_unavailable(tmp_path: Path) -> None:
    code, out = run_query("QPIGS", "--port", str(tmp_path / "ttyUSB9"))
    assert (code, out["error"]["code"]) == (1, "PORT_UNAVAILABLE")
    code, out = run_query("QPIGS", "--port", "socket://127.0.0.1:1")
    assert (code, out["error"]["code"]) == (1, "PORT_UNAVAILABLE")


def test_invalid_requests_exit_2_and_send_nothing(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("QNOPE", "--port", inverter.path)
    assert (code, out["error"]["code"]) == (2, "UNKNOWN_COMMAND")
    code, out = run_query("POP", "07", "--port", inverter.path)
    assert (code, out["error"]["code"]) == (2, "INVALID_VALUE")
    assert out["error"]["allowed"]
    assert inverter.requests == []


def test_no_adjust_zero_sends_the_raw_crc(pty_inverter: MakePty) -> None:
    """QED20240115's CRC ends in 0x00: sent as 0x01 by default, as is with --no-adjust-zero."""
    inverter = pty_inverter(answers={})
    raw = encode("QED20240115", protocol="PI30MAX", adjust_zero=False)
    assert raw[-2] == 0x00
    for flag in ([], ["--no-adjust-zero"]):
        code, out = run_query(
            "QED20240115", "--port", inverter.path, "--protocol", "PI30MAX", *flag
        )
        assert (code, out["error"]["code"]) == (1, "UNSUPPORTED")  # the fake unit echoes it
    assert inverter.request_frames == [raw[:-2] + b"\x01", raw[:-1]]


def test_transport_and_query_modules_import_without_posix_only_modules() -> None:
    """On Windows there is no termios or fcntl: the modules must not need them to load."""
    script = (
        "import sys, serial\n"  # pyserial picks its own backend first, as on Windows
        "sys.modules['termios'] = None; sys.modules['fcntl'] = None\n"
        "import pyworker.transport, pyworker.transport.cli\n"
        "from pyworker.cli import build_parser\n"
        "args = build_parser().parse_args(['query', 'QPIGS', '--port', 'COM3'])\n"
        "print(args.func.__module__, args.port)\n"
    )
    done = run_python("-c", script, env={"PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["pyworker.transport.cli", "COM3"]


def test_worker_answered_commands_are_never_sent_to_the_unit(pty_inverter: MakePty) -> None:
    inverter = pty_inverter()
    code, out = run_query("ENERGY", "--port", inverter.path)
    assert (code, out["error"]["code"]) == (2, "INVALID_REQUEST")
    assert "pi30-worker request ENERGY" in out["error"]["message"]
    assert inverter.requests == []
