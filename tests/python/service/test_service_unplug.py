"""Unplug the simulated port under load: fast failures, health says reconnecting, and service
resumes by itself when the device is back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from service_helpers import Clients, SimWorker, call, health


def test_unplug_during_load(sim_worker: Callable[..., SimWorker], clients: Clients) -> None:
    worker = sim_worker("unplug")
    results: list[tuple[float, float, str]] = []  # (sent at, round trip, code or "ok")
    stop = threading.Event()

    def load(index: int) -> None:
        sock = clients.dealer(worker.endpoint)
        n = 0
        while not stop.is_set():
            n += 1
            command = ("QPIGS", "QMOD", "QPIRI")[(index + n) % 3]
            started = time.monotonic()
            reply = call(sock, timeout=5, id=n, op="query", command=command, timeout_ms=1500)
            code = "ok" if reply["ok"] else reply["error"]["code"]
            results.append((started, time.monotonic() - started, code))
            time.sleep(0.01)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert results and all(code == "ok" for _, _, code in results)
        unplugged_at = time.monotonic()
        worker.sim.unplug(2.0)
        probe = clients.dealer(worker.endpoint)
        states: list[dict[str, Any]] = []
        while time.monotonic() - unplugged_at < 1.5:
            states.append(health(probe)["port"])
            time.sleep(0.05)
        assert any(s["state"] == "reconnecting" and s["last_error"] for s in states), states
        # Back after 2 s; the worker retries with backoff (1 s, then 2 s) and resumes alone.
        resumed_at = None
        while time.monotonic() - unplugged_at < 10:
            late = [r for r in results if r[0] > unplugged_at + 2.0 and r[2] == "ok"]
            if late:
                resumed_at = late[0][0]
                break
            time.sleep(0.1)
        assert resumed_at is not None, "service did not resume"
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    during = [r for r in results if unplugged_at + 0.05 < r[0] < unplugged_at + 1.9]
    assert during, "no request during the outage"
    assert {code for _, _, code in during} <= {"PORT_UNAVAILABLE", "TIMEOUT"}
    assert any(code == "PORT_UNAVAILABLE" for _, _, code in during)
    # Failing fast: no request waits out the full outage.
    assert max(rtt for _, rtt, _ in during) < 1.6
    final = health(clients.dealer(worker.endpoint))
    assert final["port"]["state"] == "connected"
    assert final["device"]["protocol_id"] == "PI30"  # identity read again at reconnect
    assert all(code == "ok" for start, _, code in results if start > resumed_at)
