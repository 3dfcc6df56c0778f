"""Time of a QPIGS transaction through a paced pseudo-terminal, against its wire floor.

Not a test: it prints numbers. `pi30-worker sim --pty` serves the simulator at 2400 baud
(4.17 ms per byte each way) on a real pty; the transport sends QPIGS (8 bytes) and reads the
answer (110 bytes on the classic profile) through pyserial and the frame splitter. The floor is
(8 + answer bytes) x 10 bits / 2400 baud = 492 ms for a 110-byte answer; anything above it is
the unit's latency (set with --latency-ms, 0 by default here) plus our overhead.

    .venv/bin/python bench/transport_qpigs_timing.py [--runs 15] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pyworker.protocol import decode, encode
from pyworker.transport import Timing, open_transport

ROOT = Path(__file__).resolve().parent.parent


def measure(port: str, runs: int) -> tuple[list[float], set[int]]:
    times: list[float] = []
    sizes: set[int] = set()
    with open_transport(port) as transport:
        for _ in range(runs):
            started = time.perf_counter()
            frame = transport.transact(encode("QPIGS"), expected_bytes=140)
            times.append(time.perf_counter() - started)
            decode("QPIGS", frame)  # a real answer, not just bytes
            sizes.add(len(frame) + 1)  # + the CR the transport strips
    return times, sizes


def report(label: str, times: list[float], sizes: set[int], latency_ms: float) -> dict[str, object]:
    floor_ms = max(Timing.wire_time(8 + n, 2400) for n in sizes) * 1000
    median_ms = statistics.median(times) * 1000
    return {
        "path": label,
        "runs": len(times),
        "answer_bytes": sorted(sizes),
        "unit_latency_ms": latency_ms,
        "wire_floor_ms": round(floor_ms, 1),
        "median_ms": round(median_ms, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "overhead_ms": round(median_ms - floor_ms - latency_ms, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    sim = subprocess.Popen(
        [sys.executable, "-m", "pyworker.cli", "sim", "--pty", "--seed", "1"]
        + ["--latency-ms", str(args.latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert sim.stdout is not None
        pty_path = sim.stdout.readline().strip()
        times, sizes = measure(pty_path, args.runs)
        print(json.dumps(report("pi30-worker sim --pty", times, sizes, args.latency_ms)))
    finally:
        sim.terminate()
        sim.wait(timeout=5)

    url = f"sim://?seed=1&latency_ms={args.latency_ms:g}"
    times, sizes = measure(url, args.runs)
    print(json.dumps(report("sim://", times, sizes, args.latency_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
