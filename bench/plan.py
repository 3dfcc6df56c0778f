"""How long a bench run measures: the full run and the QUICK smoke run (`make bench QUICK=1`),
and the client counts the rows are named after."""

from __future__ import annotations

from dataclasses import dataclass

CLIENT_COUNTS = (1, 10, 50)
FANOUT_CLIENTS = 10
FANOUT_MAX_AGE_MS = 2000.0


@dataclass(frozen=True)
class Plan:
    quick: bool
    runs: int  # rows 1, 3, 5 (ours)
    mpp_runs: int  # mpp-solar, rows 2 and 3
    fanout_s: float
    hid_ours_runs: int
    hid_mpp_runs: int
    decode_runs: int
    decode_frames: int
    mpp_decode_frames: int
    rate_runs: int
    rate_seconds: float
    rss_poll_s: float


FULL = Plan(False, 9, 9, 60.0, 9, 7, 7, 20000, 2000, 7, 1.5, 600.0)
QUICK = Plan(True, 5, 3, 6.0, 5, 3, 5, 5000, 500, 5, 0.3, 20.0)
