"""Decode throughput of the protocol core: QPIGS frames per second (median of several runs).

Run: .venv/bin/python bench/decode_throughput.py [--runs 7] [--frames 20000]
Also prints the catalogue size per protocol variant. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pyworker.protocol import PROTOCOLS, decode, get_catalogue

# The reference's sample QPIGS answer (PI30, 21 fields), byte for byte.
QPIGS_PI30 = (
    b"(000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 "
    b"00110110 00 00 00856 010\x24\x8c\r"
)


def frames_per_second(frame: bytes, protocol: str, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        decode("QPIGS", frame, protocol)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--frames", type=int, default=20000)
    args = parser.parse_args()

    for protocol in PROTOCOLS:
        catalogue = get_catalogue(protocol)
        print(
            f"catalogue {protocol}: {len(catalogue.queries)} queries, "
            f"{len(catalogue.setters)} setters"
        )
    decode("QPIGS", QPIGS_PI30)  # warm the per-command parser cache
    rates = [frames_per_second(QPIGS_PI30, "PI30", args.frames) for _ in range(args.runs)]
    print(
        f"QPIGS decode: median {statistics.median(rates):,.0f} frames/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {args.runs} runs x {args.frames} frames)"
    )
    print(f"  = {1e6 / statistics.median(rates):.1f} us per frame")


if __name__ == "__main__":
    main()
