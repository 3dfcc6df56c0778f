"""encode(): every setter's friendly values normalise to the exact command text and survive a
round trip; values outside the catalogue's rules are refused naming the allowed set."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from pyworker.errors import InvalidValueError, UnknownCommandError
from pyworker.protocol import (
    PROTOCOLS,
    Command,
    SetterContext,
    allowed_values,
    command_text,
    crc_matches,
    encode,
    encode_raw,
    get_catalogue,
    normalize_setter,
)

V12, V24 = SetterContext(nominal_battery_voltage=12), SetterContext(nominal_battery_voltage=24)
UNIT_CURRENTS = SetterContext(current_options={"QMCHGCR": [10, 20, 25, 40], "QMUCHGCR": [2, 30]})

# (command, friendly value, context, protocol) -> exact command text
VALID: list[tuple[str, Any, SetterContext | None, str, str]] = [
    ("POP", "SBU first", None, "PI30", "POP02"),
    ("POP", 2, None, "PI30", "POP02"),
    ("POP", "02", None, "PI30", "POP02"),
    ("POP", "2", None, "PI30", "POP02"),
    ("POP", 2.0, None, "PI30", "POP02"),
    ("POP", "sbu", None, "PI30", "POP02"),
    ("POP", "  Utility First ", None, "PI30", "POP00"),
    ("POP", "Solar Battery Utility", None, "PI30", "POP02"),
    ("POP", "Solar Utility Battery", None, "PI30MAX", "POP01"),
    ("POP", "solar first", None, "PI30MAX", "POP01"),
    ("PCP", "Only solar charging permitted", None, "PI30", "PCP03"),
    ("PCP", "solar + utility", None, "PI30", "PCP02"),
    ("PCP", 0, None, "PI30", "PCP00"),
    ("PPCP", [1, "Solar first"], None, "PI30", "PPCP101"),
    ("PPCP", {"unit": 2, "value": 3}, None, "PI30", "PPCP203"),
    ("PPCP", "003", None, "PI30", "PPCP003"),
    ("POPM", [0, 1], None, "PI30", "POPM01"),
    ("POPM", "24", None, "PI30", "POPM24"),
    ("POPM", {"unit": "1", "value": "Phase 2 of 3 phase output"}, None, "PI30", "POPM13"),
    ("POPLG", "ECO", None, "PI30", "POPLG02"),
    ("POPLG", 1, None, "PI30", "POPLG01"),
    ("PBCV", 46, None, "PI30", "PBCV46.0"),
    ("PBCV", "44.0", None, "PI30", "PBCV44.0"),
    ("PBCV", "51 V", None, "PI30", "PBCV51.0"),
    ("PBCV", 23.5, V24, "PI30", "PBCV23.5"),
    ("PBCV", 11.3, V12, "PI30", "PBCV11.3"),
    ("PBCV", "12.8", V12, "PI30", "PBCV12.8"),
    ("PBDV", 0, None, "PI30", "PBDV00.0"),
    ("PBDV", "00.0", None, "PI30", "PBDV00.0"),
    ("PBDV", 58, None, "PI30", "PBDV58.0"),
    ("PBDV", 28.5, V24, "PI30", "PBDV28.5"),
    ("PBDV", 13.3, V12, "PI30", "PBDV13.3"),
    ("PBFT", 54, None, "PI30", "PBFT54.0"),
    ("PBFT", 58.4, None, "PI30", "PBFT58.4"),
    ("PBFT", 27.6, V24, "PI30", "PBFT27.6"),
    ("PBFT", 13.8, V12, "PI30", "PBFT13.8"),
    ("PCVV", 56.4, None, "PI30", "PCVV56.4"),
    ("PCVV", "48", None, "PI30", "PCVV48.0"),
    ("PSDV", 42, None, "PI30", "PSDV42.0"),
    ("PSDV", 40.0, None, "PI30", "PSDV40.0"),
    ("PSDV", 10.5, V12, "PI30", "PSDV10.5"),
    ("MCHGC", 40, None, "PI30", "MCHGC040"),
    ("MCHGC", "120", None, "PI30", "MCHGC120"),
    ("MCHGC", "30A", None, "PI30", "MCHGC030"),
    ("MCHGC", 25, UNIT_CURRENTS, "PI30", "MCHGC025"),
    ("MCHGC", [1, 60], None, "PI30", "MCHGC160"),  # the m+nn form
    ("MCHGC", {"unit": 0, "value": 20}, None, "PI30", "MCHGC020"),
    ("MNCHGC", [1, 120], None, "PI30", "MNCHGC1120"),
    ("MNCHGC", "0150", None, "PI30", "MNCHGC0150"),
    ("MUCHGC", 30, UNIT_CURRENTS, "PI30", "MUCHGC030"),
    ("MUCHGC", 2, None, "PI30", "MUCHGC002"),
    ("MUCHGC", 20, SetterContext(current_digits={"MUCHGC": 4}), "PI30", "MUCHGC0020"),
    ("MSCHGC", 60, None, "PI30", "MSCHGC060"),
    ("PBT", "Flooded", None, "PI30", "PBT01"),
    ("PBT", 2, None, "PI30", "PBT02"),
    ("PBT", "pylontech", None, "PI30", "PBT03"),
    ("PBT", 7, None, "PI30MAX", "PBT07"),
    ("PGR", "UPS", None, "PI30", "PGR01"),
    ("PGR", "appliance", None, "PI30", "PGR00"),
    ("F", 50, None, "PI30", "F50"),
    ("F", "60", None, "PI30", "F60"),
    ("F", "60Hz", None, "PI30", "F60"),
    ("PE", "a", None, "PI30", "PEa"),
    ("PE", "buzzer", None, "PI30", "PEa"),
    ("PE", "Buzzer", None, "PI30", "PEa"),
    ("PE", "axy", None, "PI30", "PEaxy"),
    ("PE", ["x", "lcd_backlight", "y"], None, "PI30", "PExy"),
    ("PE", "a, x", None, "PI30", "PEax"),
    ("PE", {"buzzer": True, "overload_restart": True}, None, "PI30", "PEau"),
    ("PD", "z", None, "PI30", "PDz"),
    ("PD", {"record_fault_code": True}, None, "PI30", "PDz"),
    ("PD", "d", None, "PI30MAX", "PDd"),
    ("PD", "solar_feed_to_grid", None, "PI30MAX", "PDd"),
    ("PF", None, None, "PI30", "PF"),
    ("PF", "", None, "PI30", "PF"),
    ("PF", True, None, "PI30", "PF"),
    ("PCST", "3-stage", None, "PI30", "PCST02"),
    ("PCST", 0, None, "PI30", "PCST00"),
    ("PCVT", 0, None, "PI30", "PCVT000"),
    ("PCVT", 255, None, "PI30", "PCVT255"),
    ("PCVT", "120", None, "PI30", "PCVT120"),
    ("PPVOKC", 1, None, "PI30", "PPVOKC1"),
    ("PPVOKC", "0", None, "PI30", "PPVOKC0"),
    ("PSPB", 0, None, "PI30", "PSPB0"),
    ("PSPB", "PV max power = charge power + load power", None, "PI30", "PSPB1"),
    ("PBATCD", "010", None, "PI30", "PBATCD010"),
    ("PBATCD", [True, False, True], None, "PI30", "PBATCD101"),
    ("DAT", "20260102030405", None, "PI30", "DAT20260102030405"),
    ("DAT", "260102030405", None, "PI30", "DAT260102030405"),
    ("DAT", datetime(2026, 1, 2, 3, 4, 5), None, "PI30", "DAT20260102030405"),
    ("DAT", date(2026, 1, 2), None, "PI30", "DAT20260102000000"),
    ("PBATMAXDISC", 0, None, "PI30", "PBATMAXDISC000"),
    ("PBATMAXDISC", 30, None, "PI30", "PBATMAXDISC030"),
    ("PBATMAXDISC", "150", None, "PI30", "PBATMAXDISC150"),
    ("BTA", -3, None, "PI30", "BTA-03"),
    ("BTA", 9, None, "PI30", "BTA+09"),
    ("BTA", 0, None, "PI30", "BTA+00"),
    ("BTA", "+05", None, "PI30", "BTA+05"),
    ("PSAVE", None, None, "PI30", "PSAVE"),
]

INVALID: list[tuple[str, Any, SetterContext | None, str]] = [
    ("POP", 3, None, "PI30"),
    ("POP", "03", None, "PI30"),
    ("POP", -1, None, "PI30"),
    ("POP", "SBU last", None, "PI30"),
    ("POP", True, None, "PI30"),
    ("POP", "٢", None, "PI30"),  # not an ASCII digit
    ("POP", 2.5, None, "PI30"),
    ("POP", None, None, "PI30"),
    ("POP", ["02"], None, "PI30"),
    ("PCP", 4, None, "PI30"),
    ("PPCP", "0", None, "PI30"),  # no unit: too short to split
    ("PPCP", [10, 1], None, "PI30"),
    ("PPCP", [True, 1], None, "PI30"),
    ("PPCP", [1, 4], None, "PI30"),
    ("POPM", [0, 5], None, "PI30"),
    ("POPLG", 3, None, "PI30"),
    ("PBCV", 43, None, "PI30"),
    ("PBCV", 46.5, None, "PI30"),
    ("PBCV", 52, None, "PI30"),
    ("PBCV", 46, V24, "PI30"),
    ("PBCV", 11.25, V12, "PI30"),
    ("PBCV", "abc", None, "PI30"),
    ("PBCV", "1e2", None, "PI30"),
    ("PBCV", float("nan"), None, "PI30"),
    ("PBCV", True, None, "PI30"),
    ("PBDV", 47, None, "PI30"),
    ("PBDV", 59, None, "PI30"),
    ("PBDV", 24.25, V24, "PI30"),
    ("PBFT", 47.9, None, "PI30"),
    ("PBFT", 58.5, None, "PI30"),
    ("PBFT", 54.05, None, "PI30"),
    ("PBFT", 54, V24, "PI30"),
    ("PCVV", 60, None, "PI30"),
    ("PSDV", 39.9, None, "PI30"),
    ("PSDV", 48.1, None, "PI30"),
    ("MCHGC", 45, None, "PI30"),
    ("MCHGC", 30, UNIT_CURRENTS, "PI30"),  # the unit's own list rules
    ("MCHGC", 20.5, None, "PI30"),
    ("MCHGC", [1, 120], None, "PI30"),  # m+nn stops at 99 A
    ("MCHGC", [12, 20], None, "PI30"),
    ("MNCHGC", 120, None, "PI30"),  # needs the unit
    ("MUCHGC", 20, UNIT_CURRENTS, "PI30"),
    ("MSCHGC", 5, None, "PI30"),
    ("PBT", 3.5, None, "PI30"),
    ("PBT", 7, None, "PI30"),  # "TBD" on PI30
    ("PBT", 9, None, "PI30MAX"),
    ("PGR", 2, None, "PI30"),
    ("F", 55, None, "PI30"),
    ("F", "50.5", None, "PI30"),
    ("PE", "q", None, "PI30"),
    ("PE", "d", None, "PI30"),  # a MAX flag
    ("PE", "AXY", None, "PI30"),
    ("PE", {"buzzer": False}, None, "PI30"),
    ("PE", [], None, "PI30"),
    ("PE", [1], None, "PI30"),
    ("PE", 5, None, "PI30"),
    ("PD", "buzzer lcd", None, "PI30"),
    ("PCST", 3, None, "PI30"),
    ("PCVT", 256, None, "PI30"),
    ("PCVT", 12.5, None, "PI30"),
    ("PCVT", -1, None, "PI30"),
    ("PPVOKC", 2, None, "PI30"),
    ("PSPB", "2", None, "PI30"),
    ("PBATCD", "012", None, "PI30"),
    ("PBATCD", "01", None, "PI30"),
    ("PBATCD", [True, False], None, "PI30"),
    ("DAT", "20261302030405", None, "PI30"),  # month 13
    ("DAT", "20260230120000", None, "PI30"),  # 30 February
    ("DAT", "2026010203040", None, "PI30"),
    ("DAT", 20260102030405, None, "PI30"),
    ("PBATMAXDISC", 29, None, "PI30"),
    ("PBATMAXDISC", 151, None, "PI30"),
    ("BTA", 10, None, "PI30"),
    ("BTA", "+5", None, "PI30"),
    ("BTA", "5", None, "PI30"),
    ("BTA", 0.05, None, "PI30"),
]


@pytest.mark.parametrize(("command", "value", "context", "protocol", "text"), VALID)
def test_friendly_values_normalise(
    command: str, value: Any, context: SetterContext | None, protocol: str, text: str
) -> None:
    assert command_text(command, value, protocol=protocol, context=context) == text
    assert normalize_setter(command, value, protocol=protocol, context=context) == text
    frame = encode(command, value, protocol=protocol, context=context)
    assert frame[:-3] == text.encode("ascii") and frame[-1:] == b"\r"
    assert crc_matches(frame[:-3], frame[-3:-1])
    # round trip: the text as sent resolves to the same setter and re-encodes identically
    cmd, arg = get_catalogue(protocol).resolve(text)
    assert cmd.name == command
    if command == "MCHGC" and isinstance(value, list):
        return  # "MCHGC160" alone reads as 160 A: the m+nn form is only built from a pair
    assert command_text(text, protocol=protocol, context=context) == text
    if arg is not None:
        assert normalize_setter(command, arg, protocol=protocol, context=context) == text


def test_every_setter_has_valid_and_invalid_cases() -> None:
    assert {v[0] for v in VALID} == {c.name for c in get_catalogue("PI30").setters}
    takes_value = {c.name for c in get_catalogue("PI30").setters if c.arg and c.arg.kind != "none"}
    assert {v[0] for v in INVALID} == takes_value


@pytest.mark.parametrize(("command", "value", "context", "protocol"), INVALID)
def test_invalid_values_are_refused_with_the_allowed_set(
    command: str, value: Any, context: SetterContext | None, protocol: str
) -> None:
    with pytest.raises(InvalidValueError) as info:
        encode(command, value, protocol=protocol, context=context)
    error = info.value
    cmd = get_catalogue(protocol).get(command)
    assert error.code == "INVALID_VALUE"
    assert error.allowed == allowed_values(cmd, context)
    assert error.allowed, "the error must say what is allowed"
    assert error.to_dict()["allowed"] == list(error.allowed)
    assert str(error.allowed[0]) in error.message


def _enumerate_allowed(cmd: Command, ctx: SetterContext) -> list[Any]:
    """Every value the rule admits (ranges sampled at their ends and middle)."""
    rule = cmd.arg
    assert rule is not None
    if rule.kind == "none":
        return [None]
    if rule.kind in ("choice",):
        return list(rule.choices or {}) + list((rule.choices or {}).values())
    if rule.kind == "unit_choice":
        return [[unit, code] for unit in (0, 9) for code in rule.choices or {}]
    if rule.kind == "flags":
        return list(rule.choices or {}) + list((rule.choices or {}).values())
    if rule.kind == "current":
        return allowed_values(cmd, ctx)
    if rule.kind == "unit_current":
        return [[unit, value] for unit in (0, 5) for value in allowed_values(cmd, ctx)]
    if rule.kind == "number":
        listed = allowed_values(cmd, ctx)
        if not isinstance(listed[0], str):
            return listed
        lo, hi = float(rule.minimum or 0), float(rule.maximum or 0)
        if rule.scale_by_battery:
            lo, hi = lo * ctx.nominal_battery_voltage / 48, hi * ctx.nominal_battery_voltage / 48
        step = rule.step or 1
        middle = lo + round((hi - lo) / 2 / step) * step
        return [lo, round(middle, 1), hi] + ([0] if rule.zero_allowed else [])
    return {
        "PBATCD": ["000", "111", "101"],
        "DAT": ["20240229235959", "991231235959"],
        "BTA": ["+00", "-09", "+09"],
    }[cmd.name]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("battery", [12, 24, 48])
def test_every_allowed_value_of_every_setter_round_trips(protocol: str, battery: int) -> None:
    ctx = SetterContext(nominal_battery_voltage=battery)
    count = 0
    for cmd in get_catalogue(protocol).setters:
        for value in _enumerate_allowed(cmd, ctx):
            text = command_text(cmd.name, value, protocol=protocol, context=ctx)
            resolved, arg = get_catalogue(protocol).resolve(text)
            assert resolved is cmd, text
            assert command_text(text, protocol=protocol, context=ctx) == text
            if arg is not None:
                assert normalize_setter(cmd.name, arg, protocol=protocol, context=ctx) == text
            count += 1
    assert count > 200


# -- queries and the raw escape hatch -----------------------------------------------------------
def test_queries_take_their_argument_whole_or_apart() -> None:
    assert command_text("QPGS1") == "QPGS1"
    assert command_text("QPGS", 1) == "QPGS1"
    assert command_text("qpgs", "8") == "QPGS8"
    assert command_text("QED", "20260101", protocol="PI30MAX") == "QED20260101"
    assert encode("QPGS", 0) == encode("QPGS0")


@pytest.mark.parametrize(
    ("command", "value", "error"),
    [
        ("QPIGS", "1", InvalidValueError),
        ("QPGS1", 1, InvalidValueError),
        ("QPGS", 9, UnknownCommandError),
        ("QPGS", None, UnknownCommandError),
        ("QPIGS2", None, UnknownCommandError),  # MAX only
        ("QXYZ", None, UnknownCommandError),
        ("POP02", "02", InvalidValueError),  # the value twice
        ("POP03", None, InvalidValueError),
        ("XYZ", None, UnknownCommandError),
    ],
)
def test_only_catalogued_commands_encode(command: str, value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        encode(command, value)


def test_encode_raw_is_the_explicit_escape_hatch() -> None:
    assert encode_raw("QPIGS") == encode("QPIGS")
    assert encode_raw("QXYZ")[:4] == b"QXYZ"  # anything, deliberately
    assert encode_raw("^P005PI")[-1:] == b"\r"
