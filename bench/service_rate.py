"""QMOD request rate and round-trip time through a real worker process, and its RSS.

Not a test: it prints numbers. The worker serves the simulator with pacing off, so what is
measured is the worker itself (ZeroMQ, msgpack, queue, codec), not 2400 baud.

    .venv/bin/python bench/service_rate.py [--requests 3000] [--clients 50]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgpack
import zmq

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_worker(port_url: str, endpoint: str) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "pyworker.cli",
        "serve",
        "--port",
        port_url,
        "--bind",
        endpoint,
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, cwd=ROOT)


def call(sock: zmq.Socket[Any], message: dict[str, Any], timeout_ms: int = 5000) -> Any:
    sock.send(msgpack.packb(message))
    if not sock.poll(timeout_ms):
        raise RuntimeError(f"no reply to {message}")
    return msgpack.unpackb(sock.recv())


def wait_ready(ctx: zmq.Context[Any], endpoint: str) -> None:
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(endpoint)
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            sock.send(msgpack.packb({"v": 1, "id": "ready", "op": "health"}))
            if sock.poll(500):
                health = msgpack.unpackb(sock.recv())
                if health["port"]["state"] == "connected" and health["device"]["protocol_id"]:
                    return
            time.sleep(0.1)
    finally:
        sock.close()
    raise RuntimeError("the worker did not come up")


def closed_loop(ctx: zmq.Context[Any], endpoint: str, clients: int, total: int) -> dict[str, float]:
    """``clients`` DEALERs, each with one QMOD outstanding at a time, until ``total`` replies."""
    socks = []
    for _ in range(clients):
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(endpoint)
        socks.append(sock)
    poller = zmq.Poller()
    for sock in socks:
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
    for sock in socks:
        send(sock)
    while len(rtts) < total:
        events = poller.poll(5000)
        if not events:
            raise RuntimeError("replies stopped")
        for sock, _ in events:
            reply = msgpack.unpackb(sock.recv())
            rtts.append(time.perf_counter() - sent_at.pop(reply["id"]))
            if not reply["ok"]:
                errors += 1
            if next_id < total:
                send(sock)
    elapsed = time.perf_counter() - started
    for sock in socks:
        sock.close()
    rtts.sort()
    return {
        "clients": clients,
        "requests": len(rtts),
        "errors": errors,
        "rate_per_s": len(rtts) / elapsed,
        "median_ms": statistics.median(rtts) * 1000,
        "p95_ms": rtts[int(len(rtts) * 0.95)] * 1000,
    }


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", default="sim://?model=pi30&pacing=0&latency_ms=0&name=bench")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    worker = start_worker(args.port, endpoint)
    ctx: zmq.Context[Any] = zmq.Context()
    try:
        wait_ready(ctx, endpoint)
        probe = ctx.socket(zmq.DEALER)
        probe.linger = 0
        probe.connect(endpoint)
        closed_loop(ctx, endpoint, 1, 200)  # warm-up
        results = []
        for clients, total in ((1, args.requests), (args.clients, args.requests * 2)):
            before = call(probe, {"v": 1, "id": "h", "op": "health"})["counters"]
            result = closed_loop(ctx, endpoint, clients, total)
            after = call(probe, {"v": 1, "id": "h", "op": "health"})["counters"]
            result["transactions"] = after["transactions"] - before["transactions"]
            result["coalesced"] = after["coalesced"] - before["coalesced"]
            results.append(result)
        probe.close()
        print(f"worker on {args.port} (pacing off), QMOD, closed loop:")
        for r in results:
            print(
                f"  {r['clients']:>3} client(s): {r['rate_per_s']:7.0f} req/s, round trip median "
                f"{r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms ({r['requests']} requests, "
                f"{r['errors']} errors; {r['transactions']:.0f} wire transactions, "
                f"{r['coalesced']:.0f} coalesced)"
            )
        rss = rss_mib(worker.pid)
        print(f"  worker RSS: {rss:.1f} MiB" if rss is not None else "  worker RSS: n/a")
    finally:
        worker.terminate()
        worker.wait(10)
        ctx.term()
    return 0 if worker.returncode == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
