"""Row 6 (Python side): QMOD round trips per second and latency through a real worker process
with pacing off, so what is measured is the software (ZeroMQ, msgpack, queue, codec, pty), not
2400 baud. Identical concurrent queries coalesce, as shipped: the worker's counters say how many
wire transactions the round trips cost.

    .venv/bin/python -m bench.service_rate [--seconds 2] [--runs 5] [--clients 1,10,50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import msgpack
import zmq

if __package__ in (None, ""):  # run as `python bench/service_rate.py`
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.processes import SimProcess, WorkerProcess
from bench.stats import percentile, summary


def closed_loop(
    context: zmq.Context[Any], endpoint: str, clients: int, duration_s: float
) -> dict[str, Any]:
    """``clients`` DEALERs, each with one QMOD outstanding at a time, for ``duration_s``."""
    sockets = []
    for _ in range(clients):
        sock = context.socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(endpoint)
        sockets.append(sock)
    poller = zmq.Poller()
    for sock in sockets:
        poller.register(sock, zmq.POLLIN)
    sent_at: dict[int, float] = {}
    rtts: list[float] = []
    next_id = 0
    errors = 0

    def send(sock: zmq.Socket[Any]) -> None:
        nonlocal next_id
        next_id += 1
        sent_at[next_id] = time.perf_counter()
        sock.send(msgpack.packb({"v": 1, "id": next_id, "op": "query", "command": "QMOD"}))

    started = time.perf_counter()
    end = started + duration_s
    for sock in sockets:
        send(sock)
    while sent_at:
        events = poller.poll(5000)
        if not events:
            raise RuntimeError("replies stopped")
        for sock, _ in events:
            reply = msgpack.unpackb(sock.recv())
            now = time.perf_counter()
            rtts.append(now - sent_at.pop(reply["id"]))
            if not reply["ok"]:
                errors += 1
            if now < end:
                send(sock)
    elapsed = time.perf_counter() - started
    for sock in sockets:
        sock.close()
    return {
        "clients": clients,
        "requests": len(rtts),
        "errors": errors,
        "rate_per_s": len(rtts) / elapsed,
        "p50_ms": percentile(rtts, 0.50) * 1000,
        "p99_ms": percentile(rtts, 0.99) * 1000,
    }


def measure(
    worker: WorkerProcess, client_counts: tuple[int, ...], runs: int, seconds: float
) -> dict[int, dict[str, Any]]:
    """Per client count: rate, p50 and p99 of each run, and the wire work they cost."""
    context: zmq.Context[Any] = zmq.Context()
    try:
        closed_loop(context, worker.endpoint, 1, min(0.5, seconds))  # warm-up
        out: dict[int, dict[str, Any]] = {}
        for clients in client_counts:
            before = worker.health()["counters"]
            runs_ = [closed_loop(context, worker.endpoint, clients, seconds) for _ in range(runs)]
            after = worker.health()["counters"]
            out[clients] = {
                "rate_per_s": [r["rate_per_s"] for r in runs_],
                "p50_ms": [r["p50_ms"] for r in runs_],
                "p99_ms": [r["p99_ms"] for r in runs_],
                "requests": sum(r["requests"] for r in runs_),
                "errors": sum(r["errors"] for r in runs_),
                "wire_transactions": after["transactions"] - before["transactions"],
                "coalesced": after["coalesced"] - before["coalesced"],
            }
        return out
    finally:
        context.term()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", default="1,10,50", help="comma-separated client counts")
    args = parser.parse_args()
    counts = tuple(int(c) for c in args.clients.split(","))
    with SimProcess(pacing=False) as sim, WorkerProcess(sim.path) as worker:
        results = measure(worker, counts, args.runs, args.seconds)
        print(f"worker on {sim.path} (pacing off), QMOD, closed loop, {args.runs} runs:")
        for clients, r in results.items():
            rate, p50, p99 = (summary(r[k], 2) for k in ("rate_per_s", "p50_ms", "p99_ms"))
            print(
                f"  {clients:>3} client(s): {rate['median']:7.0f} req/s "
                f"({rate['min']:.0f}-{rate['max']:.0f}), p50 {p50['median']:.2f} ms, "
                f"p99 {p99['median']:.2f} ms ({r['requests']} requests, {r['errors']} errors; "
                f"{r['wire_transactions']} wire transactions, {r['coalesced']} coalesced)"
            )
        rss = worker.rss_mib()
        print(f"  worker RSS: {rss:.1f} MiB" if rss is not None else "  worker RSS: n/a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
