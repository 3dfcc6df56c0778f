"""Row 4: N clients each polling QPIGS every 2 s, the way pi30-query polls (priority "poll",
a poll still running makes the next one skip, max_age_ms only if configured), against one
client alone. Wire load comes from the simulator's own transaction counters, read every window.

``aligned=True`` polls as pi30-query does: on multiples of the period on the clock, so the
clients ask together and the worker coalesces them. ``aligned=False`` spreads the clients
evenly over the period (client i at i x period / N), the hardest case for coalescing.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import msgpack
import zmq

from pyworker.sim import SimControl

from .stats import latency_summary

REPLY_GRACE_S = 15.0


def fanout(
    endpoint: str,
    control: SimControl,
    *,
    clients: int,
    duration_s: float,
    period_s: float = 2.0,
    max_age_ms: float | None = None,
    windows: int = 6,
    aligned: bool = False,
) -> dict[str, Any]:
    context: zmq.Context[Any] = zmq.Context()
    sockets = []
    for _ in range(clients):
        sock = context.socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(endpoint)
        sockets.append(sock)
    poller = zmq.Poller()
    for sock in sockets:
        poller.register(sock, zmq.POLLIN)
    ids = itertools.count(1)
    pending: dict[int, tuple[int, float]] = {}  # request id -> (client, sent at)
    busy = [False] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    counts = {"requests": 0, "skipped": 0, "errors": 0, "cached": 0}
    error_samples: list[Any] = []

    def handle(sock: zmq.Socket[Any]) -> None:
        reply = msgpack.unpackb(sock.recv(), raw=False)
        client, sent_at = pending.pop(reply["id"])
        busy[client] = False
        latencies[client].append((time.perf_counter() - sent_at) * 1000)
        if not reply.get("ok"):
            counts["errors"] += 1
            error_samples.append(reply.get("error"))
        elif reply.get("cached"):
            counts["cached"] += 1

    # warm the connections (and the cache) so the first window is not a cold start
    for sock in sockets:
        sock.send(msgpack.packb({"v": 1, "id": 0, "op": "health"}))
    for sock in sockets:
        if not sock.poll(int(REPLY_GRACE_S * 1000)):
            raise RuntimeError("the worker did not answer a health request")
        sock.recv()

    control.reset_counters()
    wire_totals = [0]
    started = time.perf_counter()
    if aligned:
        first = started + period_s - (time.time() % period_s)
        due = [first] * clients
    else:
        due = [started + i * period_s / clients for i in range(clients)]
    window_s = duration_s / windows
    boundaries = [started + duration_s * k / windows for k in range(1, windows + 1)]
    end = boundaries[-1]
    while True:
        now = time.perf_counter()
        while len(wire_totals) <= windows and now >= boundaries[len(wire_totals) - 1]:
            wire_totals.append(control.status()["transactions_total"])
        windows_done = len(wire_totals) > windows
        if windows_done and (not pending or now >= end + REPLY_GRACE_S):
            break
        if now < end:
            for client in range(clients):
                if due[client] <= now:
                    due[client] += period_s
                    if busy[client]:
                        counts["skipped"] += 1  # like pi30-query: never stack polls
                        continue
                    request_id = next(ids)
                    message: dict[str, Any] = {
                        "v": 1,
                        "id": request_id,
                        "op": "query",
                        "command": "QPIGS",
                        "priority": "poll",
                    }
                    if max_age_ms is not None:
                        message["max_age_ms"] = max_age_ms
                    busy[client] = True
                    pending[request_id] = (client, time.perf_counter())
                    sockets[client].send(msgpack.packb(message))
                    counts["requests"] += 1
        waits = [] if windows_done else [boundaries[len(wire_totals) - 1] - now]
        if now < end:
            waits.append(min(due) - now)
        else:
            waits.append(0.05)
        timeout_ms = max(0, int(min(waits) * 1000))
        for sock, _ in poller.poll(timeout_ms):
            handle(sock)
    elapsed = time.perf_counter() - started
    for sock in sockets:
        sock.close()
    context.term()

    per_window = [(after - before) / window_s for before, after in itertools.pairwise(wire_totals)]
    everything = [ms for client in latencies for ms in client]
    return {
        "clients": clients,
        "duration_s": duration_s,
        "period_s": period_s,
        "max_age_ms": max_age_ms,
        "aligned": aligned,
        "elapsed_s": round(elapsed, 2),
        "window_s": round(window_s, 2),
        "wire_tx_per_s_by_window": [round(v, 3) for v in per_window],
        "wire_transactions": wire_totals[-1],
        **counts,
        "latency_ms": latency_summary(everything) if everything else None,
        "per_client_median_ms": [
            round(sorted(c)[len(c) // 2], 1) if c else None for c in latencies
        ],
        "error_samples": error_samples[:3],
    }
