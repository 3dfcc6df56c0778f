"""The energy integrator: trapezoidal totals, gaps left out, the unit's counters first."""

from __future__ import annotations

import pytest

from pyworker.protocol import get_catalogue
from pyworker.protocol.energy import (
    CHARGE,
    DISCHARGE,
    ENERGY_KEYS,
    GRID,
    LOAD,
    PV,
    EnergyIntegrator,
    powers_from_qpigs,
)

QPIGS_DAY = {
    "ac_input_voltage": 230.0,
    "ac_output_active_power": 1000,
    "battery_voltage": 50.0,
    "battery_charging_current": 10,
    "battery_discharge_current": 0,
    "pv_input_power": 1200,
}


def test_powers_from_a_reading() -> None:
    p = powers_from_qpigs(QPIGS_DAY, pv2_w=100.0)
    assert p == {PV: 1300.0, LOAD: 1000.0, GRID: 200.0, CHARGE: 500.0, DISCHARGE: 0.0}


def test_no_grid_import_without_grid_voltage_and_never_negative() -> None:
    night = dict(QPIGS_DAY, ac_input_voltage=0.0, pv_input_power=0, battery_charging_current=0)
    night["battery_discharge_current"] = 21
    p = powers_from_qpigs(night)
    assert p[GRID] == 0.0 and p[DISCHARGE] == pytest.approx(1050.0)
    sunny = dict(QPIGS_DAY, pv_input_power=5000)
    assert powers_from_qpigs(sunny)[GRID] == 0.0


def test_trapezoid_over_the_poll_interval() -> None:
    meter = EnergyIntegrator()
    meter.observe(0.0, {LOAD: 1000.0})
    meter.observe(10.0, {LOAD: 2000.0})  # mean 1500 W for 10 s
    meter.observe(3610.0, {LOAD: 2000.0})  # gap of one hour: over the limit, not integrated
    meter.observe(3620.0, {LOAD: 2000.0})
    assert meter.totals[LOAD] == pytest.approx((1500 * 10 + 2000 * 10) / 3.6e6)
    assert meter.gaps == 1


def test_time_going_backwards_is_a_gap() -> None:
    meter = EnergyIntegrator(max_gap_s=60)
    meter.observe(100.0, {PV: 1000.0})
    meter.observe(50.0, {PV: 1000.0})
    assert meter.totals[PV] == 0.0 and meter.gaps == 1


def test_counters_take_the_place_of_integration_and_state_round_trips() -> None:
    meter = EnergyIntegrator()
    meter.observe(0.0, {k: 3600.0 for k in ENERGY_KEYS})
    meter.observe(1000.0 * 0 + 100.0, {k: 3600.0 for k in ENERGY_KEYS})
    answer = meter.answer({PV: 123456.0, LOAD: None})
    assert answer[PV] == 123.456
    assert answer[LOAD] == pytest.approx(0.1)
    again = EnergyIntegrator.from_state(meter.state())
    assert again.totals == pytest.approx(meter.totals)
    assert again.last_time is None  # a reading from before a restart does not start a segment


@pytest.mark.parametrize("state", [None, [], {"totals_kwh": {"pv_energy": -1, "load_energy": "x"}}])
def test_unreadable_state_starts_at_zero(state: object) -> None:
    assert EnergyIntegrator.from_state(state).totals == dict.fromkeys(ENERGY_KEYS, 0.0)


@pytest.mark.parametrize("protocol", ["PI30", "PI30MAX"])
def test_the_catalogue_declares_energy_for_the_energy_dashboard(protocol: str) -> None:
    cmd, _ = get_catalogue(protocol).resolve("ENERGY")
    assert cmd.kind == "query" and cmd.response == "worker"
    assert [f.key for f in cmd.fields] == list(ENERGY_KEYS)
    for fld in cmd.fields:
        assert (fld.unit, fld.device_class, fld.state_class) == (
            "kWh",
            "energy",
            "total_increasing",
        )
