"""Setters change the simulated unit's settings and the read-back shows it; what a real unit
refuses is refused with (NAK and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sim_helpers import Unit

from pyworker.errors import UnsupportedError
from pyworker.protocol import (
    Command,
    decode,
    encode_raw,
    enum_code,
    normalize_setter,
)
from pyworker.protocol.catalogue.profiles import catalogue_for
from pyworker.sim import PROFILES

NAK = b"(NAK\x73\x73\r"
ACK = b"(ACK\x39\x20\r"


def candidates(unit: Unit, cmd: Command) -> list[Any]:
    """Values worth trying for a setter, from the catalogue's rule and the unit's own lists."""
    rule = cmd.arg
    assert rule is not None
    if rule.kind == "choice":
        return list(rule.choices or {})
    if rule.kind == "current":
        return [int(v) for v in unit.sim.inverter.context.current_options[rule.options_query or ""]]
    if rule.kind == "number":
        if rule.values_by_battery is not None:
            return (
                [0.0, *rule.values_by_battery[48]]
                if rule.zero_allowed
                else list(rule.values_by_battery[48])
            )
        if rule.values is not None:
            return list(rule.values)
        lo, hi, step = float(rule.minimum or 0), float(rule.maximum or 0), rule.step or 1.0
        return [lo, hi, round(lo + round((hi - lo) / 2 / step) * step, 1)]
    raise AssertionError(f"no candidates for {cmd.name} ({rule.kind})")


def readback_value(unit: Unit, cmd: Command) -> Any:
    assert cmd.readback is not None
    data = unit.query(cmd.readback.query)
    return data[cmd.readback.field]


def as_wire_value(unit: Unit, cmd: Command, value: Any) -> float:
    """A read-back value as the number the setter takes (enum labels back to the setter's code:
    by label, as the read-back may number the setting otherwise, e.g. PCP on an LV6548)."""
    assert cmd.readback is not None
    catalogue = catalogue_for(unit.protocol, unit.profile)
    fld = catalogue.get(cmd.readback.query).field(cmd.readback.field)
    assert fld is not None
    choices = cmd.arg.choices if cmd.arg is not None else None
    if fld.type == "enum" and choices and value in choices.values():
        return next(int(code) for code, label in choices.items() if label == value)
    if fld.type == "enum":
        code = enum_code(fld, value)
        assert code is not None, value
        return code
    return float(value)


READBACK_CASES = [
    (model, cmd.name)
    for model, profile in PROFILES.items()
    for cmd in catalogue_for(profile.protocol, profile.device_profile).setters
    if cmd.readback is not None and cmd.readback.field != "*" and cmd.arg is not None
]


@pytest.mark.parametrize(("model", "name"), READBACK_CASES)
def test_setter_changes_what_the_readback_shows(
    make_unit: Callable[..., Unit], model: str, name: str
) -> None:
    unit = make_unit(model=model)
    cmd = catalogue_for(unit.protocol, unit.profile).get(name)
    changed = 0
    for value in candidates(unit, cmd):
        before = readback_value(unit, cmd)
        answer = unit.send(name, value)
        after = readback_value(unit, cmd)
        if answer == ACK:
            assert as_wire_value(unit, cmd, after) == pytest.approx(float(value))
            changed += as_wire_value(unit, cmd, before) != pytest.approx(float(value))
        else:
            assert answer == NAK
            assert after == before, f"{name} {value}: refused but changed"
    assert changed >= 1, f"{name}: no value changed the setting"


def test_flags_enable_and_disable(make_unit: Callable[..., Unit]) -> None:
    for model in PROFILES:
        unit = make_unit(model=model)
        assert unit.query("QFLAG")["buzzer"] is True
        assert unit.send("PD", "a") == ACK
        assert unit.query("QFLAG")["buzzer"] is False
        assert unit.send("PE", ["power_saving", "overload_restart"]) == ACK
        flags = unit.query("QFLAG")
        assert flags["power_saving"] is True and flags["overload_restart"] is True
    max_unit = make_unit(model="pi30max")
    assert max_unit.send("PE", "d") == ACK
    assert max_unit.query("QFLAG")["solar_feed_to_grid"] is True
    assert max_unit.query("QPIGS")["solar_feed_to_grid"] == "Enabled"


def test_flag_d_exists_only_on_max(make_unit: Callable[..., Unit]) -> None:
    assert make_unit(model="pi30").send_text("PEd") == NAK


def test_charging_stage_and_cv_time(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    assert unit.send("PCST", "3-stage") == ACK
    assert unit.query("QCST")["charging_stage"] == "3-stage"
    assert unit.send("PCVT", 45) == ACK
    assert unit.query("QCVT")["cv_charging_time"] == 45


def test_solar_current_discharge_control_clock_and_calibration(
    make_unit: Callable[..., Unit],
) -> None:
    unit = make_unit(model="pi30max")
    settings = unit.sim.inverter.settings
    assert unit.send("MSCHGC", 40) == ACK
    assert settings.max_solar_charging_current == 40
    assert unit.send("PBATCD", "100") == ACK
    assert unit.query("QBMS")["battery_stop_discharge_flag"] == "Yes"
    assert unit.send("DAT", "20260301083000") == ACK
    assert unit.query("QT")["device_time"] == "2026-03-01T08:30:00"
    unit.step(90)
    assert unit.query("QT")["device_time"] == "2026-03-01T08:31:30"
    volts = unit.query("QPIGS")["battery_voltage"]
    assert unit.send("BTA", "+04") == ACK
    assert unit.query("QPIGS")["battery_voltage"] == pytest.approx(volts + 0.2, abs=0.05)
    assert unit.send_text("BTA+09") == NAK  # +4 +9 is past the calibration range
    assert unit.send("MNCHGC", [0, 120]) == ACK
    assert unit.query("QPIRI")["max_charging_current"] == 120
    assert unit.send_text("MNCHGC1120") == NAK  # a single unit has no unit 1
    assert unit.send("PPCP", [0, 3]) == ACK
    assert unit.query("QPIRI")["charger_source_priority"] == "Only solar charging permitted"
    assert unit.send("POPM", [0, 1]) == ACK
    assert unit.query("QOPM")["output_mode"] == "parallel output"
    assert unit.send("PSAVE") == ACK


def test_reset_to_defaults(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    unit.send("POP", 0)
    unit.send("MUCHGC", 10)
    unit.send("PD", "a")
    assert unit.query("QPIRI")["output_source_priority"] == "Utility first"
    assert unit.send("PF") == ACK
    qpiri, qdi = unit.query("QPIRI"), unit.query("QDI")
    assert qpiri["output_source_priority"] == qdi["output_source_priority"] == "SBU first"
    assert qpiri["max_ac_charging_current"] == qdi["max_ac_charging_current"] == 30
    assert unit.query("QFLAG")["buzzer"] is True


def test_configuration_changed_until_qpiri_is_read(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    assert unit.query("QPIGS")["is_configuration_changed"] is False
    unit.send("POP", 1)
    assert unit.query("QPIGS")["is_configuration_changed"] is True
    unit.query("QPIRI")
    assert unit.query("QPIGS")["is_configuration_changed"] is False


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "text", "why"),
    [
        ("pi30", "MCHGC015", "not in QMCHGCR"),
        ("pi30", "MCHGC130", "above this unit's QMCHGCR list"),
        ("pi30max", "MCHGC130", None),
        ("pi30", "MUCHGC025", "not in QMUCHGCR"),
        ("pi30", "MUCHGC0030", "four digits where the unit takes three"),
        ("pi30", "MSCHGC090", "not in QMSCHGCR"),
        ("pi30", "PBCV44.5", "PBCV moves in 1 V steps on 48 V"),
        ("pi30", "PBCV52.0", "PBCV above its range"),
        ("pi30", "PBCV44", "not the wire form nn.n"),
        ("pi30", "PBDV47.0", "PBDV below its range"),
        ("pi30", "PBFT58.5", "float above 58.4"),
        ("pi30", "PCP02", "Solar + Utility: not on this family"),
        ("pi30max", "PCP02", None),
        ("pi30", "POP03", "no priority 03"),
        ("pi30", "PBATMAXDISC050", "not on the classic unit"),
        ("pi30max", "PBATMAXDISC050", None),
        ("pi30max", "PBATMAXDISC020", "20 A is below 30"),
        ("pi30", "DAT261332250000", "month 13"),
        ("pi30", "F55", "50 or 60 only"),
        ("pi30", "PEq", "no flag q"),
    ],
)
def test_unit_refuses_what_a_real_unit_refuses(
    make_unit: Callable[..., Unit], model: str, text: str, why: str | None
) -> None:
    unit = make_unit(model=model)
    before = unit.query("QPIRI")
    answer = unit.send_text(text)
    if why is None:
        assert answer == ACK
    else:
        assert answer == NAK, why
        assert unit.query("QPIRI") == before


def test_cross_checks_between_battery_voltages(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()  # recharge 46, re-discharge 54, cut-off 42, bulk 56.4, float 54
    assert unit.send("PBDV", 48) == ACK
    assert unit.send("PBCV", 48) == NAK  # recharge must stay below re-discharge
    assert unit.send("PBCV", 47) == ACK
    assert unit.send("PSDV", 47.5) == NAK  # cut-off must stay below recharge
    assert unit.send("PCVV", 53.0) == NAK  # bulk below float
    assert unit.send("PBFT", 56.0) == ACK
    assert unit.send("PBDV", 0) == ACK  # 00.0: back to battery when full
    assert unit.query("QPIRI")["battery_redischarge_voltage"] == 0.0


def test_unit_lists_are_the_authority(make_unit: Callable[..., Unit]) -> None:
    """A value the catalogue's generic rule allows but this unit's list does not is refused."""
    unit = make_unit(model="pi30")
    assert normalize_setter("MCHGC", 150, protocol="PI30") == "MCHGC150"  # generic fallback
    assert unit.send_text("MCHGC150") == NAK
    assert unit.query("QPIRI")["max_charging_current"] == 60


def test_pcp02_is_a_profile_option(make_unit: Callable[..., Unit]) -> None:
    assert make_unit(model="pi30", pcp02=True).send_text("PCP02") == ACK
    assert make_unit(model="pi30max", pcp02=False).send_text("PCP02") == NAK


def test_unsupported_commands_echo_or_nak_per_profile(make_unit: Callable[..., Unit]) -> None:
    classic = make_unit(model="pi30")
    request = encode_raw("QET")  # a PI30MAX energy counter: the classic unit has none
    echoed = classic.raw(request)
    assert echoed == request  # the request comes back verbatim
    with pytest.raises(UnsupportedError):
        decode("QET", echoed, "PI30MAX")
    assert classic.raw(encode_raw("QXYZ")) == encode_raw("QXYZ")
    assert make_unit(model="pi30max").raw(encode_raw("QXYZ")) == NAK
    assert make_unit(model="pi30", unsupported="nak").raw(request) == NAK


def test_requests_with_a_bad_crc_are_refused(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    assert unit.raw(b"QPIGS\xb7\xaa\r") == NAK
    assert unit.raw(b"QPIGS\xb7\xa9\r").startswith(b"(")
    assert unit.raw(b"POP02\xe2\x0b\r") == ACK  # adjusted CRC byte (0x0A -> 0x0B)
    assert unit.raw(b"QMOD\r").startswith(b"(")  # no CRC at all: taken as typed text
