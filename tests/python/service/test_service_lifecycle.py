"""Start-up and shutdown, the `request` client, and the real serial path over a pty."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from service_helpers import (
    ROOT,
    Clients,
    SimWorker,
    WorkerProcess,
    call,
    free_port,
    health,
    pty_simulator,
    recv,
    send,
)


def test_sigterm_finishes_the_wire_and_refuses_the_queue(tmp_path: Path) -> None:
    worker = SimWorker(tmp_path, "term")
    clients = Clients()
    sock = clients.dealer(worker.endpoint)
    health(sock)
    worker.sim.set_faults(spec=["late:1x:800"])
    send(sock, id="on-wire", op="query", command="QPIGS")
    worker.wait_on_wire("QPIGS")
    send(sock, id="queued-1", op="query", command="QPIRI")
    send(sock, id="queued-2", op="query", command="QMOD")
    send(sock, id="queued-set", op="set", command="POP", value=1, source="term")
    time.sleep(0.1)
    worker.process.proc.send_signal(signal.SIGTERM)
    replies = {r["id"]: r for r in (recv(sock, timeout=5) for _ in range(4))}
    assert replies["on-wire"]["ok"] and "battery_voltage" in replies["on-wire"]["data"]
    for rid in ("queued-1", "queued-2", "queued-set"):
        assert replies[rid]["error"]["code"] == "SHUTTING_DOWN", replies[rid]
    assert worker.process.proc.wait(10) == 0
    worker.process.stop()
    assert "stopped" in worker.process.log
    audit = worker.audit_entries()
    assert [(e["id"], e["outcome"], e["sent"]) for e in audit] == [
        ("queued-set", "SHUTTING_DOWN", None)
    ]
    clients.close()


def run_cli(*args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "pyworker.cli", "request", *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode, json.loads(done.stdout)


def test_request_client_prints_the_reply(worker: SimWorker) -> None:
    code, reply = run_cli("--connect", worker.endpoint, "query", "QMOD", "--max-age-ms", "0")
    assert code == 0 and reply["ok"] and "device_mode" in reply["data"]
    code, reply = run_cli("--connect", worker.endpoint, "set", "POP", "banana")
    assert code == 1 and reply["error"]["code"] == "INVALID_VALUE"
    code, reply = run_cli("--connect", worker.endpoint, "set", "PE", '["a", "x"]')
    assert code == 0 and reply["command"] == "PE" and reply["verified"] is True
    code, reply = run_cli(
        "--connect", f"tcp://127.0.0.1:{free_port()}", "health", "--timeout-ms", "200"
    )
    assert code == 2 and reply["error"]["code"] == "NO_REPLY"


@pytest.mark.skipif(sys.platform == "win32", reason="the pty front is POSIX only")
def test_worker_on_a_pty_simulator(tmp_path: Path) -> None:
    control = f"tcp://127.0.0.1:{free_port()}"
    sim = pty_simulator("--no-pacing", "--latency-ms", "0", "--control", control)
    try:
        assert sim.stdout is not None
        pty_path = sim.stdout.readline().strip()
        assert pty_path.startswith("/dev/"), pty_path
        worker = WorkerProcess(["--port", pty_path, "--audit-log", str(tmp_path / "a.jsonl")])
        worker.wait_ready()
        clients = Clients()
        sock = clients.dealer(worker.endpoint)
        reply = call(sock, id=1, op="query", command="QPIGS")
        assert reply["ok"] and reply["data"]["ac_output_voltage"] > 0, reply
        assert health(sock)["device"]["serial"]
        reply = call(sock, id=2, op="set", command="POP", value="Solar first", source="pty")
        assert reply["ok"] and reply["verified"] is True, reply
        clients.close()
        assert worker.stop() == 0
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
