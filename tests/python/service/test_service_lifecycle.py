"""Start-up and shutdown, the `request` client, and the real serial path over a pty."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from cli_runner import PtySimulator, WorkerProcess, free_port, run_cli_json
from service_helpers import Clients, SimWorker, call, health, recv, send


def test_sigterm_finishes_the_wire_and_refuses_the_queue(
    sim_worker: Callable[..., SimWorker], clients: Clients
) -> None:
    worker = sim_worker("term")
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
    assert worker.process.wait(10) == 0
    assert "stopped" in worker.process.log
    audit = worker.audit_entries()
    assert [(e["id"], e["outcome"], e["sent"]) for e in audit] == [
        ("queued-set", "SHUTTING_DOWN", None)
    ]


def test_request_client_prints_the_reply(worker: SimWorker) -> None:
    connect = ("request", "--connect", worker.endpoint)
    code, reply = run_cli_json(*connect, "query", "QMOD", "--max-age-ms", "0")
    assert code == 0 and reply["ok"] and "device_mode" in reply["data"]
    code, reply = run_cli_json(*connect, "set", "POP", "banana")
    assert code == 1 and reply["error"]["code"] == "INVALID_VALUE"
    code, reply = run_cli_json(*connect, "set", "PE", '["a", "x"]')
    assert code == 0 and reply["command"] == "PE" and reply["verified"] is True
    code, reply = run_cli_json(
        "request", "--connect", f"tcp://127.0.0.1:{free_port()}", "health", "--timeout-ms", "200"
    )
    assert code == 2 and reply["error"]["code"] == "NO_REPLY"


def test_worker_on_a_pty_simulator(
    tmp_path: Path,
    pty_sim: Callable[..., PtySimulator],
    start_worker: Callable[..., WorkerProcess],
    clients: Clients,
) -> None:
    control = f"tcp://127.0.0.1:{free_port()}"
    sim = pty_sim("--no-pacing", "--latency-ms", "0", "--control", control)
    worker = start_worker("--port", sim.path, "--audit-log", str(tmp_path / "a.jsonl"))
    sock = clients.dealer(worker.endpoint)
    reply = call(sock, id=1, op="query", command="QPIGS")
    assert reply["ok"] and reply["data"]["ac_output_voltage"] > 0, reply
    assert health(sock)["device"]["serial"]
    reply = call(sock, id=2, op="set", command="POP", value="Solar first", source="pty")
    assert reply["ok"] and reply["verified"] is True, reply
    assert worker.stop() == 0
    assert sim.stop() == 0
