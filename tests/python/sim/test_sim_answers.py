"""Every catalogue query of each model's variant gets a well-formed answer that decodes
cleanly, in the real fixed-width layout, consistent with the unit's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sim_helpers import Unit

from pyworker.protocol import get_catalogue, split_frame
from pyworker.protocol.catalogue.profiles import catalogue_for
from pyworker.sim import PROFILES

# Queries whose argument is part of the name: the argument each is asked with.
ARGUMENTS: dict[str, Callable[[datetime], str]] = {
    "QPGS": lambda now: "0",
    "QEY": lambda now: now.strftime("%Y"),
    "QEM": lambda now: now.strftime("%Y%m"),
    "QED": lambda now: now.strftime("%Y%m%d"),
    "QLY": lambda now: now.strftime("%Y"),
    "QLM": lambda now: now.strftime("%Y%m"),
    "QLD": lambda now: now.strftime("%Y%m%d"),
}

CASES = [
    (model, cmd.name)
    for model, profile in PROFILES.items()
    for cmd in catalogue_for(profile.protocol, profile.device_profile).queries
    if cmd.name not in profile.refused_queries
    and cmd.response != "worker"  # ENERGY: the worker's, never on the wire
]

# The real classic frames of the protocol reference (public test data), payload only.
REAL_QPIGS = (
    "000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 "
    "00110110 00 00 00856 010"
)
REAL_QPIRI = (
    "230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 6 01 0 0 54.0 0 1"
)


@pytest.mark.parametrize(("model", "name"), CASES)
def test_every_catalogue_query_decodes(
    make_unit: Callable[..., Unit], model: str, name: str
) -> None:
    unit = make_unit(model=model)
    unit.step(6 * 3600)  # 18:00 on a winter day: discharging, so every reading is live
    cmd = catalogue_for(unit.protocol, unit.profile).get(name)
    text = name
    if cmd.arg_pattern:
        assert name in ARGUMENTS, f"{name} takes an argument: add it to ARGUMENTS"
        text += ARGUMENTS[name](unit.sim.clock.now())
    frame = unit.send(text)
    assert frame.startswith(b"(") and frame.endswith(b"\r")
    assert len(frame) <= cmd.expected_response_bytes, "longer than the catalogue's bound"
    decoded = unit.decode(text, frame)
    assert decoded.data
    if cmd.response == "fields":
        keys = {k for f in cmd.fields for k in (f.flags or (f.key,))}
        assert keys <= set(decoded.data), f"missing: {sorted(keys - set(decoded.data))}"
        assert not [k for k in decoded.data if k.startswith("unknown_")]


def test_the_simulator_answers_nothing_outside_the_catalogue() -> None:
    from pyworker.sim.answers import ANSWERS

    catalogued = {
        c.name
        for p in ("PI30", "PI30MAX")
        for c in get_catalogue(p).queries
        if c.response != "worker"
    }
    assert set(ANSWERS) == catalogued


def test_classic_layout_matches_a_real_unit_field_for_field(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(model="pi30")
    unit.step(6 * 3600)
    qpigs = split_frame(unit.send("QPIGS"))
    assert [len(t) for t in qpigs.split()] == [len(t) for t in REAL_QPIGS.split()]
    assert len(unit.send("QPIGS")) == 110  # as the real frame: 110 bytes on the wire
    qpiri = split_frame(unit.send("QPIRI")).split()
    assert [len(t) for t in qpiri[:25]] == [len(t) for t in REAL_QPIRI.split()]


def test_warning_bits_are_32_on_classic_and_36_on_max(make_unit: Callable[..., Unit]) -> None:
    assert len(split_frame(make_unit(model="pi30").send("QPIWS"))) == 32
    assert len(split_frame(make_unit(model="pi30max").send("QPIWS"))) == 36


def test_answers_agree_with_the_state(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(model="pi30max", soc=63)
    qpigs = unit.query("QPIGS")
    state = unit.state
    assert qpigs["battery_capacity"] == round(state["soc"]) == 63
    assert qpigs["ac_output_active_power"] == round(state["load_w"])
    assert qpigs["pv_input_power"] + unit.query("QPIGS2")["pv2_charging_power"] == pytest.approx(
        state["pv_w"], abs=2
    )
    mode = {"B": "Battery", "L": "Line", "S": "Standby"}[state["mode"]]
    assert unit.query("QMOD")["device_mode"] == mode
    settings = unit.sim.inverter.settings
    qpiri = unit.query("QPIRI")
    assert qpiri["max_ac_charging_current"] == settings.max_ac_charging_current
    assert qpiri["battery_recharge_voltage"] == settings.battery_recharge_voltage
    assert qpiri["ac_output_apparent_power"] == 8000
    options = unit.query("QMCHGCR")["max_charging_current_options"]
    assert options == list(PROFILES["pi30max"].charging_current_options)
    assert unit.query("QT")["device_time"] == "2026-01-15T12:00:00"
    assert unit.query("QID")["serial_number"] == PROFILES["pi30max"].serial_number
    assert unit.query("QSID")["serial_number"] == PROFILES["pi30max"].serial_number


def test_single_unit_refuses_other_parallel_units(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    assert unit.send("QPGS0").startswith(b"(1 ")
    assert unit.send("QPGS1") == b"(NAK\x73\x73\r"


def test_ack_and_nak_frames_are_the_real_bytes(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    assert unit.send("POP", 0) == b"(ACK\x39\x20\r"
    assert unit.send_text("POP07") == b"(NAK\x73\x73\r"
