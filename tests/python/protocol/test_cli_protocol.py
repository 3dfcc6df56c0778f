"""`pi30-worker commands | encode | decode`, run as a user runs them: in a subprocess."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_runner import json_line, run_cli, run_many
from protocol_samples import REFERENCE_FRAMES

from pyworker.protocol import decode, get_catalogue
from pyworker.protocol.served import served_catalogue

QPIGS_HEX = REFERENCE_FRAMES[6][2].hex(" ")


def run_json(*args: str) -> tuple[int, Any]:
    result = run_cli(*args)
    assert result.stderr == ""
    return result.returncode, json_line(result)


# -- help and the console script ------------------------------------------------------------
HELP_WORDS = {
    "": ["commands", "encode", "decode"],
    "commands": ["--format", "--json", "--protocol"],
    "encode": ["COMMAND", "VALUE", "POP 02", "--no-adjust-zero"],
    "decode": ["COMMAND", "--hex", "exit 1"],
}


def test_help_on_everything() -> None:
    subs = sorted(HELP_WORDS)
    results = run_many([[*([sub] if sub else []), "--help"] for sub in subs])
    for sub, result in zip(subs, results, strict=True):
        assert result.returncode == 0, sub
        assert result.stdout.startswith("usage: pi30-worker"), sub
        text = " ".join(result.stdout.split())  # argparse wraps lines
        for word in HELP_WORDS[sub]:
            assert word in text, (sub, word)


def test_console_script_is_installed() -> None:
    result = run_cli("encode", "QPI", script=True)
    assert (result.returncode, result.stdout) == (0, "515049beac0d\n")


# -- commands -------------------------------------------------------------------------------
def test_commands_table() -> None:
    result = run_cli("commands", "--format", "table")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == "PI30: 23 queries, 29 setters"
    assert any(line.startswith("QPIGS ") and "General status" in line for line in lines)
    assert any(line.startswith("QPGS<unit> ") for line in lines)
    pf = lines.index(next(line for line in lines if line.startswith("PF ")))
    assert "[dangerous]" in lines[pf + 1]
    assert "QET" not in result.stdout  # MAX only


def test_commands_table_max() -> None:
    result = run_cli("commands", "--protocol", "pi30max", "--format", "table")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "PI30MAX: 40 queries, 29 setters"
    assert "QED<day> " in result.stdout


@pytest.mark.parametrize("protocol", ["PI30", "PI30MAX"])
@pytest.mark.parametrize("how", [["--json"], ["--format", "json"], []])
def test_commands_json_is_the_catalogue(protocol: str, how: list[str]) -> None:
    # --json (as before), --format json, or nothing when piped: the catalogue as one JSON line
    code, data = run_json("commands", *how, "--protocol", protocol)
    assert code == 0
    assert data == json.loads(json.dumps(served_catalogue(get_catalogue(protocol))))


def test_unknown_protocol_is_a_usage_error() -> None:
    result = run_cli("commands", "--protocol", "PI18")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


# -- encode ---------------------------------------------------------------------------------
ENCODED = [
    (["QPIGS"], "5150494753b7a90d"),
    (["QPGS0"], "51504753303fda0d"),
    (["POP", "02"], "504f503032e20b0d"),
    (["POP", "SBU first"], "504f503032e20b0d"),
    (["pop", "0"], "504f503030c2480d"),
    (["PF"], "504626bd0d"),
    (["QT", "--protocol", "PI30MAX"], "515427ff0d"),
]


def test_encode_prints_lowercase_hex() -> None:
    results = run_many([["encode", *args] for args, _ in ENCODED])
    for (args, hex_frame), result in zip(ENCODED, results, strict=True):
        assert (result.returncode, result.stdout, result.stderr) == (0, hex_frame + "\n", ""), args


def test_encode_setter_values_and_queries_with_arguments() -> None:
    result = run_cli("encode", "PBCV", "44.0")
    assert result.returncode == 0
    assert bytes.fromhex(result.stdout.strip())[:-3] == b"PBCV44.0"
    result = run_cli("encode", "QED20260101", "--protocol", "PI30MAX")
    frame = bytes.fromhex(result.stdout.strip())
    assert frame[:-3] == b"QED20260101" and 0 not in frame[-3:-1]


def test_encode_no_adjust_zero() -> None:
    adjusted = bytes.fromhex(run_cli("encode", "QED20260107", "--protocol", "PI30MAX").stdout)
    plain = bytes.fromhex(
        run_cli("encode", "QED20260107", "--protocol", "PI30MAX", "--no-adjust-zero").stdout
    )
    assert adjusted[:-3] == plain[:-3] == b"QED20260107"
    if 0 in plain[-3:-1]:
        assert adjusted != plain and 0 not in adjusted[-3:-1]


def test_encode_refusals_name_the_allowed_values() -> None:
    code, data = run_json("encode", "POP", "7")
    assert code == 1
    assert data["error"]["code"] == "INVALID_VALUE"
    assert data["error"]["allowed"] == ["00 (Utility first)", "01 (Solar first)", "02 (SBU first)"]
    code, data = run_json("encode", "QXYZ")
    assert (code, data["error"]["code"]) == (1, "UNKNOWN_COMMAND")


# -- decode ---------------------------------------------------------------------------------
def test_decode_exact_output() -> None:
    result = run_cli("decode", "QMOD", "--hex", "2842e7c90d")
    assert result.returncode == 0
    assert result.stdout == '{"command": "QMOD", "data": {"device_mode": "Battery"}, "units": {}}\n'


def test_decode_reference_qpigs_pasted_with_spaces() -> None:
    code, data = run_json("decode", "QPIGS", "--hex", QPIGS_HEX)
    assert code == 0
    expected = decode("QPIGS", REFERENCE_FRAMES[6][2])
    assert data == {"command": "QPIGS", "data": expected.data, "units": expected.units}
    assert list(data) == ["command", "data", "units"]
    assert "°C" in run_cli("decode", "QPIGS", "--hex", QPIGS_HEX).stdout  # not \u00b0


def test_decode_every_reference_frame() -> None:
    argv = [
        ("decode", command, "--hex", frame.hex(), "--protocol", protocol)
        for command, protocol, frame in REFERENCE_FRAMES
    ]
    results = run_many([list(args) for args in argv])
    for (command, protocol, frame), result in zip(REFERENCE_FRAMES, results, strict=True):
        assert result.returncode == 0, result.stdout
        assert json.loads(result.stdout) == {
            "command": command,
            "data": decode(command, frame, protocol).data,
            "units": decode(command, frame, protocol).units,
        }


FAILURES = [
    (["POP", "--hex", "284e414b73730d"], "NAK"),
    (["POP", "--hex", "284e414b0d"], "NAK"),
    (["QMOD", "--hex", "2842e7c80d"], "CRC"),
    (["QPIGS", "--hex", "5150494753b7a90d"], "UNSUPPORTED"),
    (["QPIGS", "--hex", "5e301be30d"], "WRONG_PROTOCOL"),
    (["QPIGS", "--hex", ""], "MALFORMED"),
    (["QPIGS", "--hex", "28 32 33 30"], "MALFORMED"),
    (["QPIGS", "--hex", "zz"], "MALFORMED"),
]


def test_decode_failures_exit_1_with_code_and_message() -> None:
    results = run_many([["decode", *args] for args, _ in FAILURES])
    for (args, code), result in zip(FAILURES, results, strict=True):
        assert (result.returncode, result.stderr) == (1, ""), args
        data = json.loads(result.stdout)
        assert list(data) == ["error"], args
        assert list(data["error"]) == ["code", "message"], args
        assert data["error"]["code"] == code, args
        assert data["error"]["message"], args


def test_decode_unknown_command_is_not_a_protocol_failure() -> None:
    exit_code, data = run_json("decode", "QPIGS2", "--hex", "2842e7c90d")  # MAX only
    assert (exit_code, data["error"]["code"]) == (2, "UNKNOWN_COMMAND")
