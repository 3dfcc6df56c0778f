"""ENERGY served by a real worker on the simulator: totals grow, survive a restart, and come
from the unit's counters where it has them (PI30MAX QET/QLT)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service_helpers import Clients, SimWorker, call

StartWorker = Callable[..., SimWorker]


def energy(sock: Any) -> dict[str, Any]:
    reply = call(sock, id="e", op="query", command="ENERGY")
    assert reply["ok"], reply
    return reply


def test_pi30_totals_are_integrated_and_survive_a_restart(
    tmp_path: Path, sim_worker: StartWorker, clients: Clients
) -> None:
    state = tmp_path / "totals.json"
    worker = sim_worker("energy", "--energy-state", str(state))
    sock = clients.dealer(worker.endpoint)
    first = energy(sock)
    assert first["units"] == dict.fromkeys(first["data"], "kWh")
    assert "none" in first["raw"]  # a PI30 has no counters: everything integrated
    deadline = time.monotonic() + 20
    while energy(sock)["data"]["load_energy"] <= first["data"]["load_energy"]:
        assert time.monotonic() < deadline, "load energy never grew"
        time.sleep(0.3)
    # every reading counts, whoever asked: a QPIGS poll alone also integrates
    assert worker.wire_count("ENERGY") == 0  # never sent to the unit
    before = energy(sock)["data"]
    assert worker.close() == 0
    saved = json.loads(state.read_text())
    assert saved["totals_kwh"]["load_energy"] >= before["load_energy"] - 1e-4
    worker = sim_worker("energy2", "--energy-state", str(state))
    after = energy(clients.dealer(worker.endpoint))["data"]
    for key, value in before.items():
        assert after[key] >= value - 1e-4, key


def test_state_file_defaults_next_to_the_audit_log(
    tmp_path: Path, sim_worker: StartWorker, clients: Clients
) -> None:
    worker = sim_worker("beside")
    energy(clients.dealer(worker.endpoint))
    energy(clients.dealer(worker.endpoint))
    assert worker.close() == 0
    assert (tmp_path / "beside-audit.energy.json").exists()


def test_pi30max_pv_and_load_come_from_the_unit_counters(
    sim_worker: StartWorker, clients: Clients
) -> None:
    sock = clients.dealer(sim_worker("max", "--protocol", "PI30MAX", model="pi30max").endpoint)
    reply = energy(sock)
    qet = call(sock, id="q", op="query", command="QET", max_age_ms=60000)["data"]
    qlt = call(sock, id="l", op="query", command="QLT", max_age_ms=60000)["data"]
    assert reply["data"]["pv_energy"] == round(qet["total_pv_generated_energy"] / 1000, 4)
    assert reply["data"]["load_energy"] == round(qlt["total_output_load_energy"] / 1000, 4)
    assert "pv_energy=QET" in reply["raw"] and "load_energy=QLT" in reply["raw"]
