"""No request can kill or hang the worker: each hostile one gets one error reply and the next
query is answered; a worker thread that dies anyway makes the process exit non-zero at once
(so systemd or the Node-RED managed mode restarts it)."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgpack
import pytest
from cli_runner import ChildProcess, free_port
from service_helpers import Clients, SimWorker, call, health, recv, sim_url


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    ("nested-list", {"op": "set", "command": "MUCHGC", "value": nested(990)}, "INVALID_REQUEST"),
    ("nested-pop", {"op": "set", "command": "POP", "value": nested(990)}, "INVALID_REQUEST"),
    (
        "nested-map",
        {"op": "set", "command": "PE", "value": {"a": {"b": {"c": True}}}},
        "INVALID_REQUEST",
    ),
    ("arabic-digits", {"op": "query", "command": "QEY\u0662\u0660\u0662\u0666"}, "INVALID_REQUEST"),
    ("fullwidth", {"op": "query", "command": "QPGS\uff11"}, "INVALID_REQUEST"),
    ("superscript", {"op": "set", "command": "POP", "value": "\u00b2"}, "INVALID_VALUE"),
    ("unicode-number", {"op": "set", "command": "MCHGC", "value": "\u0664\u0660"}, "INVALID_VALUE"),
    ("oversize-value", {"op": "set", "command": "POP", "value": "1" * 60_000}, "INVALID_REQUEST"),
    ("long-list", {"op": "set", "command": "PE", "value": ["a"] * 1000}, "INVALID_REQUEST"),
    ("oversize-source", {"op": "set", "command": "POP", "source": "x" * 5000}, "INVALID_REQUEST"),
    ("bytes-value", {"op": "set", "command": "POP", "value": b"\x02"}, "INVALID_REQUEST"),
    ("map-command", {"op": "query", "command": {"QPIGS": 1}}, "INVALID_REQUEST"),
    ("list-command", {"op": "query", "command": ["QPIGS"]}, "INVALID_REQUEST"),
    ("bool-value", {"op": "set", "command": "MCHGC", "value": True}, "INVALID_VALUE"),
    ("float-nan", {"op": "set", "command": "PBCV", "value": float("nan")}, "INVALID_VALUE"),
    ("huge-int", {"op": "set", "command": "POP", "value": 2**63}, "INVALID_VALUE"),
    ("map-keys", {"op": "set", "command": "PE", "value": {"1": True}}, "INVALID_VALUE"),
    ("control-chars", {"op": "query", "command": "QPI\rGS"}, "INVALID_REQUEST"),
]


@pytest.mark.parametrize(("name", "request_fields", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_request_gets_one_error_and_the_next_query_is_answered(
    worker: SimWorker, clients: Clients, name: str, request_fields: dict[str, Any], code: str
) -> None:
    sock = clients.dealer(worker.endpoint)
    body = msgpack.packb({"v": 1, "id": name, **request_fields}, use_bin_type=True)
    sock.send(body)
    reply = recv(sock)
    assert reply["ok"] is False and reply["id"] == name, reply
    assert reply["error"]["code"] == code, reply
    assert not sock.poll(100), "exactly one reply"
    after = call(sock, id=f"{name}-next", op="query", command="QMOD")
    assert after["ok"] and after["id"] == f"{name}-next", after
    assert health(sock)["counters"]["internal_errors"] == 0
    audit = worker.audit_path.read_text() if worker.audit_path.exists() else ""
    for line in audit.splitlines():
        json.loads(line)  # every audit line stays valid JSON, however odd the value


def test_audit_log_is_private(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    call(sock, id="a", op="set", command="POP", value="Utility first")
    mode = stat.S_IMODE(os.stat(worker.audit_path).st_mode)
    assert mode == 0o600, oct(mode)


def test_audit_log_with_a_group_is_0640(tmp_path: Path) -> None:
    from pyworker.service.audit import AuditLog

    path = tmp_path / "audit.jsonl"
    path.write_text("")
    path.chmod(0o644)  # an older, world-readable file is narrowed too
    log = AuditLog(path, group=os.getgid())
    log.record(source="t", command="POP", value=nested(3000), sent=None, outcome="X")
    log.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert json.loads(path.read_text())["command"] == "POP"


# -- a dying thread ends the process --------------------------------------------------------
CRASHING_WORKER = """
import sys
from pyworker.service import port_runner, server
from pyworker.service.cli import setup_logging
from pyworker.sim import register_url_handler

def boom(*args, **kwargs):
    raise RuntimeError("injected bug")

target = sys.argv[1]
if target == "port":
    port_runner.PortRunner._maintain_port = boom
else:
    server.WorkerService._receive = boom
register_url_handler()  # sim://, as pi30-worker registers it
setup_logging("INFO")
config = server.ServiceConfig(port_url=sys.argv[2], binds=[sys.argv[3]])
sys.exit(server.WorkerService(config).run())
"""


@pytest.mark.parametrize("thread", ["port", "server"])
def test_a_dying_thread_makes_the_process_exit_non_zero(
    thread: str, clients: Clients, child_process: Callable[[Sequence[str]], ChildProcess]
) -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    url = sim_url(f"crash-{thread}", f"tcp://127.0.0.1:{free_port()}")
    child = child_process([sys.executable, "-c", CRASHING_WORKER, thread, url, endpoint])
    if thread == "server":
        time.sleep(1.0)  # let it start, then a request meets the bug
        sock = clients.dealer(endpoint)
        sock.send(msgpack.packb({"v": 1, "id": 1, "op": "health"}))
    started = time.monotonic()
    code = child.wait(15)
    assert code != 0, child.log
    assert "injected bug" in child.log
    if thread == "server":
        assert time.monotonic() - started < 1.5, child.log  # within a second (+ the poll slack)
