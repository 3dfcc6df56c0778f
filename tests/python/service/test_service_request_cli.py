"""`pi30-worker request` for people: fails fast with a hint when nothing answers, prints a
table on request (or on a terminal) and the same one-line JSON as always when piped."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from cli_runner import free_port, run_cli
from service_helpers import SimWorker

from pyworker.service.reachability import probe


def request(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("request", *args)


def test_nothing_listening_fails_at_once_and_says_what_to_check(tmp_path: Path) -> None:
    for endpoint in (f"tcp://127.0.0.1:{free_port()}", f"ipc://{tmp_path}/no-worker.sock"):
        started = time.monotonic()
        done = request("--connect", endpoint, "health")  # default deadline: 15 s
        elapsed = time.monotonic() - started
        assert done.returncode == 2
        error = json.loads(done.stdout)["error"]
        assert error["code"] == "NO_REPLY"
        assert f"is the worker running on {endpoint}?" in error["message"]
        assert elapsed < 5, f"{endpoint}: {elapsed:.1f} s"


def test_something_else_listening_is_told_apart(tmp_path: Path) -> None:
    import socket

    with socket.socket() as server:  # a plain TCP listener that never speaks ZMTP
        server.bind(("127.0.0.1", 0))
        server.listen()
        endpoint = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        reach = probe(endpoint, timeout_s=1.0)
    assert reach.state == "no-handshake" and endpoint in reach.message


def test_table_and_json_output(worker: SimWorker) -> None:
    piped = request("--connect", worker.endpoint, "query", "QPIGS", "--max-age-ms", "0")
    assert piped.returncode == 0
    assert len(piped.stdout.strip().splitlines()) == 1  # one JSON line, as before
    reply = json.loads(piped.stdout)
    assert reply["ok"] and "battery_voltage" in reply["data"]

    shown = request(
        "--connect", worker.endpoint, "query", "QPIGS", "--max-age-ms", "0", "--format", "table"
    )
    lines = shown.stdout.splitlines()
    assert shown.returncode == 0 and lines[0].startswith("QPIGS (")
    row = next(line for line in lines if line.endswith("battery_voltage"))
    assert row.split()[:2] == ["Battery", "voltage"] and " V " in row
    assert len(lines) == len(reply["data"]) + 1

    refused = request("--connect", worker.endpoint, "set", "POP", "banana", "--format", "table")
    assert refused.returncode == 1 and refused.stdout.startswith("error INVALID_VALUE: ")

    health = request("--connect", worker.endpoint, "health", "--format", "table")
    assert health.returncode == 0
    assert any(
        line.split()[:2] == ["port.state", "connected"] for line in health.stdout.splitlines()
    )
