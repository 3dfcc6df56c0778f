"""Row 2 (and the mpp-solar side of row 3): the same transactions through mpp-solar, on the
same simulated port, the two ways people run it.

- per call: one `mpp-solar -c CMD` process per command, as a shell script or the PowerShell
  listener chain spawns it; the poll is five such processes one after the other;
- one process: `mpp-solar -c QPIGS#QPIRI#QMOD#QPIWS#QFLAG` (its own way to run several commands
  in one call) and its Python API (one `mppsolar` device object, `run_command` per command).

Every answer mpp-solar gives must be one it accepted, or the row fails.
"""

from __future__ import annotations

import time
from typing import Any

from .fullstack import POLL, BenchError
from .mppsolar_env import run_mpp, verdict

PROTOCOL = "PI30"
SETTER_TEXT = "POP02"
LABELS = {"QMOD": "QMOD", "QPIGS": "QPIGS", "QPIRI": "QPIRI", "setter": SETTER_TEXT}


def _accepted(command: str, data: dict[str, Any]) -> None:
    problem = verdict(command, data)
    if problem is not None:
        raise BenchError(f"mpp-solar {command}: {problem}")


def cli_per_call(port: str, runs: int) -> dict[str, list[float]]:
    """ms per process for each poll command and the setter, and the five poll calls summed."""
    out: dict[str, list[float]] = {k: [] for k in (*POLL, "setter", "poll")}
    for _ in range(runs):
        poll_ms = 0.0
        for command in (*POLL, SETTER_TEXT):
            results, elapsed = run_mpp(port, PROTOCOL, command)
            _accepted(command, results[-1])
            ms = elapsed * 1000
            if command == SETTER_TEXT:
                out["setter"].append(ms)
            else:
                out[command].append(ms)
                poll_ms += ms
        out["poll"].append(poll_ms)
    return out


def cli_one_call(port: str, runs: int) -> list[float]:
    """ms of one `mpp-solar -c QPIGS#QPIRI#QMOD#QPIWS#QFLAG` process."""
    times: list[float] = []
    for _ in range(runs):
        results, elapsed = run_mpp(port, PROTOCOL, "#".join(POLL))
        if len(results) != len(POLL):
            raise BenchError(f"mpp-solar printed {len(results)} results for 5 commands")
        for command, data in zip(POLL, results, strict=True):
            _accepted(command, data)
        times.append(elapsed * 1000)
    return times


def api_one_process(port: str, runs: int) -> dict[str, list[float]]:
    """ms of each `run_command` on one mpp-solar device object, and the five poll commands
    summed (one process, no start-up cost at all)."""
    from mppsolar.devices.mppsolar import mppsolar

    device = mppsolar(name="bench", port=port, protocol=PROTOCOL, baud=2400, porttype="serial")
    out: dict[str, list[float]] = {k: [] for k in (*POLL, "setter", "poll")}
    device.run_command(command="QMOD")  # warm-up: imports of the decoder
    for _ in range(runs):
        poll_ms = 0.0
        for command in (*POLL, SETTER_TEXT):
            started = time.perf_counter()
            data = device.run_command(command=command)
            ms = (time.perf_counter() - started) * 1000
            _accepted(command, data)
            if command == SETTER_TEXT:
                out["setter"].append(ms)
            else:
                out[command].append(ms)
                poll_ms += ms
        out["poll"].append(poll_ms)
    return out
