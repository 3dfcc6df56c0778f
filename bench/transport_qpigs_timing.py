"""Time of a QPIGS transaction through our transport alone, against its wire floor.

Not a test: it prints numbers. `pi30-worker sim --pty` serves the simulator at 2400 baud
(4.17 ms per byte each way) on a real pty; the transport sends QPIGS (8 bytes) and reads the
answer (110 bytes on the classic profile) through pyserial and the frame splitter. The floor is
(8 + answer bytes) x 10 bits / 2400 baud = 492 ms for a 110-byte answer; anything above it is
the unit's latency (set with --latency-ms, 0 by default here) plus our overhead. The HID row of
`make bench` (bench/hid.py) uses `measure` on a HidrawTransport.

    .venv/bin/python -m bench.transport_qpigs_timing [--runs 15] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from pyworker.protocol import decode, encode
from pyworker.sim import register_url_handler
from pyworker.transport import Timing, Transport, open_transport

if __package__ in (None, ""):  # run as `python bench/transport_qpigs_timing.py`
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.processes import SimProcess

QPIGS_REQUEST_BYTES = len(encode("QPIGS"))


def measure(port: str | Transport, runs: int) -> list[tuple[float, int]]:
    """(seconds, answer bytes on the wire) of ``runs`` QPIGS transactions."""
    samples: list[tuple[float, int]] = []
    transport = open_transport(port) if isinstance(port, str) else port
    with transport:
        for _ in range(runs):
            started = time.perf_counter()
            frame = transport.transact(encode("QPIGS"), expected_bytes=140)
            elapsed = time.perf_counter() - started
            decode("QPIGS", frame)  # a real answer, not just bytes
            samples.append((elapsed, len(frame) + 1))  # + the CR the transport strips
    return samples


def floor_ms(answer_bytes: int, request_bytes: int = QPIGS_REQUEST_BYTES) -> float:
    return Timing.wire_time(request_bytes + answer_bytes, 2400) * 1000


def report(label: str, samples: list[tuple[float, int]], latency_ms: float) -> dict[str, object]:
    times = [t for t, _ in samples]
    sizes = sorted({n for _, n in samples})
    floor = max(floor_ms(n) for n in sizes)
    median_ms = statistics.median(times) * 1000
    return {
        "path": label,
        "runs": len(times),
        "answer_bytes": sizes,
        "unit_latency_ms": latency_ms,
        "wire_floor_ms": round(floor, 1),
        "median_ms": round(median_ms, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "overhead_ms": round(median_ms - floor - latency_ms, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    with SimProcess(latency_ms=args.latency_ms) as sim:
        samples = measure(sim.path, args.runs)
        print(json.dumps(report("pi30-worker sim --pty", samples, args.latency_ms)))

    register_url_handler()  # this script is its own composition root: it opens sim:// itself
    url = f"sim://?seed=1&latency_ms={args.latency_ms:g}"
    print(json.dumps(report("sim://", measure(url, args.runs), args.latency_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
