"""The power plant inside a simulated unit: PV, household load, battery and utility, and the
unit's choice of where power flows given the priorities in force.

``operating_point()`` is a pure function of (state, settings, environment, time); ``advance()``
integrates it minute by minute on the simulation clock, so the state at a given simulated time
does not depend on how often, or when, the unit was queried.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from .environment import Environment
from .ledger import EnergyLedger, PowerFlows
from .profiles import ModelProfile
from .settings import InverterSettings

STEP = timedelta(minutes=1)
MAX_CATCH_UP = timedelta(days=62)  # a longer gap (a clock jump) is skipped, not integrated

# Open-circuit voltage of a 48 V lead-acid bank by state of charge (scaled for 12/24 V).
_OCV_48: tuple[tuple[float, float], ...] = (
    (0, 44.0),
    (10, 46.4),
    (20, 47.6),
    (40, 48.8),
    (60, 49.8),
    (80, 50.8),
    (90, 51.6),
    (95, 52.4),
    (100, 53.6),
)
_RESISTANCE_48 = 0.04  # ohm: the voltage sag/rise per amp of a 48 V bank


def open_circuit_voltage(soc: float, nominal: int) -> float:
    soc = min(100.0, max(0.0, soc))
    for (s0, v0), (s1, v1) in itertools.pairwise(_OCV_48):
        if soc <= s1:
            return (v0 + (v1 - v0) * (soc - s0) / (s1 - s0)) * nominal / 48
    return _OCV_48[-1][1] * nominal / 48


def charge_acceptance(soc: float) -> float:
    """Fraction of the max charging current the battery still takes (tapers when nearly full)."""
    if soc >= 100:
        return 0.0
    if soc < 85:
        return 1.0
    return max(0.03, (100 - soc) / 15)


def floor_minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


@dataclass
class PlantState:
    soc: float = 80.0
    sbu_on_line: bool = False  # SBU fell back to Line at the recharge voltage
    low_battery_shutdown: bool = False  # no utility and the battery at cut-off: output off


@dataclass(frozen=True)
class OperatingPoint:
    when: datetime
    mode: str  # QMOD letter: L (Line), B (Battery), S (Standby)
    flows: PowerFlows
    load_demand_w: float
    pv_available_w: tuple[float, ...]
    pv_used_w: tuple[float, ...]
    battery_voltage: float
    charge_current: float  # A into the battery (solar + utility)
    solar_charge_current: float
    ac_charge_current: float
    discharge_current: float
    grid_available: bool
    soc: float
    stage: str  # none / bulk / absorb / float

    @property
    def charging(self) -> bool:
        return self.charge_current > 0.05 or self.stage == "float"


class Plant:
    def __init__(
        self,
        profile: ModelProfile,
        settings: InverterSettings,
        environment: Environment,
        ledger: EnergyLedger,
        start: datetime,
        soc: float = 80.0,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.env = environment
        self.ledger = ledger
        self.state = PlantState(soc=soc)
        self.cursor = floor_minute(start)  # integrated up to here

    # -- the decision ---------------------------------------------------------------------
    def operating_point(self, when: datetime) -> OperatingPoint:
        profile, settings, env, state = self.profile, self.settings, self.env, self.state
        nominal = profile.battery_nominal_v
        soc = state.soc
        grid = env.grid_available
        available = env.pv_available_w(when, profile.pv_peak_w)
        pv_avail = sum(available)
        load = env.household_load_w(when)
        ocv = open_circuit_voltage(soc, nominal)
        accept_a = settings.max_charging_current * charge_acceptance(soc)
        solar_limit_a = min(float(settings.max_solar_charging_current), accept_a)
        osp = settings.output_source_priority

        if not grid:
            mode = "S" if state.low_battery_shutdown and pv_avail < load else "B"
        elif osp == 0:
            mode = "L"
        elif osp == 1:
            mode = "B" if 0 < load <= pv_avail else "L"
        else:
            on_line = state.sbu_on_line or not settings.discharge_allowed
            mode = "L" if on_line and pv_avail < load else "B"

        pv_to_load = grid_to_load = discharge_w = 0.0
        solar_a = ac_a = 0.0
        if mode == "B":
            pv_to_load = min(pv_avail, load)
            discharge_w = load - pv_to_load
            cap = settings.max_discharging_current
            if cap > 0 and grid and discharge_w > cap * ocv:
                grid_to_load = discharge_w - cap * ocv  # the utility covers what exceeds the cap
                discharge_w = cap * ocv
            solar_a = min(solar_limit_a, (pv_avail - pv_to_load) / ocv)
        elif mode == "L":
            if profile.pv_feeds_load_in_line_mode or osp == 1:
                pv_to_load = min(pv_avail, load)
            grid_to_load = load - pv_to_load
            surplus_a = (pv_avail - pv_to_load) / ocv
            csp = settings.charger_source_priority
            max_ac = float(settings.max_ac_charging_current)
            no_sun = pv_avail < 0.02 * sum(profile.pv_peak_w)
            utility_ok = max_ac > 0 and (csp in (0, 2) or (csp == 1 and no_sun))
            if csp == 0:  # utility first: solar only tops up
                ac_a = min(max_ac, accept_a) if utility_ok else 0.0
                solar_a = min(solar_limit_a, max(0.0, accept_a - ac_a), surplus_a)
            else:
                solar_a = min(solar_limit_a, surplus_a)
                ac_a = min(max_ac, max(0.0, accept_a - solar_a)) if utility_ok else 0.0
        else:  # standby: no output, PV may still charge
            load = 0.0
            solar_a = min(solar_limit_a, pv_avail / ocv)
        solar_a, ac_a = max(0.0, solar_a), max(0.0, ac_a)

        charge_a = solar_a + ac_a
        discharge_a = discharge_w / ocv
        resistance = _RESISTANCE_48 * nominal / 48
        voltage = ocv + (charge_a - discharge_a) * resistance
        charger_on = mode != "S" and (
            pv_avail > 0 or (grid and settings.max_ac_charging_current > 0)
        )
        stage = "none"
        if soc >= 99.5 and charger_on and discharge_a == 0:
            voltage, stage = settings.battery_float_charge_voltage, "float"
        elif charge_a > 0 and discharge_a == 0:
            if soc > 90:  # constant-voltage stage: the charger holds the bulk voltage
                voltage += (settings.battery_bulk_charge_voltage - ocv) * min(1.0, (soc - 90) / 8)
                stage = "absorb"
            else:
                stage = "bulk"
            voltage = min(voltage, settings.battery_bulk_charge_voltage)

        pv_to_battery = solar_a * ocv
        used = pv_to_load + pv_to_battery
        share = used / pv_avail if pv_avail > 0 else 0.0
        flows = PowerFlows(
            pv_to_load_w=pv_to_load,
            pv_to_battery_w=pv_to_battery,
            grid_to_load_w=grid_to_load,
            grid_to_battery_w=ac_a * ocv,
            battery_discharge_w=discharge_w,
        )
        return OperatingPoint(
            when=when,
            mode=mode,
            flows=flows,
            load_demand_w=load,
            pv_available_w=available,
            pv_used_w=tuple(a * share for a in available),
            battery_voltage=voltage,
            charge_current=charge_a,
            solar_charge_current=solar_a,
            ac_charge_current=ac_a,
            discharge_current=discharge_a,
            grid_available=grid,
            soc=soc,
            stage=stage,
        )

    # -- integration ------------------------------------------------------------------------
    def advance(self, to: datetime) -> None:
        """Integrate whole minutes up to the minute that contains ``to``."""
        target = floor_minute(to)
        if target < self.cursor:
            self.cursor = target  # the clock went back: keep the state, do not integrate
            return
        if target - self.cursor > MAX_CATCH_UP:
            self.cursor = target - MAX_CATCH_UP
        while self.cursor < target:
            self._commit(self.operating_point(self.cursor))
            self.cursor += STEP

    def rebase(self, to: datetime) -> None:
        """Teleport to ``to`` without integrating the gap (a clock 'set')."""
        self.cursor = floor_minute(to)

    def _commit(self, op: OperatingPoint) -> None:
        settings, state, env = self.settings, self.state, self.env
        self.ledger.add(op.when, STEP.total_seconds(), op.flows)
        net_wh = (op.flows.battery_charge_w - op.flows.battery_discharge_w) * STEP.total_seconds()
        state.soc += net_wh / 3600 / self.profile.battery_capacity_wh * 100
        state.soc = min(100.0, max(0.0, state.soc))
        if op.mode == "B" and op.flows.battery_discharge_w > 0:
            cut_off = op.battery_voltage <= settings.battery_under_voltage or state.soc <= 0
            if cut_off and not env.grid_available:
                state.low_battery_shutdown = True
            elif env.grid_available and (
                cut_off
                or (
                    settings.output_source_priority == 2
                    and op.battery_voltage <= settings.battery_recharge_voltage
                )
            ):
                state.sbu_on_line = True
        if state.sbu_on_line:
            back = settings.battery_redischarge_voltage
            full = state.soc >= 99.5
            if (back == 0 and full) or (back > 0 and op.battery_voltage >= back):
                state.sbu_on_line = False
            if settings.output_source_priority != 2:
                state.sbu_on_line = False
        if state.low_battery_shutdown:
            ocv = open_circuit_voltage(state.soc, self.profile.battery_nominal_v)
            if env.grid_available or ocv >= settings.battery_recharge_voltage:
                state.low_battery_shutdown = False
