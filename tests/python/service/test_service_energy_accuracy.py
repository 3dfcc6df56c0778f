"""ENERGY against the simulator's own truth: a real worker integrates a simulated morning
(sunrise, breakfast peak, battery and grid) polled once per simulated minute, and its totals
are compared with the simulator's energy ledger over the same stretch.

The simulated day runs SPEED times faster than the wall clock while the worker integrates on
its own (wall) clock: every kWh it counts stands for SPEED kWh of the unit's day. That factor
is the only conversion; everything else is the shipped path (QPIGS on the port, the worker's
trapezoidal integration, the ENERGY answer).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from service_helpers import Clients, SimWorker, call

SPEED = 240.0  # four simulated minutes per second: 2 h of the unit's day in 30 s
POLL_S = 60.0 / SPEED  # one QPIGS per simulated minute (the plant integrates whole minutes)
STRETCH_S = 30.0
START = "2026-04-15T07:00"  # sunrise, breakfast, the battery and the grid all move
LEDGER_KEYS = {
    "pv_energy": "pv_wh",
    "load_energy": "load_wh",
    "grid_import_energy": "grid_import_wh",
    "battery_charge_energy": "battery_charge_wh",
    "battery_discharge_energy": "battery_discharge_wh",
}


def energy(sock: Any) -> dict[str, float]:
    reply = call(sock, id="e", op="query", command="ENERGY")
    assert reply["ok"], reply
    data: dict[str, float] = reply["data"]
    return data


def sim_now(worker: SimWorker) -> datetime:
    return datetime.fromisoformat(worker.sim.status()["now"])


def test_integrated_totals_agree_with_the_simulator_ledger(
    sim_worker: Callable[..., SimWorker], clients: Clients
) -> None:
    worker = sim_worker("accuracy", speed=SPEED, start=START)
    sock = clients.dealer(worker.endpoint)
    energy(sock)  # the first sample: integration starts from the next one
    first = energy(sock)
    start = sim_now(worker)
    deadline = time.monotonic() + STRETCH_S
    while time.monotonic() < deadline:
        reply = call(sock, id="q", op="query", command="QPIGS")
        assert reply["ok"], reply
        time.sleep(POLL_S)
    last = energy(sock)
    end = sim_now(worker)
    truth = worker.sim.ledger(start.isoformat(), end.isoformat())["energy"]
    hours = (end - start).total_seconds() / 3600
    assert 1.5 < hours < 2.5, hours  # the stretch really was about two simulated hours
    # Tolerance per flow, in Wh of the unit's day:
    # - 2 x 0.1 Wh x SPEED: ENERGY answers in kWh with 4 decimals, and we read it twice;
    # - two simulated minutes of the flow's mean power: the ledger is kept to the minute, the
    #   ENERGY samples fall inside minutes, and the status read after each runs on while the
    #   day moves SPEED times faster;
    # - 1 % of the flow: the trapezoid over one-minute samples of a plant that steps each
    #   minute (a 2 kW appliance switching on is seen at the next sample);
    # - QPIGS's own resolution: powers in whole W (negligible), but the battery current in
    #   whole A, so battery flows (and grid import, derived from them) may be off by up to
    #   0.5 A x 60 V = 30 W all along if the current sits near a half amp.
    report = {}
    for key, ledger_key in LEDGER_KEYS.items():
        counted_wh = (last[key] - first[key]) * 1000 * SPEED
        true_wh = float(truth[ledger_key])
        resolution_w = 30.0 if key.startswith(("battery", "grid")) else 0.5
        allowed = 2 * 0.1 * SPEED + true_wh / (hours * 60) * 2 + 0.01 * true_wh
        allowed += resolution_w * hours
        report[key] = (round(counted_wh, 1), round(true_wh, 1), round(allowed, 1))
        print(
            f"{key}: worker {counted_wh:.1f} Wh, ledger {true_wh:.1f} Wh, allowed +-{allowed:.1f}"
        )
        assert abs(counted_wh - true_wh) <= allowed, report
    assert report["load_energy"][1] > 500, report  # a stretch where energy really moved
