"""`--format` on decode: a table on request (the default on a terminal), the same JSON when
piped; errors as one line either way, with the same exit status."""

from __future__ import annotations

import json

from cli_runner import run_cli

from pyworker.protocol import build_response


def test_decode_table_and_json() -> None:
    frame = build_response("B").hex()
    piped = run_cli("decode", "QMOD", "--hex", frame)
    assert piped.returncode == 0
    assert json.loads(piped.stdout) == {
        "command": "QMOD",
        "data": {"device_mode": "Battery"},
        "units": {},
    }
    shown = run_cli("decode", "QMOD", "--hex", frame, "--format", "table")
    assert shown.returncode == 0
    assert shown.stdout.splitlines() == ["QMOD", "Device mode  Battery    device_mode"]
    assert run_cli("decode", "QMOD", "--hex", frame, "--format", "json").stdout == piped.stdout


def test_decode_errors_keep_their_exit_status() -> None:
    bad = run_cli("decode", "QMOD", "--hex", "2842", "--format", "table")
    assert bad.returncode == 1
    assert bad.stdout.startswith("error MALFORMED: ")
    unknown = run_cli("decode", "NOPE", "--hex", build_response("B").hex(), "--format", "table")
    assert unknown.returncode == 2 and unknown.stdout.startswith("error UNKNOWN_COMMAND: ")
