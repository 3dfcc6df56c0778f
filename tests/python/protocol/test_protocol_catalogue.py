"""The catalogue against ../shared/pi30-reference.md: commands, field order, keys, types,
units, enum labels, flag names, Home Assistant metadata, setter rules and read-backs.

The literal lists below are the test oracle, transcribed from the reference.
"""

from __future__ import annotations

import json
import re

import pytest
from protocol_samples import REALISTIC

from pyworker.errors import UnknownCommandError
from pyworker.protocol import PROTOCOLS, Command, build_response, enum_code, get_catalogue

PI30_QUERIES = [
    "ENERGY",  # answered by the worker
    "QPI",
    "QID",
    "QVFW",
    "QVFW2",
    "QMN",
    "QGMN",
    "QMOD",
    "QPIGS",
    "QPIRI",
    "QFLAG",
    "QPIWS",
    "QDI",
    "QMCHGCR",
    "QMUCHGCR",
    "QMSCHGCR",
    "QBOOT",
    "QOPM",
    "QCST",
    "QCVT",
    "Q1",
    "QPGS",
    "QBMS",
]
MAX_ONLY_QUERIES = [
    "QSID",
    "QVFW3",
    "QVFW4",
    "QPIGS2",
    "QT",
    "QET",
    "QEY",
    "QEM",
    "QED",
    "QLT",
    "QLY",
    "QLM",
    "QLD",
    "QBEQI",
    "QOPPT",
    "QCHPT",
    "QLED",
]
SETTERS = [
    "POP",
    "PCP",
    "PPCP",
    "POPM",
    "POPLG",
    "PBCV",
    "PBDV",
    "PBFT",
    "PCVV",
    "PSDV",
    "MCHGC",
    "MNCHGC",
    "MUCHGC",
    "MSCHGC",
    "PBT",
    "PGR",
    "F",
    "PE",
    "PD",
    "PF",
    "PCST",
    "PCVT",
    "PPVOKC",
    "PSPB",
    "PBATCD",
    "DAT",
    "PBATMAXDISC",
    "BTA",
    "PSAVE",
]
DANGEROUS = {"PF", "F", "PBT", "POPM", "DAT", "BTA", "PSAVE", "PPCP", "MNCHGC"}

QPIGS_KEYS = [
    "ac_input_voltage",
    "ac_input_frequency",
    "ac_output_voltage",
    "ac_output_frequency",
    "ac_output_apparent_power",
    "ac_output_active_power",
    "ac_output_load",
    "bus_voltage",
    "battery_voltage",
    "battery_charging_current",
    "battery_capacity",
    "inverter_heat_sink_temperature",
    "pv_input_current_for_battery",
    "pv_input_voltage",
    "battery_voltage_from_scc",
    "battery_discharge_current",
    "is_sbu_priority_version_added",
    "is_configuration_changed",
    "is_scc_firmware_updated",
    "is_load_on",
    "is_battery_voltage_to_steady_while_charging",
    "is_charging_on",
    "is_scc_charging_on",
    "is_ac_charging_on",
    "battery_voltage_offset_for_fans_on",
    "eeprom_version",
    "pv_input_power",
    "is_charging_to_float",
    "is_switched_on",
]
# position: (type, unit) per the reference's "(f)" / "(i)" marks and units
QPIGS_TYPES = {
    0: ("float", "V"),
    1: ("float", "Hz"),
    2: ("float", "V"),
    3: ("float", "Hz"),
    4: ("int", "VA"),
    5: ("int", "W"),
    6: ("int", "%"),
    7: ("int", "V"),
    8: ("float", "V"),
    9: ("int", "A"),
    10: ("int", "%"),
    11: ("int", "°C"),
    12: ("float", "A"),
    13: ("float", "V"),
    14: ("float", "V"),
    15: ("int", "A"),
    19: ("int", "W"),
}
QPIRI_KEYS = [
    "ac_input_voltage",
    "ac_input_current",
    "ac_output_voltage",
    "ac_output_frequency",
    "ac_output_current",
    "ac_output_apparent_power",
    "ac_output_active_power",
    "battery_voltage",
    "battery_recharge_voltage",
    "battery_under_voltage",
    "battery_bulk_charge_voltage",
    "battery_float_charge_voltage",
    "battery_type",
    "max_ac_charging_current",
    "max_charging_current",
    "input_voltage_range",
    "output_source_priority",
    "charger_source_priority",
    "max_parallel_units",
    "machine_type",
    "topology",
    "output_mode",
    "battery_redischarge_voltage",
    "pv_ok_condition",
    "pv_power_balance",
    "max_charging_time_for_cv_stage",
    "operation_logic",
]
QDI_KEYS = [
    "ac_output_voltage",
    "ac_output_frequency",
    "max_ac_charging_current",
    "battery_under_voltage",
    "battery_float_charge_voltage",
    "battery_bulk_charge_voltage",
    "battery_recharge_voltage",
    "max_charging_current",
    "input_voltage_range",
    "output_source_priority",
    "charger_source_priority",
    "battery_type",
    "buzzer",
    "power_saving",
    "overload_restart",
    "over_temperature_restart",
    "lcd_backlight",
    "primary_source_interrupt_alarm",
    "record_fault_code",
    "overload_bypass",
    "lcd_reset_to_default",
    "output_mode",
    "battery_redischarge_voltage",
    "pv_ok_condition",
    "pv_power_balance",
]
Q1_KEYS = [
    "time_until_end_of_absorb_charging",
    "time_until_end_of_float_charging",
    "scc_flag",
    "allow_scc_on_flag",
    "charge_average_current",
    "scc_pwm_temperature",
    "inverter_temperature",
    "battery_temperature",
    "transformer_temperature",
    "gpio13",
    "fan_lock_status",
    "not_used",
    "fan_pwm_speed",
    "scc_charge_power",
    "parallel_warning",
    "sync_frequency",
    "inverter_charge_status",
]
QPGS_KEYS = [
    "parallel_instance_number",
    "serial_number",
    "work_mode",
    "fault_code",
    "grid_voltage",
    "grid_frequency",
    "ac_output_voltage",
    "ac_output_frequency",
    "ac_output_apparent_power",
    "ac_output_active_power",
    "load_percentage",
    "battery_voltage",
    "battery_charging_current",
    "battery_capacity",
    "pv_input_voltage",
    "total_charging_current",
    "total_ac_output_apparent_power",
    "total_output_active_power",
    "total_ac_output_percentage",
    "is_scc_ok",
    "is_ac_charging",
    "is_scc_charging",
    "is_battery_over_voltage",
    "is_battery_under_voltage",
    "is_line_lost",
    "is_load_on",
    "is_configuration_changed",
    "output_mode",
    "charger_source_priority",
    "max_charger_current",
    "max_charger_range",
    "max_ac_charger_current",
    "pv_input_current",
    "battery_discharge_current",
]
QPIWS_NAMED = {
    1: "inverter_fault",
    2: "bus_over_fault",
    3: "bus_under_fault",
    4: "bus_soft_fail_fault",
    5: "line_fail_warning",
    6: "opv_short_warning",
    7: "inverter_voltage_too_low_fault",
    8: "inverter_voltage_too_high_fault",
    9: "over_temperature_fault",
    10: "fan_locked_fault",
    11: "battery_voltage_too_high_fault",
    12: "battery_low_alarm_warning",
    14: "battery_under_shutdown_warning",
    16: "overload_fault",
    17: "eeprom_fault",
    18: "inverter_over_current_fault",
    19: "inverter_soft_fail_fault",
    20: "self_test_fail_fault",
    21: "op_dc_voltage_over_fault",
    22: "battery_open_fault",
    23: "current_sensor_fail_fault",
    24: "battery_short_fault",
    25: "power_limit_warning",
    26: "pv_voltage_high_warning",
    27: "mppt_overload_fault",
    28: "mppt_overload_warning",
    29: "battery_too_low_to_charge_warning",
}
QFLAG_LETTERS = {
    "a": "buzzer",
    "b": "overload_bypass",
    "j": "power_saving",
    "k": "lcd_reset_to_default",
    "l": "data_log_popup",
    "u": "overload_restart",
    "v": "over_temperature_restart",
    "x": "lcd_backlight",
    "y": "primary_source_interrupt_alarm",
    "z": "record_fault_code",
}
READBACKS = {
    "POP": ("QPIRI", "output_source_priority"),
    "PCP": ("QPIRI", "charger_source_priority"),
    "POPLG": ("QPIRI", "operation_logic"),
    "PBCV": ("QPIRI", "battery_recharge_voltage"),
    "PBDV": ("QPIRI", "battery_redischarge_voltage"),
    "PBFT": ("QPIRI", "battery_float_charge_voltage"),
    "PCVV": ("QPIRI", "battery_bulk_charge_voltage"),
    "PSDV": ("QPIRI", "battery_under_voltage"),
    "MCHGC": ("QPIRI", "max_charging_current"),
    "MUCHGC": ("QPIRI", "max_ac_charging_current"),
    "PBT": ("QPIRI", "battery_type"),
    "PGR": ("QPIRI", "input_voltage_range"),
    "F": ("QPIRI", "ac_output_frequency"),
    "PCST": ("QCST", "charging_stage"),
    "PCVT": ("QPIRI", "max_charging_time_for_cv_stage"),
    "PPVOKC": ("QPIRI", "pv_ok_condition"),
    "PSPB": ("QPIRI", "pv_power_balance"),
    "PE": ("QFLAG", "*"),
    "PD": ("QFLAG", "*"),
}


def keys(cmd: Command) -> list[str]:
    """The decoded data keys of a command, flags expanded, in wire order."""
    return [k for f in cmd.fields for k in (f.flags or (f.key,))]


def pi30(name: str) -> Command:
    return get_catalogue("PI30").get(name)


def pimax(name: str) -> Command:
    return get_catalogue("PI30MAX").get(name)


# -- commands -------------------------------------------------------------------------------
def test_pi30_has_exactly_the_reference_commands() -> None:
    catalogue = get_catalogue("PI30")
    assert sorted(c.name for c in catalogue.queries) == sorted(PI30_QUERIES)
    assert sorted(c.name for c in catalogue.setters) == sorted(SETTERS)


def test_pi30max_adds_the_max_queries() -> None:
    catalogue = get_catalogue("PI30MAX")
    assert sorted(c.name for c in catalogue.queries) == sorted(PI30_QUERIES + MAX_ONLY_QUERIES)
    assert sorted(c.name for c in catalogue.setters) == sorted(SETTERS)


def test_catalogue_sizes() -> None:
    sizes = {p: (len(get_catalogue(p).queries), len(get_catalogue(p).setters)) for p in PROTOCOLS}
    assert sizes == {"PI30": (23, 29), "PI30MAX": (40, 29)}


def test_unknown_protocol_is_an_unknown_command_error() -> None:
    with pytest.raises(UnknownCommandError):
        get_catalogue("PI18")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_command_is_described_and_typed(protocol: str) -> None:
    for cmd in get_catalogue(protocol).commands.values():
        assert cmd.description
        assert cmd.kind in ("query", "setter")
        if cmd.kind == "query":
            assert cmd.fields or cmd.options_key, cmd.name
            assert cmd.arg is None
        else:
            assert cmd.response == "ack" and cmd.arg is not None
        names = keys(cmd)
        assert len(names) == len(set(names)), f"{cmd.name}: duplicate keys"
        for name in names:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"{cmd.name}: {name} is not snake_case"


# -- fields ---------------------------------------------------------------------------------
def test_qpigs_fields_in_reference_order_with_types_and_units() -> None:
    cmd = pi30("QPIGS")
    assert keys(cmd) == [*QPIGS_KEYS, "is_reserved"]
    assert len(cmd.fields) == 21
    for position, (type_, unit) in QPIGS_TYPES.items():
        fld = cmd.fields[position]
        assert (fld.type, fld.unit) == (type_, unit), fld.key
    assert cmd.fields[17].unit == "10mV"


def test_qpigs_max_adds_feed_in_country_and_dustproof() -> None:
    cmd = pimax("QPIGS")
    assert keys(cmd) == [
        *QPIGS_KEYS,
        "is_dustproof_installed",
        "solar_feed_to_grid",
        "country",
        "solar_feed_to_grid_power",
    ]
    assert cmd.fields[12].label == "PV1 input current"
    assert cmd.fields[13].label == "PV1 input voltage"
    assert cmd.fields[19].label == "PV1 charging power"
    assert dict(cmd.fields[21].enum or {}) == {"0": "Disabled", "1": "Enabled"}
    assert dict(cmd.fields[22].enum or {}) == {
        "00": "India",
        "01": "Germany",
        "02": "South America",
    }
    assert (cmd.fields[23].type, cmd.fields[23].unit) == ("int", "W")


def test_qpiri_fields_and_enums() -> None:
    cmd = pi30("QPIRI")
    assert keys(cmd) == QPIRI_KEYS
    assert keys(pimax("QPIRI")) == [*QPIRI_KEYS, "max_discharging_current"]
    enums = {f.key: dict(f.enum or {}) for f in cmd.fields if f.type == "enum"}
    assert enums["battery_type"] == {
        "0": "AGM",
        "1": "Flooded",
        "2": "User",
        "3": "Pylontech",
        "4": "Shinheung",
        "5": "WECO",
        "6": "Soltaro",
        "7": "TBD",
        "8": "LIb-protocol compatible",
        "9": "3rd party Lithium",
    }
    assert enums["input_voltage_range"] == {"0": "Appliance", "1": "UPS"}
    assert enums["output_source_priority"] == {
        "0": "Utility first",
        "1": "Solar first",
        "2": "SBU first",
    }
    assert enums["charger_source_priority"] == {
        "0": "Utility first",
        "1": "Solar first",
        "2": "Solar + Utility",
        "3": "Only solar charging permitted",
    }
    assert enums["machine_type"] == {
        "00": "Grid tie",
        "01": "Off Grid",
        "10": "Hybrid",
        "11": "Off Grid with 2 trackers",
        "20": "Off Grid with 3 trackers",
    }
    assert enums["topology"] == {"0": "transformerless", "1": "transformer"}
    assert enums["output_mode"] == {
        "0": "single machine output",
        "1": "parallel output",
        "2": "Phase 1 of 3 phase output",
        "3": "Phase 2 of 3 phase output",
        "4": "Phase 3 of 3 phase output",
        "5": "Phase 1 of 2 phase output",
        "6": "Phase 2 of 2 phase output",
    }
    assert enums["operation_logic"] == {"0": "Automatic", "1": "On-line", "2": "ECO"}
    assert set(enums["pv_ok_condition"]) == {"0", "1"}
    assert set(enums["pv_power_balance"]) == {"0", "1"}
    assert cmd.field("max_parallel_units") is not None
    assert cmd.fields[18].type == "int"
    assert cmd.fields[25].unit == "min"


def test_qpiri_max_labels() -> None:
    enums = {f.key: dict(f.enum or {}) for f in pimax("QPIRI").fields if f.type == "enum"}
    assert enums["output_source_priority"] == {
        "0": "Utility Solar Battery",
        "1": "Solar Utility Battery",
        "2": "Solar Battery Utility",
    }
    assert enums["output_mode"]["6"] == "Phase 2 of 2 phase output (120°)"
    assert enums["output_mode"]["7"] == "Phase 2 of 2 phase output (180°)"
    # the MAX document numbers the lithium types differently
    assert enums["battery_type"]["7"] != pi30("QPIRI").fields[12].enum["7"]  # type: ignore[index]
    assert "TBD" not in enums["battery_type"].values()


def test_qdi_fields() -> None:
    assert keys(pi30("QDI")) == QDI_KEYS
    assert keys(pimax("QDI")) == [*QDI_KEYS, "max_charging_time_at_cv", "max_discharging_current"]


def test_q1_fields() -> None:
    cmd = pi30("Q1")
    assert keys(cmd) == Q1_KEYS
    assert dict(cmd.fields[10].enum or {}) == {"0": "Not locked", "1": "Locked"}
    assert dict(cmd.fields[16].enum or {}) == {
        "10": "nocharging",
        "11": "bulk stage",
        "12": "absorb",
        "13": "float",
    }
    units = {f.key: f.unit for f in cmd.fields}
    assert units["time_until_end_of_absorb_charging"] == "s"
    assert units["scc_pwm_temperature"] == "°C"
    assert units["fan_pwm_speed"] == "%"
    assert units["scc_charge_power"] == "W"


def test_qpgs_fields_fault_codes_and_parallel_arguments() -> None:
    cmd = pi30("QPGS")
    assert keys(cmd) == QPGS_KEYS
    assert keys(pimax("QPGS")) == [*QPGS_KEYS, "pv2_input_voltage", "pv2_input_current"]
    faults = dict(cmd.field("fault_code").enum or {})  # type: ignore[union-attr]
    assert faults["00"] == "No fault" and faults["11"] == "Main relay failed"
    assert {"01", "09", "51", "58", "60", "71", "72", "80", "86"} <= set(faults)
    max_faults = dict(pimax("QPGS").field("fault_code").enum or {})  # type: ignore[union-attr]
    assert max_faults["10"] == "PV over current" and max_faults["11"] == "PV over voltage"
    assert max_faults["12"] == "DC over current"
    assert max_faults["13"] == "Battery discharge over current"
    modes = dict(cmd.field("work_mode").enum or {})  # type: ignore[union-attr]
    assert modes["B"] == "Battery" and modes["L"] == "Line"


def test_qmod_modes() -> None:
    modes = dict(pi30("QMOD").fields[0].enum or {})
    assert modes == {
        "P": "Power on",
        "S": "Standby",
        "L": "Line",
        "B": "Battery",
        "F": "Fault",
        "H": "Power saving",
        "D": "Shutdown",
        "Y": "Bypass",
        "C": "Bypass",
    }


def test_qpiws_bit_names() -> None:
    for protocol in PROTOCOLS:
        names = [f.key for f in get_catalogue(protocol).get("QPIWS").fields]
        assert len(names) == 36
        for position, name in QPIWS_NAMED.items():
            assert names[position] == name
    pi30_names = [f.key for f in pi30("QPIWS").fields]
    max_names = [f.key for f in pimax("QPIWS").fields]
    assert pi30_names[0].startswith("reserved") and max_names[0] == "pv_loss_warning"
    assert pi30_names[15].startswith("reserved") and max_names[15] == "battery_derating_warning"
    assert [n.startswith("battery_weak") for n in max_names[31:34]] == [True, True, True]
    assert max_names[35] == "battery_equalisation_warning"
    assert all(n.startswith("reserved") for n in pi30_names[30:36])


def test_qflag_letters() -> None:
    assert keys(pi30("QFLAG")) == list(QFLAG_LETTERS.values())
    assert keys(pimax("QFLAG")) == [*QFLAG_LETTERS.values(), "solar_feed_to_grid"]
    assert dict(pi30("PE").arg.choices or {}) == QFLAG_LETTERS  # type: ignore[union-attr]
    assert dict(pimax("PD").arg.choices or {}) == {  # type: ignore[union-attr]
        **QFLAG_LETTERS,
        "d": "solar_feed_to_grid",
    }


def test_qbms_qbeqi_qled_and_hourly_priorities() -> None:
    assert keys(pi30("QBMS")) == [
        "battery_connect_status",
        "battery_capacity_from_bms",
        "battery_force_charging",
        "battery_stop_discharge_flag",
        "battery_stop_charge_flag",
        "battery_bulk_charging_voltage_from_bms",
        "battery_float_charging_voltage_from_bms",
        "battery_cut_off_voltage_from_bms",
        "battery_max_charging_current",
        "battery_max_discharge_current",
    ]
    assert {f.scale for f in pi30("QBMS").fields if f.unit == "V"} == {0.1}
    assert len(pimax("QBEQI").fields) == 10
    assert keys(pimax("QLED"))[-1] == "rgb"
    hourly = keys(pimax("QOPPT"))
    assert len(hourly) == 28
    assert hourly[0] == "output_source_priority_00_hours"
    assert hourly[23] == "output_source_priority_23_hours"
    assert hourly[24:] == [
        "device_output_source_priority",
        "selection_of_output_source_priority_order_1",
        "selection_of_output_source_priority_order_2",
        "selection_of_output_source_priority_order_3",
    ]


def test_energy_queries_take_dates_and_count_wh() -> None:
    catalogue = get_catalogue("PI30MAX")
    for name, arg in [("QEY", "2024"), ("QEM", "202406"), ("QED", "20240611")]:
        for prefix in (name, "QL" + name[2]):
            cmd, got = catalogue.resolve(prefix + arg)
            assert (cmd.name, got) == (prefix, arg)
            assert (cmd.fields[0].type, cmd.fields[0].unit) == ("int", "Wh")
    for bad in ("QED20241301", "QEM202400", "QEY24", "QED2024061"):
        with pytest.raises(UnknownCommandError):
            catalogue.resolve(bad)


# -- Home Assistant metadata ------------------------------------------------------------------
DEVICE_CLASS_BY_UNIT = {
    "V": "voltage",
    "A": "current",
    "W": "power",
    "VA": "apparent_power",
    "Hz": "frequency",
    "°C": "temperature",
    "Wh": "energy",
    "s": "duration",
    "min": "duration",
    "h": "duration",
    "d": "duration",
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_home_assistant_metadata_is_consistent(protocol: str) -> None:
    for cmd in get_catalogue(protocol).queries:
        for fld in cmd.fields:
            where = f"{cmd.name}.{fld.key}"
            if fld.unit in DEVICE_CLASS_BY_UNIT:
                assert fld.device_class == DEVICE_CLASS_BY_UNIT[fld.unit], where
            if fld.unit in ("V", "A", "W", "VA", "Hz", "°C", "%"):
                assert fld.state_class == "measurement", where
            if fld.unit == "Wh":
                assert fld.state_class == "total_increasing", where
            if fld.unit == "%":
                assert fld.device_class == ("battery" if "capacity" in fld.key else None), where
            if fld.type == "enum":
                assert fld.device_class == "enum" and fld.enum, where
            if fld.device_class in ("voltage", "current", "power", "energy", "temperature"):
                assert fld.type in ("int", "float"), where
    bits = get_catalogue(protocol).get("QPIWS").fields
    assert all(
        f.device_class == ("problem" if not f.key.startswith("reserved") else None) for f in bits
    )


def test_icons_where_a_picture_helps() -> None:
    assert pi30("QPIRI").field("output_source_priority").icon == "mdi:power-plug"  # type: ignore[union-attr]
    assert pi30("QID").fields[0].icon == "mdi:identifier"
    assert pi30("QMOD").fields[0].icon == "mdi:state-machine"


# -- setters --------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_dangerous_setters(protocol: str) -> None:
    setters = get_catalogue(protocol).setters
    assert {c.name for c in setters if c.dangerous} == DANGEROUS
    for cmd in setters:
        assert bool(cmd.dangerous_reason) == cmd.dangerous, cmd.name


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_readbacks_point_at_real_fields(protocol: str) -> None:
    catalogue = get_catalogue(protocol)
    expected = dict(READBACKS)
    if protocol == "PI30MAX":
        expected["PBATMAXDISC"] = ("QPIRI", "max_discharging_current")
    got = {c.name: (c.readback.query, c.readback.field) for c in catalogue.setters if c.readback}
    assert got == expected
    for name, (query, key) in got.items():
        if key == "*":
            continue
        fld = catalogue.get(query).field(key)
        assert fld is not None, f"{name} -> {query}.{key}"
        rule = catalogue.get(name).arg
        assert rule is not None
        if rule.kind == "choice":
            # every code the setter writes reads back as a label of the query's field
            for code in rule.choices or {}:
                label = (fld.enum or {}).get(code) or (fld.enum or {}).get(str(int(code)))
                assert label is not None, f"{name}{code} has no {query}.{key} label"
                assert enum_code(fld, label) == int(code)
        else:
            assert fld.type in ("int", "float"), f"{name} -> {query}.{key}"


def test_setter_argument_rules() -> None:
    rules = {c.name: c.arg for c in get_catalogue("PI30").setters}
    kinds = {name: rule.kind for name, rule in rules.items() if rule is not None}
    assert kinds == {
        "POP": "choice",
        "PCP": "choice",
        "PPCP": "unit_choice",
        "POPM": "unit_choice",
        "POPLG": "choice",
        "PBCV": "number",
        "PBDV": "number",
        "PBFT": "number",
        "PCVV": "number",
        "PSDV": "number",
        "MCHGC": "current",
        "MNCHGC": "unit_current",
        "MUCHGC": "current",
        "MSCHGC": "current",
        "PBT": "choice",
        "PGR": "choice",
        "F": "number",
        "PE": "flags",
        "PD": "flags",
        "PF": "none",
        "PCST": "choice",
        "PCVT": "number",
        "PPVOKC": "choice",
        "PSPB": "choice",
        "PBATCD": "pattern",
        "DAT": "pattern",
        "PBATMAXDISC": "number",
        "BTA": "pattern",
        "PSAVE": "none",
    }
    assert rules["MCHGC"].options_query == "QMCHGCR"  # type: ignore[union-attr]
    assert rules["MUCHGC"].options_query == "QMUCHGCR"  # type: ignore[union-attr]
    assert rules["MSCHGC"].options_query == "QMSCHGCR"  # type: ignore[union-attr]
    assert dict(rules["POPM"].choices or {}) == {  # type: ignore[union-attr]
        "0": "single machine output",
        "1": "parallel output",
        "2": "Phase 1 of 3 phase output",
        "3": "Phase 2 of 3 phase output",
        "4": "Phase 3 of 3 phase output",
    }
    assert list(rules["PCP"].choices or {}) == ["00", "01", "02", "03"]  # type: ignore[union-attr]
    assert list(rules["PPCP"].choices or {}) == ["00", "01", "02", "03"]  # type: ignore[union-attr]
    assert list(rules["PBT"].choices or {})[:3] == ["00", "01", "02"]  # type: ignore[union-attr]


# -- resolve, serialisation, sizes ------------------------------------------------------------
def test_resolve_queries_with_arguments_and_whole_setters() -> None:
    catalogue = get_catalogue("PI30")
    for n in range(9):
        assert catalogue.resolve(f"QPGS{n}") == (catalogue.get("QPGS"), str(n))
    assert catalogue.resolve(" qpigs ") == (catalogue.get("QPIGS"), None)
    assert catalogue.resolve("POP02") == (catalogue.get("POP"), "02")
    assert catalogue.resolve("POPLG01")[0].name == "POPLG"
    assert catalogue.resolve("POPM12")[0].name == "POPM"
    assert catalogue.resolve("PEax") == (catalogue.get("PE"), "ax")
    assert catalogue.resolve("PBCV44.0") == (catalogue.get("PBCV"), "44.0")
    assert catalogue.resolve("BTA-03") == (catalogue.get("BTA"), "-03")
    for bad in ("QPGS9", "QPGS", "QPGSX", "QPIGS2", "FOO", "POPX", "PSAVE1", "", "Q"):
        with pytest.raises(UnknownCommandError):
            catalogue.resolve(bad)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_to_dict_is_json_safe_and_complete(protocol: str) -> None:
    catalogue = get_catalogue(protocol)
    data = json.loads(json.dumps(catalogue.to_dict()))
    assert data["protocol"] == protocol
    assert [c["name"] for c in data["commands"]] == list(catalogue.commands)
    by_name = {c["name"]: c for c in data["commands"]}
    assert by_name["POP"]["readback"] == {"query": "QPIRI", "field": "output_source_priority"}
    assert by_name["PF"]["dangerous"] is True and by_name["PF"]["dangerous_reason"]
    assert by_name["POP"]["dangerous"] is False
    assert by_name["PBCV"]["arg"]["values_by_battery"]["12"][:2] == [11.0, 11.3]
    assert by_name["QPIGS"]["fields"][0] == {
        "key": "ac_input_voltage",
        "label": "AC input voltage",
        "type": "float",
        "unit": "V",
        "device_class": "voltage",
        "state_class": "measurement",
    }
    assert by_name["QPGS"]["arg_pattern"] == "[0-8]"


@pytest.mark.parametrize(("protocol", "text"), sorted(REALISTIC))
def test_expected_response_bytes_cover_realistic_answers(protocol: str, text: str) -> None:
    cmd = get_catalogue(protocol).resolve(text)[0]
    frame = build_response(REALISTIC[(protocol, text)], terminator=b"\r\n")
    assert len(frame) <= cmd.expected_response_bytes, f"{text}: {len(frame)} bytes"
