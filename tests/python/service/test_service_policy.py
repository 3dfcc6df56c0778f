"""A worker started --read-only with a tiny queue: every setter refused, BUSY when full."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from service_helpers import Clients, SimWorker, call, health, recv, send


def test_read_only_and_bounded_queue(
    sim_worker: Callable[..., SimWorker], clients: Clients
) -> None:
    worker = sim_worker("readonly", "--read-only", "--queue-size", "2", "--allow-set", "PF")
    sock = clients.dealer(worker.endpoint)
    for rid, command, value in (("ro-1", "POP", "SBU first"), ("ro-2", "PF", None)):
        reply = call(sock, id=rid, op="set", command=command, value=value, source="ro")
        assert reply["error"]["code"] == "NOT_ALLOWED", reply
        assert "read-only" in reply["error"]["message"]
    assert [e["outcome"] for e in worker.audit_entries()] == ["NOT_ALLOWED", "NOT_ALLOWED"]
    assert worker.wire_counts() == {}
    assert call(sock, id="q", op="query", command="QMOD")["ok"]  # queries still work

    a, b = clients.dealer(worker.endpoint), clients.dealer(worker.endpoint)
    health(a), health(b)
    worker.sim.set_faults(spec=["late:1x:1500"])  # a wide window, even on a loaded machine
    send(a, id="busy-0", op="query", command="QPIGS")
    worker.wait_on_wire("QPIGS")
    send(a, id="busy-1", op="query", command="QPIRI")  # queued 1 of 2
    send(a, id="busy-2", op="query", command="QMOD")  # queued 2 of 2
    deadline = time.monotonic() + 5  # both queued before the next client comes
    while health(b)["queue_depth"] < 2:
        assert time.monotonic() < deadline
    full = call(b, id="busy-3", op="query", command="QFLAG")
    assert full["ok"] is False and full["error"]["code"] == "BUSY", full
    joined = call(b, id="busy-4", op="query", command="QPIRI", timeout=8)  # coalesces: no BUSY
    assert joined["ok"], joined
    assert health(b)["counters"]["busy"] == 1
    assert sorted(recv(a)["id"] for _ in range(3)) == ["busy-0", "busy-1", "busy-2"]
    # SIGINT stops the worker as cleanly as SIGTERM
    assert worker.close(signal.SIGINT) == 0, worker.process.log
