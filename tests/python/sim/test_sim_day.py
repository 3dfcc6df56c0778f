"""A day in the life of the simulated unit: sun, load, battery, modes and charging consistent
with the priorities in force, an energy ledger that balances, and repeatable runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sim_helpers import Unit

from pyworker.sim import SimClock
from pyworker.sim.control import handle_request
from pyworker.sim.environment import Environment


def set_state(unit: Unit, **state: object) -> None:
    reply = handle_request(unit.sim, {"op": "set_state", **state})
    assert reply["ok"], reply


def counter(unit: Unit, text: str) -> int:
    """The one value of an energy counter answer (QET, QED20260101...)."""
    (value,) = unit.query(text).values()
    assert isinstance(value, int)
    return value


def run_until(unit: Unit, predicate: Callable[[dict[str, object]], bool], hours: float) -> float:
    """Step a minute at a time until ``predicate(state)``; the simulated hours it took."""
    for minute in range(int(hours * 60)):
        if predicate(unit.state):
            return minute / 60
        unit.step(60)
    raise AssertionError(f"not reached within {hours} h; state {unit.state}")


def test_no_sun_at_night_and_sun_at_noon(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 6, 21, 0, 30), clouds=0.0)
    qpigs = unit.query("QPIGS")
    assert qpigs["pv_input_power"] == 0 and qpigs["pv_input_voltage"] == 0
    assert qpigs["is_scc_charging_on"] is False
    unit.step(12 * 3600)  # 12:30, solar noon
    assert unit.state["pv_available_w"][0] > 2000
    assert unit.query("QPIGS")["pv_input_voltage"] > 90


def test_sunrise_and_sunset_follow_the_date() -> None:
    env = Environment(latitude=48.0, clouds=0.0)
    summer_rise, summer_set = env.sunrise_sunset(date(2026, 6, 21))
    winter_rise, winter_set = env.sunrise_sunset(date(2026, 12, 21))
    assert summer_set - summer_rise == pytest.approx(16.0, abs=0.5)  # 48 N: ~16 h in June
    assert winter_set - winter_rise == pytest.approx(8.3, abs=0.5)  # ~8 h in December
    days = {
        date(2026, 6, 21): (summer_rise, summer_set),
        date(2026, 12, 21): (winter_rise, winter_set),
    }
    for day, (rise, sunset) in days.items():
        midnight = datetime.combine(day, datetime.min.time())
        assert env.sun_fraction(midnight + timedelta(hours=rise - 0.2)) == 0
        assert env.sun_fraction(midnight + timedelta(hours=rise + 1)) > 0
        assert env.sun_fraction(midnight + timedelta(hours=sunset + 0.2)) == 0
    june_noon = env.sun_fraction(datetime(2026, 6, 21, 12, 30))
    december_noon = env.sun_fraction(datetime(2026, 12, 21, 12, 30))
    assert june_noon > 0.95 and 0.2 < december_noon < 0.5


def test_weather_scales_the_sun(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 6, 21, 12, 30), clouds=0.0)
    clear = unit.state["pv_available_w"][0]
    set_state(unit, weather=0.25)
    assert unit.state["pv_available_w"][0] == pytest.approx(clear * 0.25, rel=0.01)
    set_state(unit, weather_by_day={"2026-06-21": 0.0})
    assert unit.state["pv_available_w"][0] == 0


def test_soc_rises_with_a_pv_surplus(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 6, 21, 10, 0), soc=50, load_w=300, clouds=0.0)
    before = unit.query("QPIGS")
    assert before["is_scc_charging_on"] is True and before["battery_charging_current"] > 10
    unit.step(3600)
    after = unit.query("QPIGS")
    assert unit.state["soc"] > 60
    assert after["battery_capacity"] > before["battery_capacity"]
    assert after["battery_voltage"] > before["battery_voltage"]


def test_sbu_falls_back_to_line_and_returns_to_battery(make_unit: Callable[..., Unit]) -> None:
    # A winter night, SBU, 1 kW of load, only solar may charge: the battery runs down.
    unit = make_unit(start=datetime(2026, 1, 15, 19, 0), soc=30, load_w=1000)
    assert unit.send("PCP", 3) == b"(ACK9 \r"
    assert unit.query("QMOD")["device_mode"] == "Battery"
    run_until(unit, lambda s: s["mode"] == "L", hours=4)
    qpiri = unit.query("QPIRI")
    assert qpiri["output_source_priority"] == "SBU first"
    assert unit.query("QMOD")["device_mode"] == "Line"
    assert unit.state["soc"] < 25  # it ran the battery down to the recharge voltage first
    qpigs = unit.query("QPIGS")
    assert qpigs["battery_discharge_current"] == 0
    assert qpigs["ac_input_voltage"] > 200
    assert qpigs["battery_charging_current"] == 0  # only solar may charge, and it is night
    # Let the utility charge: at night "Solar first" lets it, at max_ac_charging_current.
    assert unit.send("PCP", 1) == b"(ACK9 \r"
    qpigs = unit.query("QPIGS")
    assert qpigs["is_ac_charging_on"] is True
    assert qpigs["battery_charging_current"] == qpiri["max_ac_charging_current"] == 30
    # back to battery once the charge lifts the voltage to the re-discharge voltage (54 V)
    hours = run_until(unit, lambda s: s["mode"] == "B", hours=6)
    assert 1 < hours < 6
    assert unit.state["soc"] > 85
    assert unit.query("QMOD")["device_mode"] == "Battery"


def test_utility_charging_follows_the_charger_priority(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 1, 15, 2, 0), soc=40, load_w=200)
    unit.send("POP", 0)  # utility first: Line mode, the charger may run
    assert unit.query("QMOD")["device_mode"] == "Line"
    expected = {0: 30, 1: 30, 3: 0}  # classic has no PCP02; night: "Solar first" lets utility in
    for code, amps in expected.items():
        assert unit.send("PCP", code) == b"(ACK9 \r"
        qpigs = unit.query("QPIGS")
        assert qpigs["battery_charging_current"] == amps, code
        assert qpigs["is_ac_charging_on"] is (amps > 0)
    unit.send("PCP", 0)
    unit.send("MUCHGC", 10)
    assert unit.query("QPIGS")["battery_charging_current"] == 10
    # by day, "Solar first" keeps the utility out while there is sun
    day = make_unit(start=datetime(2026, 6, 21, 12, 0), soc=40, load_w=200, clouds=0.0)
    day.send("POP", 0)
    day.send("PCP", 1)
    qpigs = day.query("QPIGS")
    assert qpigs["is_ac_charging_on"] is False and qpigs["is_scc_charging_on"] is True


def test_output_priorities_choose_the_mode(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 6, 21, 12, 30), soc=60, load_w=500, clouds=0.0)
    modes = {}
    for code in (0, 1, 2):
        unit.send("POP", code)
        modes[code] = unit.query("QMOD")["device_mode"]
    assert modes == {0: "Line", 1: "Battery", 2: "Battery"}
    set_state(unit, load_w=3500)  # more than the PV: "Solar first" goes to the utility
    unit.send("POP", 1)
    assert unit.query("QMOD")["device_mode"] == "Line"


def test_grid_outage_and_an_empty_battery(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 1, 15, 20, 0), soc=8, load_w=800)
    unit.send("POP", 0)
    set_state(unit, grid=False)
    qpigs = unit.query("QPIGS")
    assert unit.query("QMOD")["device_mode"] == "Battery"
    assert qpigs["ac_input_voltage"] == 0 and qpigs["battery_discharge_current"] > 0
    assert "line_fail_warning" in unit.query("QPIWS")["active_warnings"]
    run_until(unit, lambda s: s["mode"] == "S", hours=3)
    warnings = unit.query("QPIWS")["active_warnings"]
    assert "battery_under_shutdown_warning" in warnings
    assert unit.query("QPIGS")["is_load_on"] is False
    set_state(unit, grid=True)
    unit.step(60)
    assert unit.query("QMOD")["device_mode"] == "Line"


def test_overload_and_forced_warnings(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(load_w=4800)  # classic: 4 kW rated
    assert "overload_fault" in unit.query("QPIWS")["active_faults"]
    set_state(unit, load_w=300, warnings=["fan_locked_fault", "battery_low_alarm_warning"])
    data = unit.query("QPIWS")
    assert data["fan_locked_fault"] is True and data["active_faults"] == ["fan_locked_fault"]
    reply = handle_request(unit.sim, {"op": "set_state", "warnings": ["no_such_bit"]})
    assert reply["ok"] is False


def test_the_ledger_balances_and_answers_windows(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(model="pi30max", start=datetime(2026, 3, 20, 0, 0), soc=40)
    unit.step(36 * 3600)
    ledger = unit.sim.inverter.ledger
    total = ledger.totals()
    assert total["pv_wh"] > 5000 and total["load_wh"] > 5000
    supply = total["pv_wh"] + total["grid_import_wh"] + total["battery_discharge_wh"]
    assert supply == pytest.approx(total["load_wh"] + total["battery_charge_wh"], rel=1e-9)
    assert total["pv_wh"] == pytest.approx(total["pv_to_load_wh"] + total["pv_to_battery_wh"])
    start, end = datetime(2026, 3, 20, 0, 0), datetime(2026, 3, 21, 12, 0)
    windows = [start + timedelta(minutes=m) for m in (0, 6 * 60 + 17, 22 * 60, 31 * 60 + 5)]
    pieces = [ledger.between(a, b) for a, b in zip(windows, [*windows[1:], end], strict=True)]
    for key in ("grid_import_wh", "pv_wh", "load_wh", "battery_charge_wh"):
        assert sum(p[key] for p in pieces) == pytest.approx(total[key], abs=0.01)  # 3 decimals
    # the energy counters of the unit come from the same ledger
    day = ledger.day(date(2026, 3, 20))
    assert counter(unit, "QED20260320") == round(day["pv_wh"])
    assert counter(unit, "QLD20260320") == round(day["load_wh"])
    assert counter(unit, "QEM202603") == round(total["pv_wh"])
    assert counter(unit, "QET") == round(unit.sim.profile.energy_base_pv_wh + total["pv_wh"])
    assert counter(unit, "QLY2025") == 0
    reply = handle_request(
        unit.sim, {"op": "ledger", "from": "2026-03-20T06:00", "to": "2026-03-20T22:00"}
    )
    assert reply["energy"] == ledger.between(datetime(2026, 3, 20, 6), datetime(2026, 3, 20, 22))


def test_a_seeded_run_repeats_exactly(make_unit: Callable[..., Unit]) -> None:
    def run(seed: int) -> list[bytes]:
        unit = make_unit(seed=seed, start=datetime(2026, 4, 2, 5, 0), soc=55)
        frames = []
        for _ in range(24):
            unit.step(1800)
            frames += [unit.send("QPIGS"), unit.send("QMOD")]
        return frames

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_state_does_not_depend_on_how_often_it_is_queried(make_unit: Callable[..., Unit]) -> None:
    rare = make_unit(seed=3, start=datetime(2026, 4, 2, 5, 0))
    often = make_unit(seed=3, start=datetime(2026, 4, 2, 5, 0))
    rare.step(10 * 3600)
    for _ in range(10 * 60 // 7):
        often.step(7 * 60)
        often.query("QPIGS")
    often.step(10 * 3600 - (10 * 60 // 7) * 7 * 60)
    assert rare.sim.clock.now() == often.sim.clock.now()
    assert rare.state["soc"] == often.state["soc"]
    assert rare.send("QPIGS") == often.send("QPIGS")


def test_sim_clock_modes() -> None:
    now = [100.0]
    clock = SimClock(datetime(2026, 1, 15, 5, 0), speed=3600, monotonic=lambda: now[0])
    now[0] += 2.0
    assert clock.now() == datetime(2026, 1, 15, 7, 0)  # two real seconds = two hours
    clock.set(speed=0)
    now[0] += 50
    assert clock.now() == datetime(2026, 1, 15, 7, 0) and clock.manual
    clock.step(90)
    assert clock.now() == datetime(2026, 1, 15, 7, 1, 30)
    clock.set(datetime(2026, 2, 1, 0, 0), speed=1)
    now[0] += 1.5
    assert clock.now() == datetime(2026, 2, 1, 0, 0, 1, 500000)
    with pytest.raises(ValueError):
        clock.step(-1)


def test_clock_jump_is_not_integrated_but_a_step_is(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(start=datetime(2026, 1, 15, 20, 0), soc=70, load_w=500)
    handle_request(unit.sim, {"op": "clock", "set": "2026-01-16T20:00"})
    assert unit.state["soc"] == pytest.approx(70)  # a jump: nothing happened in between
    handle_request(unit.sim, {"op": "clock", "step_s": 3600})
    assert unit.state["soc"] < 70  # a step: an hour of 500 W came out of the battery
    assert unit.sim.clock.now() == datetime(2026, 1, 16, 21, 0)
