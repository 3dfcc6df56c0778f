"""Energy totals for the Home Assistant Energy dashboard, as pure data and arithmetic.

Most PI30 units keep no energy counters: their totals are integrated from the power readings
(QPIGS) with the trapezoidal rule. A gap between two readings longer than ``max_gap_s`` is not
integrated (the power during it is unknown). The ENERGY entry of the catalogue names the
fields; the service feeds readings in and keeps the totals across restarts. No clocks here:
every reading comes with its time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENERGY_COMMAND = "ENERGY"
PV, LOAD, GRID, CHARGE, DISCHARGE = (
    "pv_energy",
    "load_energy",
    "grid_import_energy",
    "battery_charge_energy",
    "battery_discharge_energy",
)
ENERGY_KEYS: tuple[str, ...] = (PV, LOAD, GRID, CHARGE, DISCHARGE)
# The unit's own lifetime counters (Wh), where it has them: they win over integration.
COUNTERS: Mapping[str, tuple[str, str]] = {
    PV: ("QET", "total_pv_generated_energy"),
    LOAD: ("QLT", "total_output_load_energy"),
}
DEFAULT_MAX_GAP_S = 300.0
J_PER_KWH = 3_600_000.0


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def powers_from_qpigs(data: Mapping[str, Any], pv2_w: float = 0.0) -> dict[str, float]:
    """Instant powers in W from a decoded QPIGS (plus PV2 from QPIGS2 on units that have it).

    The unit measures no grid power: grid import is what the load and the battery charge take
    beyond what PV and the battery give (losses not counted, so it reads a little low), and
    zero when no grid voltage is present.
    """
    battery_v = _number(data, "battery_voltage")
    pv = max(0.0, _number(data, "pv_input_power")) + max(0.0, pv2_w)
    load = max(0.0, _number(data, "ac_output_active_power"))
    charge = max(0.0, battery_v * _number(data, "battery_charging_current"))
    discharge = max(0.0, battery_v * _number(data, "battery_discharge_current"))
    grid = 0.0
    if _number(data, "ac_input_voltage") > 0.0:
        grid = max(0.0, load + charge - discharge - pv)
    return {PV: pv, LOAD: load, GRID: grid, CHARGE: charge, DISCHARGE: discharge}


@dataclass
class EnergyIntegrator:
    """Running totals in kWh; ``observe`` adds the area under the power between readings."""

    totals: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ENERGY_KEYS, 0.0))
    max_gap_s: float = DEFAULT_MAX_GAP_S
    last_time: float | None = None
    last_powers: dict[str, float] | None = None
    gaps: int = 0  # readings that came too late (or with time going backwards) to integrate

    def observe(self, when: float, powers: Mapping[str, float]) -> None:
        if self.last_time is not None and self.last_powers is not None:
            dt = when - self.last_time
            if 0.0 < dt <= self.max_gap_s:
                for key in ENERGY_KEYS:
                    mean_w = (self.last_powers.get(key, 0.0) + powers.get(key, 0.0)) / 2.0
                    self.totals[key] = self.totals.get(key, 0.0) + mean_w * dt / J_PER_KWH
            elif dt != 0.0:
                self.gaps += 1
        self.last_time = when
        self.last_powers = dict(powers)

    def answer(self, counters_wh: Mapping[str, float | None]) -> dict[str, float]:
        """The totals in kWh, the unit's counters (Wh) taking the place of integration."""
        out: dict[str, float] = {}
        for key in ENERGY_KEYS:
            counted = counters_wh.get(key)
            value = counted / 1000.0 if counted is not None else self.totals.get(key, 0.0)
            out[key] = round(value, 4)
        return out

    def state(self) -> dict[str, Any]:
        """What survives a restart: the totals (a reading before the restart is not a start)."""
        return {"version": 1, "totals_kwh": {k: self.totals.get(k, 0.0) for k in ENERGY_KEYS}}

    @classmethod
    def from_state(cls, state: Any, max_gap_s: float = DEFAULT_MAX_GAP_S) -> EnergyIntegrator:
        """Totals from ``state()``; anything unreadable starts from zero."""
        totals = dict.fromkeys(ENERGY_KEYS, 0.0)
        saved = state.get("totals_kwh") if isinstance(state, dict) else None
        if isinstance(saved, dict):
            for key in ENERGY_KEYS:
                value = saved.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                    totals[key] = float(value)
        return cls(totals=totals, max_gap_s=max_gap_s)
