"""Helpers for the transaction-integrity campaigns: a worker on the PACED simulator (2400 baud,
50 ms think time) whose clock is stopped, so every answer is known in advance: the truth is
what an identical simulator answers, and any `ok` reply that differs is a wrong reading.

(A uniquely named module: test directories have no __init__.py.)"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service_helpers import SimWorker

from pyworker.protocol import decode, encode_raw
from pyworker.sim.clock import parse_time
from pyworker.sim.simulator import SimConfig, Simulator

SIM_SEED = 7
SIM_START = "2026-06-01T12:00"
ROTATION = ("QPIGS", "QPIRI", "QMOD", "QID")


def paced_sim_options() -> dict[str, Any]:
    return {
        "model": "pi30",
        "pacing": 1,
        "latency_ms": 50,
        "seed": SIM_SEED,
        "speed": 0,
        "start": SIM_START,
    }


def truth(commands: tuple[str, ...] = ROTATION) -> dict[str, str]:
    """The payload each command gets from a unit in this state (the clock is stopped)."""
    sim = Simulator(
        SimConfig(
            model="pi30",
            pacing=False,
            latency_ms=0,
            seed=SIM_SEED,
            speed=0,
            start=parse_time(SIM_START),
        )
    )
    out = {}
    for text in commands:
        reply = sim.transact(encode_raw(text))
        assert reply.data is not None
        out[text] = decode(text, reply.data).raw
    return out


def paced_worker(tmp: Path, name: str, *extra: str) -> SimWorker:
    """A worker process on a paced, stopped-clock sim:// port with a control endpoint."""
    return SimWorker(tmp, name, *extra, ready_timeout=30, **paced_sim_options())


@dataclass
class Tally:
    """What a campaign saw: `ok` replies right and wrong, errors by code."""

    truth: dict[str, str]
    ok: int = 0
    wrong_ok: list[tuple[str, str]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, command: str, reply: dict[str, Any]) -> None:
        if reply.get("ok"):
            self.ok += 1
            if reply.get("raw") != self.truth[command]:
                self.wrong_ok.append((command, str(reply.get("raw"))[:60]))
        else:
            self.errors[reply["error"]["code"]] += 1

    def summary(self, label: str, injected: dict[str, int], counters: dict[str, int]) -> str:
        keys = ("retries", "timeouts", "crc_errors", "malformed", "shape_mismatches")
        shown = {k: counters.get(k) for k in (*keys, "stale_bytes_dropped")}
        return (
            f"{label}: {self.ok} ok, {len(self.wrong_ok)} wrong ok, errors {dict(self.errors)}, "
            f"faults injected {injected}, worker counters {shown}"
        )
