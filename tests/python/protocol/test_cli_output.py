"""`--format` on decode: a table on request (the default on a terminal), the same JSON when
piped; errors as one line either way, with the same exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pyworker.protocol import build_response

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyworker.cli", *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_decode_table_and_json() -> None:
    frame = build_response("B").hex()
    piped = cli("decode", "QMOD", "--hex", frame)
    assert piped.returncode == 0
    assert json.loads(piped.stdout) == {
        "command": "QMOD",
        "data": {"device_mode": "Battery"},
        "units": {},
    }
    shown = cli("decode", "QMOD", "--hex", frame, "--format", "table")
    assert shown.returncode == 0
    assert shown.stdout.splitlines() == ["QMOD", "Device mode  Battery    device_mode"]
    assert cli("decode", "QMOD", "--hex", frame, "--format", "json").stdout == piped.stdout


def test_decode_errors_keep_their_exit_status() -> None:
    bad = cli("decode", "QMOD", "--hex", "2842", "--format", "table")
    assert bad.returncode == 1
    assert bad.stdout.startswith("error MALFORMED: ")
    unknown = cli("decode", "NOPE", "--hex", build_response("B").hex(), "--format", "table")
    assert unknown.returncode == 2 and unknown.stdout.startswith("error UNKNOWN_COMMAND: ")
