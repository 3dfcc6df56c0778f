"""Summaries of repeated measurements and the 2400-baud wire floor they are compared with.

Machines are shared and noisy: every figure is a median of several runs with its min and max,
and comparisons are ratios of medians.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from pyworker.protocol import encode
from pyworker.transport import Timing

BAUD = 2400


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float], digits: int = 2) -> dict[str, Any]:
    """Median, min, max and the number of runs (plus the runs themselves)."""
    if not values:
        raise ValueError("no runs")
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": len(values),
        "values": [round(v, digits) for v in values],
    }


def latency_summary(values_ms: Sequence[float]) -> dict[str, Any]:
    """For latency distributions (many samples): median, p99, min, max, count."""
    return {
        "p50": round(percentile(values_ms, 0.50), 2),
        "p99": round(percentile(values_ms, 0.99), 2),
        "min": round(min(values_ms), 2),
        "max": round(max(values_ms), 2),
        "count": len(values_ms),
    }


def ratio(numerator: float, denominator: float, digits: int = 3) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


def request_bytes(command_text: str, protocol: str = "PI30") -> int:
    """Bytes of the request frame for ``"QPIGS"`` or a whole setter text (``"POP02"``)."""
    return len(encode(command_text, protocol=protocol))


def answer_bytes(raw_payload: str) -> int:
    """Bytes on the wire of an answer whose payload (between ``(`` and the CRC) is given:
    ``(`` + payload + 2 CRC bytes + CR."""
    return 1 + len(raw_payload.encode("latin-1")) + 2 + 1


def wire_floor_ms(command_text: str, raw_payload: str, protocol: str = "PI30") -> float:
    """The physical floor of one transaction at 2400 baud: request + answer, 10 bits a byte."""
    total = request_bytes(command_text, protocol) + answer_bytes(raw_payload)
    return Timing.wire_time(total, BAUD) * 1000
