"""Row 8: QPIGS decode throughput (frames per second), ours against mpp-solar's own decoder in
the same process on the same frame (median of several runs). mpp-solar is measured when it is
importable (the bench venv, bench/.venv-mpp, has both).

    .venv/bin/python -m bench.decode_throughput [--runs 7] [--frames 20000]

Also prints the catalogue size per protocol variant. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyworker.protocol import PROTOCOLS, decode, get_catalogue

if __package__ in (None, ""):  # run as `python bench/decode_throughput.py`
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.stats import summary

# The reference's sample QPIGS answer (PI30, 21 fields), byte for byte.
QPIGS_PI30 = (
    b"(000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 "
    b"00110110 00 00 00856 010\x24\x8c\r"
)


def frames_per_second(decode_one: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        decode_one()
    return count / (time.perf_counter() - start)


def ours(frame: bytes = QPIGS_PI30) -> Callable[[], object]:
    result = decode("QPIGS", frame, "PI30")
    if result.data["ac_output_voltage"] != 230.0:
        raise AssertionError(f"our decoder misread the sample: {result.data}")
    return lambda: decode("QPIGS", frame, "PI30")


def mppsolar_decoder(frame: bytes = QPIGS_PI30) -> Callable[[], object] | None:
    """mpp-solar's PI30 decoder on the same frame, or None where mppsolar is not installed."""
    try:
        from mppsolar.protocols import get_protocol
    except ImportError:
        return None
    protocol = get_protocol("PI30")
    result: dict[str, Any] = protocol.decode(frame, "QPIGS")
    if result.get("AC Output Voltage", [None])[0] != 230.0:
        raise AssertionError(f"mpp-solar misread the sample: {result}")
    return lambda: protocol.decode(frame, "QPIGS")


def measure(runs: int, frames: int, mpp_frames: int) -> dict[str, Any]:
    """Frames/s of each run, ours and mpp-solar's (None when it is not installed)."""
    decode_ours = ours()
    decode_theirs = mppsolar_decoder()
    for fn in (decode_ours, decode_theirs):  # warm the parser caches
        if fn is not None:
            frames_per_second(fn, 50)
    rates_ours: list[float] = []
    rates_theirs: list[float] = []
    for _ in range(runs):  # interleaved, so machine noise hits both alike
        rates_ours.append(frames_per_second(decode_ours, frames))
        if decode_theirs is not None:
            rates_theirs.append(frames_per_second(decode_theirs, mpp_frames))
    return {
        "ours": rates_ours,
        "mppsolar": rates_theirs or None,
        "frames": frames,
        "mpp_frames": mpp_frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--mpp-frames", type=int, default=2000)
    args = parser.parse_args()

    for protocol in PROTOCOLS:
        catalogue = get_catalogue(protocol)
        print(
            f"catalogue {protocol}: {len(catalogue.queries)} queries, "
            f"{len(catalogue.setters)} setters"
        )
    result = measure(args.runs, args.frames, args.mpp_frames)
    for name in ("ours", "mppsolar"):
        rates = result[name]
        if rates is None:
            print(f"{name}: not installed here (run it from bench/.venv-mpp)")
            continue
        s = summary(rates, 0)
        print(
            f"QPIGS decode, {name}: median {s['median']:,.0f} frames/s "
            f"(min {s['min']:,.0f}, max {s['max']:,.0f}; {args.runs} runs) "
            f"= {1e6 / s['median']:.1f} us per frame"
        )
    if result["mppsolar"]:
        ratio = statistics.median(result["ours"]) / statistics.median(result["mppsolar"])
        print(f"ours / mpp-solar: {ratio:.1f}x")


if __name__ == "__main__":
    main()
