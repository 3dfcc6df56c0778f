"""The PI30 command catalogue: declarative tables, the single source of truth.

Everything that lists commands or fields - the codec, the CLI, validation, the Node-RED editor's
dropdowns, Home Assistant metadata, the docs - derives from these tables. Field keys are the
snake_case names of ../shared/pi30-reference.md (the same keys mpp-solar prints).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..errors import UnknownCommandError
from . import energy
from .descriptions_fr import ARG_DESCRIPTIONS_FR, DESCRIPTIONS_FR, FIELD_LABELS_FR
from .energy import ENERGY_COMMAND

FieldType = Literal["float", "int", "str", "enum", "flags", "bool"]
# "worker": answered by the worker itself from what it read (ENERGY), never sent to the unit
ResponseKind = Literal[
    "fields", "text", "bits", "qflag", "options", "ack", "serial20", "datetime", "worker"
]
PROTOCOLS: tuple[str, ...] = ("PI30", "PI30MAX")


@dataclass(frozen=True)
class Plausible:
    """The physically plausible range of a decoded number; an answer outside it is not taken.

    ``zero_ok`` admits 0 outside the range (an AC frequency reads 0 with no input);
    ``per_battery`` gives the range for a 48 V unit, scaled to the unit's nominal battery
    voltage (24 V: half, 12 V: a quarter) once it is known.
    """

    low: float
    high: float
    zero_ok: bool = False
    per_battery: bool = False


@dataclass(frozen=True)
class Field:
    """One positional field of an answer.

    ``enum`` maps the raw code to its label; ``flags`` names the booleans that a bit string
    (e.g. QPIGS device status ``00110110``) expands into, one per character, left to right.
    A ``flags`` field contributes its flag names to the decoded data, not its own key.
    """

    key: str
    label: str
    type: FieldType = "str"
    unit: str | None = None
    enum: Mapping[str, str] | None = None
    flags: tuple[str, ...] | None = None
    prefix: str | None = None  # stripped before parsing, e.g. "VERFW:"
    scale: float | None = None  # multiply the raw number (BMS 0.1 V units)
    plausible: Plausible | None = None  # answers outside this range are rejected
    pattern: str | None = None  # a "str" field's raw text must match (ASCII regex)
    optional: bool = False  # a trailing field that older firmwares leave out
    device_class: str | None = None
    state_class: str | None = None
    icon: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type}
        for name in ("unit", "prefix", "scale", "device_class", "state_class", "icon"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.enum is not None:
            out["enum"] = dict(self.enum)
        if self.flags is not None:
            out["flags"] = list(self.flags)
        return out


@dataclass(frozen=True)
class Readback:
    """Where a query reads back the setting a setter writes (for only_if_changed and verify)."""

    query: str
    field: str

    def to_dict(self) -> dict[str, str]:
        return {"query": self.query, "field": self.field}


@dataclass(frozen=True)
class ArgRule:
    """How a setter's argument is validated and formatted.

    kinds:
      - ``none``: no argument (PF, PSAVE).
      - ``choice``: ``choices`` maps the wire code ("02") to its label ("SBU first"); the value
        may be given as the code, its integer, or the label (case-insensitive, or an alias).
      - ``number``: ``fmt`` formats it ("{:04.1f}" -> "46.0"); allowed values come from
        ``values`` or ``minimum``/``maximum``/``step``; ``values_by_battery`` and
        ``scale_by_battery`` make them depend on the unit's nominal battery voltage;
        ``zero_allowed`` admits 0 outside the range (PBDV 00.0 = battery full).
      - ``current``: a current in A, formatted ``fmt``; the unit's own option list
        (``options_query``: QMCHGCR...) is the authority, ``values`` the fallback. With
        ``unit_fmt`` a (unit, current) pair is also taken, sent as m + ``unit_fmt`` (the
        "m+nn" form some firmwares use).
      - ``flags``: QFLAG letters (PE/PD).
      - ``unit_choice`` / ``unit_current``: a parallel unit number m (0..9) then a choice/current.
      - ``pattern``: a raw string matching ``pattern`` (DAT, PBATCD, BTA).
    """

    kind: Literal[
        "none", "choice", "number", "current", "flags", "unit_choice", "unit_current", "pattern"
    ]
    choices: Mapping[str, str] | None = None
    aliases: Mapping[str, str] | None = None  # extra accepted label -> code
    fmt: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    values: tuple[float, ...] | None = None
    values_by_battery: Mapping[int, tuple[float, ...]] | None = None
    scale_by_battery: bool = False  # range given for 48 V; /2 for 24 V, /4 for 12 V
    zero_allowed: bool = False
    options_query: str | None = None
    pattern: str | None = None
    description: str | None = None
    unit_fmt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for name in (
            "fmt",
            "unit_fmt",
            "minimum",
            "maximum",
            "step",
            "options_query",
            "pattern",
            "description",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.choices is not None:
            out["choices"] = dict(self.choices)
        if self.aliases:
            out["aliases"] = dict(self.aliases)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.values_by_battery is not None:
            out["values_by_battery"] = {str(k): list(v) for k, v in self.values_by_battery.items()}
        if self.scale_by_battery:
            out["scale_by_battery"] = True
        if self.zero_allowed:
            out["zero_allowed"] = True
        return out


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    kind: Literal["query", "setter"]
    response: ResponseKind
    fields: tuple[Field, ...] = ()
    arg_pattern: str | None = None  # queries whose argument is part of the name (QPGS1, QED...)
    arg_help: str | None = None
    arg: ArgRule | None = None  # setters
    readback: Readback | None = None
    dangerous: bool = False
    expected_response_bytes: int = 32
    options_key: str | None = None  # for "options" answers: the data key of the value list
    options_unit: str | None = None
    dangerous_reason: str | None = None  # why a dangerous setter is off unless allowed

    def field(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
            if f.flags and key in f.flags:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "description_fr": DESCRIPTIONS_FR.get(self.name),
            "kind": self.kind,
            "response": self.response,
            "expected_response_bytes": self.expected_response_bytes,
            "fields": [f.to_dict() for f in self.fields],
        }
        if self.arg_pattern:
            out["arg_pattern"] = self.arg_pattern
            out["arg_help"] = self.arg_help
        if self.arg is not None:
            out["arg"] = self.arg.to_dict()
            if self.name in ARG_DESCRIPTIONS_FR:
                out["arg"]["description_fr"] = ARG_DESCRIPTIONS_FR[self.name]
        if self.readback is not None:
            out["readback"] = self.readback.to_dict()
        if self.kind == "setter":
            out["dangerous"] = self.dangerous
            if self.dangerous_reason:
                out["dangerous_reason"] = self.dangerous_reason
        if self.options_key:
            out["options_key"] = self.options_key
            out["options_unit"] = self.options_unit
        return out


# ------------------------------------------------------------------------------------------
# Field helpers: a few constructors keep the tables short and the HA metadata consistent.
# ------------------------------------------------------------------------------------------
def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _measurement(
    key: str,
    label: str | None,
    t: FieldType,
    unit: str,
    device_class: str | None,
    icon: str | None = None,
) -> Field:
    return Field(
        key,
        label or _label(key),
        t,
        unit,
        device_class=device_class,
        state_class="measurement",
        icon=icon,
    )


BATTERY_VOLTS = Plausible(0, 72, per_battery=True)  # 1.5 x nominal: equalisation included
LINE_VOLTS = Plausible(0, 600)  # AC, bus and PV voltages
FREQUENCY = Plausible(40, 70, zero_ok=True)
TEMPERATURE = Plausible(-40, 150)
PERCENT = Plausible(0, 100)
LOAD_PERCENT = Plausible(0, 250)  # an overloaded output reads above 100 %


def V(key: str, label: str | None = None, t: FieldType = "float") -> Field:
    plausible = BATTERY_VOLTS if "battery" in key else LINE_VOLTS
    return replace(_measurement(key, label, t, "V", "voltage"), plausible=plausible)


def A(key: str, label: str | None = None, t: FieldType = "int") -> Field:
    return _measurement(key, label, t, "A", "current")


def W(key: str, label: str | None = None) -> Field:
    return _measurement(key, label, "int", "W", "power")


def VA(key: str, label: str | None = None) -> Field:
    return _measurement(key, label, "int", "VA", "apparent_power")


def HZ(key: str, label: str | None = None) -> Field:
    return replace(_measurement(key, label, "float", "Hz", "frequency"), plausible=FREQUENCY)


def PCT(key: str, label: str | None = None, battery: bool = False) -> Field:
    fld = _measurement(
        key, label, "int", "%", "battery" if battery else None, None if battery else "mdi:gauge"
    )
    return replace(fld, plausible=PERCENT if battery else LOAD_PERCENT)


def TEMP(key: str, label: str | None = None) -> Field:
    return replace(_measurement(key, label, "int", "°C", "temperature"), plausible=TEMPERATURE)


def WH(key: str, label: str | None = None) -> Field:
    # Period totals (QED...) restart at zero; total_increasing reads a drop as a new cycle.
    return Field(
        key,
        label or _label(key),
        "int",
        "Wh",
        device_class="energy",
        state_class="total_increasing",
    )


def MIN(key: str, label: str | None = None) -> Field:
    return Field(key, label or _label(key), "int", "min", device_class="duration")


def SEC(key: str, label: str | None = None) -> Field:
    return Field(key, label or _label(key), "int", "s", device_class="duration")


def I(key: str, label: str | None = None, unit: str | None = None) -> Field:
    return Field(key, label or _label(key), "int", unit)


def S(key: str, label: str | None = None, icon: str | None = None) -> Field:
    return Field(key, label or _label(key), "str", icon=icon)


def E(
    key: str, enum: Mapping[str, str], label: str | None = None, icon: str | None = None
) -> Field:
    return Field(key, label or _label(key), "enum", enum=enum, device_class="enum", icon=icon)


def optional_after(fields: tuple[Field, ...], required: int) -> tuple[Field, ...]:
    """The fields after the first ``required`` marked optional: firmwares that stop early."""
    return fields[:required] + tuple(replace(f, optional=True) for f in fields[required:])


def FLAGS(key: str, names: tuple[str, ...], label: str | None = None) -> Field:
    return Field(key, label or _label(key), "flags", flags=names)


def ENABLED(key: str, label: str | None = None) -> Field:
    return E(key, {"0": "Disabled", "1": "Enabled"}, label)


# ------------------------------------------------------------------------------------------
# Enumerations
# ------------------------------------------------------------------------------------------
DEVICE_MODES = {
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
BATTERY_TYPES = {
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
# The MAX document numbers the lithium types without the "TBD" slot.
BATTERY_TYPES_MAX = {
    **{code: label for code, label in BATTERY_TYPES.items() if int(code) <= 6},
    "7": "LIb-protocol compatible",
    "8": "3rd party Lithium",
}
INPUT_VOLTAGE_RANGES = {"0": "Appliance", "1": "UPS"}
OUTPUT_SOURCE_PRIORITIES = {"0": "Utility first", "1": "Solar first", "2": "SBU first"}
OUTPUT_SOURCE_PRIORITIES_MAX = {
    "0": "Utility Solar Battery",
    "1": "Solar Utility Battery",
    "2": "Solar Battery Utility",
}
CHARGER_SOURCE_PRIORITIES = {
    "0": "Utility first",
    "1": "Solar first",
    "2": "Solar + Utility",
    "3": "Only solar charging permitted",
}
MACHINE_TYPES = {
    "00": "Grid tie",
    "01": "Off Grid",
    "10": "Hybrid",
    "11": "Off Grid with 2 trackers",
    "20": "Off Grid with 3 trackers",
}
TOPOLOGIES = {"0": "transformerless", "1": "transformer"}
OUTPUT_MODES = {
    "0": "single machine output",
    "1": "parallel output",
    "2": "Phase 1 of 3 phase output",
    "3": "Phase 2 of 3 phase output",
    "4": "Phase 3 of 3 phase output",
    "5": "Phase 1 of 2 phase output",
    "6": "Phase 2 of 2 phase output",
}
OUTPUT_MODES_MAX = {
    **{code: label for code, label in OUTPUT_MODES.items() if int(code) <= 5},
    "6": "Phase 2 of 2 phase output (120°)",
    "7": "Phase 2 of 2 phase output (180°)",
}
PV_OK_CONDITIONS = {"0": "One unit with PV is OK", "1": "All units need PV"}
PV_POWER_BALANCES = {
    "0": "PV max current = max charged current",
    "1": "PV max power = charge power + load power",
}
OPERATION_LOGICS = {"0": "Automatic", "1": "On-line", "2": "ECO"}
FAULT_CODES = {
    "00": "No fault",
    "01": "Fan is locked",
    "02": "Over temperature",
    "03": "Battery voltage too high",
    "04": "Battery voltage too low",
    "05": "Output short circuited or over temperature",
    "06": "Output voltage too high",
    "07": "Overload time out",
    "08": "Bus voltage too high",
    "09": "Bus soft start failed",
    "11": "Main relay failed",
    "51": "Over current inverter",
    "52": "Bus soft start failed",
    "53": "Inverter soft start failed",
    "54": "Self-test failed",
    "55": "Over DC voltage on output of inverter",
    "56": "Battery connection is open",
    "57": "Current sensor failed",
    "58": "Output voltage too low",
    "60": "Inverter negative power",
    "71": "Parallel version different",
    "72": "Output circuit failed",
    "80": "CAN communication failed",
    "81": "Parallel host line lost",
    "82": "Parallel synchronized signal lost",
    "83": "Parallel battery voltage detect different",
    "84": "Parallel Line voltage or frequency detect different",
    "85": "Parallel Line input current unbalanced",
    "86": "Parallel output setting different",
}
FAULT_CODES_MAX = {
    **FAULT_CODES,
    "10": "PV over current",
    "11": "PV over voltage",
    "12": "DC over current",
    "13": "Battery discharge over current",
}
CHARGING_STAGES = {"00": "Auto", "01": "2-stage", "02": "3-stage"}
YES_NO = {"0": "No", "1": "Yes"}
INVERTER_CHARGE_STATUS = {
    "10": "nocharging",
    "11": "bulk stage",
    "12": "absorb",
    "13": "float",
}
PARALLEL_VALID = {"0": "Not valid", "1": "Valid"}
FAN_LOCK = {"0": "Not locked", "1": "Locked"}
FEED_TO_GRID = {"0": "Disabled", "1": "Enabled"}
COUNTRIES = {"00": "India", "01": "Germany", "02": "South America"}

# QFLAG letters; PE/PD take the same letters.
QFLAG_LETTERS: dict[str, str] = {
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
QFLAG_LETTERS_MAX: dict[str, str] = {**QFLAG_LETTERS, "d": "solar_feed_to_grid"}

DEVICE_STATUS_FLAGS = (
    "is_sbu_priority_version_added",
    "is_configuration_changed",
    "is_scc_firmware_updated",
    "is_load_on",
    "is_battery_voltage_to_steady_while_charging",
    "is_charging_on",
    "is_scc_charging_on",
    "is_ac_charging_on",
)

# ------------------------------------------------------------------------------------------
# QPIWS warning bits
# ------------------------------------------------------------------------------------------
QPIWS_BITS: tuple[str, ...] = (
    "reserved_0",
    "inverter_fault",
    "bus_over_fault",
    "bus_under_fault",
    "bus_soft_fail_fault",
    "line_fail_warning",
    "opv_short_warning",
    "inverter_voltage_too_low_fault",
    "inverter_voltage_too_high_fault",
    "over_temperature_fault",
    "fan_locked_fault",
    "battery_voltage_too_high_fault",
    "battery_low_alarm_warning",
    "reserved_13",
    "battery_under_shutdown_warning",
    "reserved_15",
    "overload_fault",
    "eeprom_fault",
    "inverter_over_current_fault",
    "inverter_soft_fail_fault",
    "self_test_fail_fault",
    "op_dc_voltage_over_fault",
    "battery_open_fault",
    "current_sensor_fail_fault",
    "battery_short_fault",
    "power_limit_warning",
    "pv_voltage_high_warning",
    "mppt_overload_fault",
    "mppt_overload_warning",
    "battery_too_low_to_charge_warning",
    "reserved_30",
    "reserved_31",
    "reserved_32",
    "reserved_33",
    "reserved_34",
    "reserved_35",
)
QPIWS_BITS_MAX: tuple[str, ...] = (
    ("pv_loss_warning",)
    + QPIWS_BITS[1:15]
    + ("battery_derating_warning",)
    + QPIWS_BITS[16:30]
    + ("reserved_30", "battery_weak_31", "battery_weak_32", "battery_weak_33", "reserved_34")
    + ("battery_equalisation_warning",)
)


def _bit_field(name: str) -> Field:
    return Field(
        name,
        _label(name),
        "bool",
        device_class="problem" if not name.startswith("reserved") else None,
    )


# ------------------------------------------------------------------------------------------
# Queries
# ------------------------------------------------------------------------------------------
QPIGS_FIELDS: tuple[Field, ...] = (
    V("ac_input_voltage", "AC input voltage"),
    HZ("ac_input_frequency", "AC input frequency"),
    V("ac_output_voltage", "AC output voltage"),
    HZ("ac_output_frequency", "AC output frequency"),
    VA("ac_output_apparent_power", "AC output apparent power"),
    W("ac_output_active_power", "AC output active power"),
    PCT("ac_output_load", "AC output load"),
    V("bus_voltage", "Bus voltage", "int"),
    V("battery_voltage", "Battery voltage"),
    A("battery_charging_current", "Battery charging current"),
    PCT("battery_capacity", "Battery capacity", battery=True),
    TEMP("inverter_heat_sink_temperature", "Inverter heat sink temperature"),
    A("pv_input_current_for_battery", "PV input current for battery", "float"),
    V("pv_input_voltage", "PV input voltage"),
    V("battery_voltage_from_scc", "Battery voltage from SCC"),
    A("battery_discharge_current", "Battery discharge current"),
    FLAGS("device_status", DEVICE_STATUS_FLAGS, "Device status"),
    I("battery_voltage_offset_for_fans_on", "Battery voltage offset for fans on", "10mV"),
    S("eeprom_version", "EEPROM version"),
    W("pv_input_power", "PV input power"),
    FLAGS(
        "device_status_2",
        ("is_charging_to_float", "is_switched_on", "is_reserved"),
        "Device status 2",
    ),
)
QPIGS_FIELDS_MAX: tuple[Field, ...] = (
    QPIGS_FIELDS[:12]
    + (
        A("pv_input_current_for_battery", "PV1 input current", "float"),
        V("pv_input_voltage", "PV1 input voltage"),
    )
    + QPIGS_FIELDS[14:19]
    + (
        W("pv_input_power", "PV1 charging power"),
        FLAGS(
            "device_status_2",
            ("is_charging_to_float", "is_switched_on", "is_dustproof_installed"),
            "Device status 2",
        ),
        E("solar_feed_to_grid", FEED_TO_GRID, "Solar feed to grid"),
        E("country", COUNTRIES, "Country"),
        W("solar_feed_to_grid_power", "Solar feed to grid power"),
    )
)


def _qpiri_fields(max_variant: bool) -> tuple[Field, ...]:
    osp = OUTPUT_SOURCE_PRIORITIES_MAX if max_variant else OUTPUT_SOURCE_PRIORITIES
    battery_types = BATTERY_TYPES_MAX if max_variant else BATTERY_TYPES
    output_modes = OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES
    fields: tuple[Field, ...] = (
        V("ac_input_voltage", "AC input voltage"),
        A("ac_input_current", "AC input current", "float"),
        V("ac_output_voltage", "AC output voltage"),
        HZ("ac_output_frequency", "AC output frequency"),
        A("ac_output_current", "AC output current", "float"),
        VA("ac_output_apparent_power", "AC output apparent power"),
        W("ac_output_active_power", "AC output active power"),
        V("battery_voltage", "Battery nominal voltage"),
        V("battery_recharge_voltage", "Battery recharge voltage"),
        V("battery_under_voltage", "Battery under voltage"),
        V("battery_bulk_charge_voltage", "Battery bulk charge voltage"),
        V("battery_float_charge_voltage", "Battery float charge voltage"),
        E("battery_type", battery_types, "Battery type", "mdi:car-battery"),
        A("max_ac_charging_current", "Max AC charging current"),
        A("max_charging_current", "Max charging current"),
        E("input_voltage_range", INPUT_VOLTAGE_RANGES, "Input voltage range"),
        E("output_source_priority", osp, "Output source priority", "mdi:power-plug"),
        E(
            "charger_source_priority",
            CHARGER_SOURCE_PRIORITIES,
            "Charger source priority",
            "mdi:battery-charging",
        ),
        I("max_parallel_units", "Max parallel units"),
        E("machine_type", MACHINE_TYPES, "Machine type"),
        E("topology", TOPOLOGIES, "Topology"),
        E("output_mode", output_modes, "Output mode"),
        V("battery_redischarge_voltage", "Battery re-discharge voltage"),
        E("pv_ok_condition", PV_OK_CONDITIONS, "PV OK condition"),
        E("pv_power_balance", PV_POWER_BALANCES, "PV power balance"),
        MIN("max_charging_time_for_cv_stage", "Max charging time for C.V. stage"),
        E("operation_logic", OPERATION_LOGICS, "Operation logic"),
    )
    if max_variant:
        fields += (A("max_discharging_current", "Max discharging current"),)
    return fields


def _qdi_fields(max_variant: bool) -> tuple[Field, ...]:
    output_modes = OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES
    fields: tuple[Field, ...] = (
        V("ac_output_voltage", "AC output voltage"),
        HZ("ac_output_frequency", "AC output frequency"),
        A("max_ac_charging_current", "Max AC charging current"),
        V("battery_under_voltage", "Battery under voltage"),
        V("battery_float_charge_voltage", "Battery float charge voltage"),
        V("battery_bulk_charge_voltage", "Battery bulk charge voltage"),
        V("battery_recharge_voltage", "Battery recharge voltage"),
        A("max_charging_current", "Max charging current"),
        E("input_voltage_range", INPUT_VOLTAGE_RANGES, "Input voltage range"),
        E(
            "output_source_priority",
            OUTPUT_SOURCE_PRIORITIES_MAX if max_variant else OUTPUT_SOURCE_PRIORITIES,
            "Output source priority",
        ),
        E("charger_source_priority", CHARGER_SOURCE_PRIORITIES, "Charger source priority"),
        E("battery_type", BATTERY_TYPES_MAX if max_variant else BATTERY_TYPES, "Battery type"),
        ENABLED("buzzer"),
        ENABLED("power_saving"),
        ENABLED("overload_restart"),
        ENABLED("over_temperature_restart"),
        ENABLED("lcd_backlight", "LCD backlight"),
        ENABLED("primary_source_interrupt_alarm"),
        ENABLED("record_fault_code"),
        ENABLED("overload_bypass"),
        ENABLED("lcd_reset_to_default", "LCD reset to default"),
        E("output_mode", output_modes, "Output mode"),
        V("battery_redischarge_voltage", "Battery re-discharge voltage"),
        E("pv_ok_condition", PV_OK_CONDITIONS, "PV OK condition"),
        E("pv_power_balance", PV_POWER_BALANCES, "PV power balance"),
    )
    if max_variant:
        fields += (
            MIN("max_charging_time_at_cv", "Max charging time at C.V."),
            A("max_discharging_current", "Max discharging current"),
        )
    return fields


Q1_FIELDS: tuple[Field, ...] = (
    SEC("time_until_end_of_absorb_charging"),
    SEC("time_until_end_of_float_charging"),
    S("scc_flag", "SCC flag"),
    S("allow_scc_on_flag", "Allow SCC on flag"),
    A("charge_average_current"),
    TEMP("scc_pwm_temperature", "SCC PWM temperature"),
    TEMP("inverter_temperature"),
    TEMP("battery_temperature"),
    TEMP("transformer_temperature"),
    S("gpio13", "GPIO13"),
    E("fan_lock_status", FAN_LOCK),
    S("not_used"),
    replace(PCT("fan_pwm_speed", "Fan PWM speed"), icon="mdi:fan"),
    W("scc_charge_power", "SCC charge power"),
    S("parallel_warning"),
    HZ("sync_frequency"),
    E("inverter_charge_status", INVERTER_CHARGE_STATUS),
)

INVERTER_STATUS_FLAGS = (
    "is_scc_ok",
    "is_ac_charging",
    "is_scc_charging",
    "is_battery_over_voltage",
    "is_battery_under_voltage",
    "is_line_lost",
    "is_load_on",
    "is_configuration_changed",
)


def _qpgs_fields(max_variant: bool) -> tuple[Field, ...]:
    fields: tuple[Field, ...] = (
        E("parallel_instance_number", PARALLEL_VALID),
        S("serial_number", icon="mdi:identifier"),
        E("work_mode", DEVICE_MODES, "Work mode", "mdi:state-machine"),
        E("fault_code", FAULT_CODES_MAX if max_variant else FAULT_CODES, "Fault code"),
        V("grid_voltage"),
        HZ("grid_frequency"),
        V("ac_output_voltage", "AC output voltage"),
        HZ("ac_output_frequency", "AC output frequency"),
        VA("ac_output_apparent_power", "AC output apparent power"),
        W("ac_output_active_power", "AC output active power"),
        PCT("load_percentage"),
        V("battery_voltage"),
        A("battery_charging_current"),
        PCT("battery_capacity", battery=True),
        V("pv_input_voltage", "PV input voltage"),
        A("total_charging_current"),
        VA("total_ac_output_apparent_power", "Total AC output apparent power"),
        W("total_output_active_power"),
        PCT("total_ac_output_percentage", "Total AC output percentage"),
        FLAGS("inverter_status", INVERTER_STATUS_FLAGS),
        E("output_mode", OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES),
        E("charger_source_priority", CHARGER_SOURCE_PRIORITIES),
        A("max_charger_current"),
        A("max_charger_range"),
        A("max_ac_charger_current", "Max AC charger current"),
        A("pv_input_current", "PV input current"),
        A("battery_discharge_current"),
    )
    if max_variant:
        fields += (
            V("pv2_input_voltage", "PV2 input voltage"),
            A("pv2_input_current", "PV2 input current"),
        )
    return fields


QBMS_FIELDS: tuple[Field, ...] = (
    E("battery_connect_status", {"0": "Connected", "1": "Disconnected"}),
    PCT("battery_capacity_from_bms", "Battery capacity from BMS", battery=True),
    E("battery_force_charging", YES_NO),
    E("battery_stop_discharge_flag", YES_NO),
    E("battery_stop_charge_flag", YES_NO),
    # BMS voltages come in 0.1 V units ("532" = 53.2 V).
    replace(
        V("battery_bulk_charging_voltage_from_bms", "Battery bulk charging voltage from BMS"),
        scale=0.1,
    ),
    replace(
        V("battery_float_charging_voltage_from_bms", "Battery float charging voltage from BMS"),
        scale=0.1,
    ),
    replace(V("battery_cut_off_voltage_from_bms", "Battery cut-off voltage from BMS"), scale=0.1),
    A("battery_max_charging_current", "Battery max charging current"),
    A("battery_max_discharge_current", "Battery max discharge current"),
)

QBEQI_FIELDS: tuple[Field, ...] = (
    ENABLED("equalization_enabled"),
    MIN("equalization_time"),
    Field("equalization_period", "Equalization period", "int", "d", device_class="duration"),
    A("equalization_max_current"),
    S("reserved_4"),
    V("equalization_voltage"),
    S("reserved_6"),
    MIN("equalization_over_time"),
    E("equalization_active", {"0": "Inactive", "1": "Active"}),
    Field(
        "equalization_elapsed_time",
        "Equalization elapsed time",
        "int",
        "h",
        device_class="duration",
    ),
)

QLED_FIELDS: tuple[Field, ...] = (
    ENABLED("led_enabled", "LED enabled"),
    E("led_speed", {"0": "Low", "1": "Medium", "2": "High"}, "LED speed"),
    # PLEDM takes 0, 2 or 3: code 1 is unused.
    E("led_effect", {"0": "Breathing", "2": "Solid", "3": "Right scrolling"}, "LED effect"),
    I("led_brightness", "LED brightness (1-9)"),
    I("led_number_of_colors", "LED number of colors"),
    # One field: RRRGGGBBB per colour, concatenated ("148000211255255255000255255").
    S("rgb", "LED colours (RRRGGGBBB each)", icon="mdi:palette"),
)


def _hourly(prefix: str, enum: Mapping[str, str]) -> tuple[Field, ...]:
    """QOPPT / QCHPT: the priority for each hour, the device's own, then 3 selection orders."""
    return (
        tuple(E(f"{prefix}_{h:02d}_hours", enum, f"{_label(prefix)} {h:02d}:00") for h in range(24))
        + (E(f"device_{prefix}", enum, f"Device {_label(prefix).lower()}"),)
        + tuple(
            E(
                f"selection_of_{prefix}_order_{n}",
                enum,
                f"Selection of {_label(prefix).lower()} order {n}",
            )
            for n in (1, 2, 3)
        )
    )


def _single(cmd: str, desc: str, fld: Field, size: int = 24, **kw: Any) -> Command:
    return Command(cmd, desc, "query", "text", (fld,), expected_response_bytes=size, **kw)


_MONTH = r"(0[1-9]|1[0-2])"
_DATE_PATTERNS = {
    4: r"\d{4}",
    6: r"\d{4}" + _MONTH,
    8: r"\d{4}" + _MONTH + r"(0[1-9]|[12]\d|3[01])",
}


def _energy(cmd: str, desc: str, key: str, digits: int, help_: str) -> Command:
    return Command(
        cmd,
        desc,
        "query",
        "text",
        (WH(key),),
        arg_pattern=_DATE_PATTERNS[digits],
        arg_help=help_,
        expected_response_bytes=14,
    )


def _queries(max_variant: bool) -> list[Command]:
    qflag = QFLAG_LETTERS_MAX if max_variant else QFLAG_LETTERS
    cmds: list[Command] = [
        _single(
            "QPI",
            "Device protocol ID",
            replace(S("protocol_id", "Protocol ID"), pattern=r"PI[0-9]{2}"),
            12,
        ),
        _single(
            "QID",
            "Device serial number",
            replace(S("serial_number", icon="mdi:identifier"), pattern=r"[0-9]{6,20}"),
            28,
        ),
        _single(
            "QVFW",
            "Main CPU firmware version",
            replace(S("main_cpu_firmware_version", "Main CPU firmware version"), prefix="VERFW:"),
            24,
        ),
        _single(
            "QVFW2",
            "SCC1 (secondary CPU) firmware version",
            replace(S("scc1_firmware_version", "SCC1 firmware version"), prefix="VERFW2:"),
            24,
        ),
        _single(
            "QMN",
            "Model name",
            replace(S("model_name"), pattern=r"[ -~]*[A-Za-z][ -~]*"),
            28,
        ),
        _single(
            "QGMN",
            "General model number",
            replace(S("general_model_number"), pattern=r"[0-9]{1,6}"),
            12,
        ),
        _single(
            "QMOD",
            "Device mode",
            E("device_mode", DEVICE_MODES, "Device mode", "mdi:state-machine"),
            8,
        ),
        Command(
            "QPIGS",
            "General status parameters",
            "query",
            "fields",
            optional_after(QPIGS_FIELDS_MAX if max_variant else QPIGS_FIELDS, 17),
            expected_response_bytes=140,
        ),
        Command(
            "QPIRI",
            "Device rating information and current settings",
            "query",
            "fields",
            optional_after(_qpiri_fields(max_variant), 25),
            expected_response_bytes=120,
        ),
        Command(
            "QFLAG",
            "Device flag status",
            "query",
            "qflag",
            tuple(Field(name, _label(name), "bool") for name in qflag.values()),
            expected_response_bytes=24,
        ),
        Command(
            "QPIWS",
            "Device warning status",
            "query",
            "bits",
            optional_after(
                tuple(_bit_field(b) for b in (QPIWS_BITS_MAX if max_variant else QPIWS_BITS)), 32
            ),
            expected_response_bytes=44,
        ),
        Command(
            "QDI",
            "Default setting values",
            "query",
            "fields",
            optional_after(_qdi_fields(max_variant), 25),
            expected_response_bytes=100,
        ),
        Command(
            "QMCHGCR",
            "Selectable max charging currents",
            "query",
            "options",
            expected_response_bytes=100,
            options_key="max_charging_current_options",
            options_unit="A",
        ),
        Command(
            "QMUCHGCR",
            "Selectable max utility (AC) charging currents",
            "query",
            "options",
            expected_response_bytes=100,
            options_key="max_ac_charging_current_options",
            options_unit="A",
        ),
        Command(
            "QMSCHGCR",
            "Selectable max solar charging currents",
            "query",
            "options",
            expected_response_bytes=100,
            options_key="max_solar_charging_current_options",
            options_unit="A",
        ),
        _single(
            "QBOOT", "DSP has bootstrap", E("dsp_has_bootstrap", YES_NO, "DSP has bootstrap"), 6
        ),
        _single(
            "QOPM",
            "Output mode",
            E("output_mode", OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES, "Output mode"),
            8,
        ),
        _single("QCST", "Charging stage", E("charging_stage", CHARGING_STAGES), 7),
        _single("QCVT", "C.V. charging time", MIN("cv_charging_time", "C.V. charging time"), 8),
        Command(
            "Q1",
            "Extra status (undocumented)",
            "query",
            "fields",
            Q1_FIELDS,
            expected_response_bytes=90,
        ),
        Command(
            "QPGS",
            "Parallel unit n status",
            "query",
            "fields",
            optional_after(_qpgs_fields(max_variant), 27),
            arg_pattern=r"[0-8]",
            arg_help="unit number 0..8 (QPGS0, QPGS1, ...)",
            expected_response_bytes=170,
        ),
        Command(
            "QBMS",
            "Battery BMS information",
            "query",
            "fields",
            QBMS_FIELDS,
            expected_response_bytes=60,
        ),
    ]
    if max_variant:
        cmds += [
            _single(
                "QVFW3",
                "SCC2 firmware version",
                replace(S("scc2_firmware_version", "SCC2 firmware version"), prefix="VERFW3:"),
                24,
            ),
            _single(
                "QVFW4",
                "SCC3 firmware version",
                replace(S("scc3_firmware_version", "SCC3 firmware version"), prefix="VERFW4:"),
                24,
            ),
            Command(
                "QSID",
                "Device serial number (long form)",
                "query",
                "serial20",
                (S("serial_number", icon="mdi:identifier"),),
                expected_response_bytes=30,
            ),
            Command(
                "QPIGS2",
                "General status parameters, PV2",
                "query",
                "fields",
                (
                    A("pv2_input_current", "PV2 input current", "float"),
                    V("pv2_input_voltage", "PV2 input voltage"),
                    W("pv2_charging_power", "PV2 charging power"),
                ),
                expected_response_bytes=80,  # the MST variant answers 12 fields
            ),
            Command(
                "QT",
                "Device time",
                "query",
                "datetime",
                (S("device_time", "Device time", icon="mdi:clock-outline"),),
                expected_response_bytes=20,
            ),
            _single(
                "QET",
                "Total PV generated energy",
                WH("total_pv_generated_energy", "Total PV generated energy"),
                14,
            ),
            _energy(
                "QEY",
                "PV generated energy for a year",
                "pv_generated_energy_for_year",
                4,
                "year yyyy (QEY2026)",
            ),
            _energy(
                "QEM",
                "PV generated energy for a month",
                "pv_generated_energy_for_month",
                6,
                "month yyyymm (QEM202601)",
            ),
            _energy(
                "QED",
                "PV generated energy for a day",
                "pv_generated_energy_for_day",
                8,
                "day yyyymmdd (QED20260101)",
            ),
            _single(
                "QLT",
                "Total output load energy",
                WH("total_output_load_energy", "Total output load energy"),
                14,
            ),
            _energy(
                "QLY",
                "Output load energy for a year",
                "output_load_energy_for_year",
                4,
                "year yyyy (QLY2026)",
            ),
            _energy(
                "QLM",
                "Output load energy for a month",
                "output_load_energy_for_month",
                6,
                "month yyyymm (QLM202601)",
            ),
            _energy(
                "QLD",
                "Output load energy for a day",
                "output_load_energy_for_day",
                8,
                "day yyyymmdd (QLD20260101)",
            ),
            Command(
                "QBEQI",
                "Battery equalization information",
                "query",
                "fields",
                QBEQI_FIELDS,
                expected_response_bytes=48,
            ),
            Command(
                "QOPPT",
                "Output source priority per hour",
                "query",
                "fields",
                _hourly("output_source_priority", OUTPUT_SOURCE_PRIORITIES_MAX),
                expected_response_bytes=90,
            ),
            Command(
                "QCHPT",
                "Charger source priority per hour",
                "query",
                "fields",
                _hourly("charger_source_priority", CHARGER_SOURCE_PRIORITIES),
                expected_response_bytes=90,
            ),
            Command(
                "QLED",
                "RGB LED settings",
                "query",
                "fields",
                QLED_FIELDS,
                expected_response_bytes=48,
            ),
        ]
    return cmds


# ------------------------------------------------------------------------------------------
# Setters
# ------------------------------------------------------------------------------------------
def _two_digit(labels: Mapping[str, str]) -> dict[str, str]:
    return {f"{int(code):02d}": label for code, label in labels.items()}


def _range(lo: float, hi: float, step: float) -> tuple[float, ...]:
    n = round((hi - lo) / step)
    return tuple(round(lo + i * step, 2) for i in range(n + 1))


PBCV_VALUES = {
    48: _range(44, 51, 1),
    24: _range(22, 25.5, 0.5),
    12: (11.0, 11.3, 11.5, 11.8, 12.0, 12.3, 12.5, 12.8),
}
# 12 V units step a quarter volt, shown with one decimal (12.25 V -> "12.3").
PBDV_VALUES = {
    48: _range(48, 58, 1),
    24: _range(24, 29, 0.5),
    12: (12.0, 12.3, 12.5, 12.8, 13.0, 13.3, 13.5, 13.8, 14.0, 14.3, 14.5),
}
CURRENTS_FALLBACK = (2.0, 10.0) + _range(20, 150, 10)  # used only when the unit's list is unknown

SINGLE_UNIT_RISK = (
    "parallel-system command: on a single unit some firmwares store a wrong value "
    "(use the single-unit setter instead)"
)


def _setter(
    name: str,
    desc: str,
    arg: ArgRule,
    readback: Readback | None = None,
    dangerous: str | None = None,
) -> Command:
    """``dangerous`` says why the setter is off unless explicitly allowed."""
    return Command(
        name,
        desc,
        "setter",
        "ack",
        arg=arg,
        readback=readback,
        dangerous=dangerous is not None,
        dangerous_reason=dangerous,
        expected_response_bytes=8,
    )


def _choice(labels: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> ArgRule:
    return ArgRule("choice", choices=_two_digit(labels), aliases=aliases)


def rb_qpiri(field_key: str) -> Readback:
    return Readback("QPIRI", field_key)


def _lower_labels(labels: Mapping[str, str], width: int = 2) -> dict[str, str]:
    return {label.lower(): f"{int(code):0{width}d}" for code, label in labels.items()}


def _setters(max_variant: bool) -> list[Command]:
    # Both variants' labels are accepted; the catalogue shows the variant's own.
    osp_labels = OUTPUT_SOURCE_PRIORITIES_MAX if max_variant else OUTPUT_SOURCE_PRIORITIES
    osp_aliases = _lower_labels(OUTPUT_SOURCE_PRIORITIES) | _lower_labels(
        OUTPUT_SOURCE_PRIORITIES_MAX
    )
    osp_aliases.update({"utility": "00", "solar": "01", "sbu": "02", "usb": "00", "sub": "01"})
    osp_aliases.update({"sbu priority": "02", "uti": "00", "sol": "01"})
    pcp_aliases = {
        "utility": "00",
        "solar": "01",
        "solar and utility": "02",
        "snu": "02",
        "only solar": "03",
        "solar only": "03",
        "oso": "03",
        "cub": "00",
        "cso": "01",
    }
    battery_types = BATTERY_TYPES_MAX if max_variant else BATTERY_TYPES
    qflag = QFLAG_LETTERS_MAX if max_variant else QFLAG_LETTERS
    flag_rule = ArgRule(
        "flags",
        choices=dict(qflag),
        description="QFLAG letters or names, e.g. 'a', 'buzzer', ['x', 'y'], {'buzzer': True}",
    )
    voltage = "{:04.1f}"  # nn.n: 46 -> "46.0", 0 -> "00.0"
    cmds = [
        _setter(
            "POP",
            "Set output source priority",
            _choice(osp_labels, osp_aliases),
            rb_qpiri("output_source_priority"),
        ),
        _setter(
            "PCP",
            "Set charger source priority",
            _choice(CHARGER_SOURCE_PRIORITIES, pcp_aliases),
            rb_qpiri("charger_source_priority"),
        ),
        _setter(
            "PPCP",
            "Set charger source priority of parallel unit m (m + 00..03)",
            ArgRule(
                "unit_choice", choices=_two_digit(CHARGER_SOURCE_PRIORITIES), aliases=pcp_aliases
            ),
            dangerous=SINGLE_UNIT_RISK,
        ),
        _setter(
            "POPM",
            "Set output mode of parallel unit m (m + 0..4: single, parallel, phase 1-3 of 3)",
            ArgRule("unit_choice", choices={k: v for k, v in OUTPUT_MODES.items() if int(k) <= 4}),
            dangerous="changes how units share the output; a wrong mode drops the load",
        ),
        _setter(
            "POPLG",
            "Set operation logic",
            _choice(OPERATION_LOGICS, _lower_labels(OPERATION_LOGICS)),
            rb_qpiri("operation_logic"),
        ),
        _setter(
            "PBCV",
            "Set battery re-charge (back to grid) voltage for SBU priority",
            ArgRule("number", fmt=voltage, values_by_battery=PBCV_VALUES),
            rb_qpiri("battery_recharge_voltage"),
        ),
        _setter(
            "PBDV",
            "Set battery re-discharge (back to battery) voltage; 0 = battery full",
            ArgRule("number", fmt=voltage, values_by_battery=PBDV_VALUES, zero_allowed=True),
            rb_qpiri("battery_redischarge_voltage"),
        ),
        _setter(
            "PBFT",
            "Set battery float charging voltage",
            ArgRule(
                "number",
                fmt=voltage,
                minimum=48.0,
                maximum=58.4,
                step=0.1,
                scale_by_battery=True,
            ),
            rb_qpiri("battery_float_charge_voltage"),
        ),
        _setter(
            "PCVV",
            "Set battery C.V. (bulk) charging voltage",
            ArgRule(
                "number",
                fmt=voltage,
                minimum=48.0,
                maximum=58.4,
                step=0.1,
                scale_by_battery=True,
            ),
            rb_qpiri("battery_bulk_charge_voltage"),
        ),
        _setter(
            "PSDV",
            "Set battery cut-off voltage",
            ArgRule(
                "number",
                fmt=voltage,
                minimum=40.0,
                maximum=48.0,
                step=0.1,
                scale_by_battery=True,
            ),
            rb_qpiri("battery_under_voltage"),
        ),
        _setter(
            "MCHGC",
            "Set max charging current (only values listed by QMCHGCR)",
            ArgRule(
                "current",
                fmt="{:03d}",
                unit_fmt="{:02d}",
                values=CURRENTS_FALLBACK,
                options_query="QMCHGCR",
            ),
            rb_qpiri("max_charging_current"),
        ),
        _setter(
            "MNCHGC",
            "Set max charging current above 100 A for parallel unit m (m + nnn)",
            ArgRule(
                "unit_current", fmt="{:03d}", values=CURRENTS_FALLBACK, options_query="QMCHGCR"
            ),
            dangerous=SINGLE_UNIT_RISK,
        ),
        _setter(
            "MUCHGC",
            "Set max utility charging current (only values listed by QMUCHGCR)",
            ArgRule(
                "current",
                fmt="{:03d}",
                unit_fmt="{:02d}",
                values=CURRENTS_FALLBACK,
                options_query="QMUCHGCR",
            ),
            rb_qpiri("max_ac_charging_current"),
        ),
        _setter(
            "MSCHGC",
            "Set max solar charging current (only values listed by QMSCHGCR)",
            ArgRule("current", fmt="{:03d}", values=CURRENTS_FALLBACK, options_query="QMSCHGCR"),
        ),
        _setter(
            "PBT",
            "Set battery type",
            # Every type the variant documents except the placeholder "TBD"; units without
            # a type NAK it.
            _choice(
                {k: v for k, v in battery_types.items() if v != "TBD"},
                _lower_labels({k: v for k, v in battery_types.items() if v != "TBD"}),
            ),
            rb_qpiri("battery_type"),
            dangerous="a wrong battery type changes charge voltages and can damage the battery",
        ),
        _setter(
            "PGR",
            "Set grid working range",
            _choice(INPUT_VOLTAGE_RANGES, _lower_labels(INPUT_VOLTAGE_RANGES)),
            rb_qpiri("input_voltage_range"),
        ),
        _setter(
            "F",
            "Set output frequency (F50 / F60)",
            ArgRule("number", fmt="{:02.0f}", values=(50.0, 60.0)),
            rb_qpiri("ac_output_frequency"),
            dangerous="changes the frequency fed to every appliance on the output",
        ),
        _setter("PE", "Enable QFLAG flags", flag_rule, Readback("QFLAG", "*")),
        _setter("PD", "Disable QFLAG flags", flag_rule, Readback("QFLAG", "*")),
        _setter(
            "PF",
            "Reset all settings to defaults",
            ArgRule("none"),
            dangerous="resets every setting (battery type, voltages, priorities) to factory values",
        ),
        _setter(
            "PCST",
            "Set charging stage",
            _choice(CHARGING_STAGES, _lower_labels(CHARGING_STAGES)),
            Readback("QCST", "charging_stage"),
        ),
        _setter(
            "PCVT",
            "Set C.V. stage charging time (minutes, 000..255)",
            ArgRule("number", fmt="{:03.0f}", minimum=0, maximum=255, step=1),
            rb_qpiri("max_charging_time_for_cv_stage"),
        ),
        _setter(
            "PPVOKC",
            "Set PV OK condition",
            ArgRule("choice", choices=dict(PV_OK_CONDITIONS)),
            rb_qpiri("pv_ok_condition"),
        ),
        _setter(
            "PSPB",
            "Set PV power balance",
            ArgRule("choice", choices=dict(PV_POWER_BALANCES)),
            rb_qpiri("pv_power_balance"),
        ),
        _setter(
            "PBATCD",
            "Battery discharge / standby / charge control (abc, 0/1 each)",
            ArgRule(
                "pattern",
                pattern=r"[01]{3}",
                description="3 digits 0/1: discharge off, discharge off but standby, charge",
            ),
        ),
        _setter(
            "DAT",
            "Set the device clock",
            ArgRule(
                "pattern",
                pattern=r"\d{14}|\d{12}",
                description="YYYYMMDDHHMMSS (some firmwares YYMMDDHHMMSS), a valid date and time",
            ),
            dangerous="the energy counters (QED/QLD...) are kept per device date",
        ),
        _setter(
            "PBATMAXDISC",
            "Set max battery discharge current (0 = off)",
            ArgRule("number", fmt="{:03.0f}", minimum=30, maximum=150, step=1, zero_allowed=True),
            rb_qpiri("max_discharging_current") if max_variant else None,
        ),
        _setter(
            "BTA",
            "Battery voltage calibration in 0.05 V steps (-09..+09)",
            ArgRule("pattern", pattern=r"[+-]0\d", description="+0n or -0n (n = 0..9)"),
            dangerous="shifts the measured battery voltage that every threshold relies on",
        ),
        _setter(
            "PSAVE",
            "Save settings to EEPROM",
            ArgRule("none"),
            dangerous="writes the EEPROM (limited write cycles)",
        ),
    ]
    return cmds


# ------------------------------------------------------------------------------------------
# The catalogue object
# ------------------------------------------------------------------------------------------
@dataclass
class Catalogue:
    protocol: str
    commands: dict[str, Command] = field(default_factory=dict)
    profile: str = "generic"  # the device profile applied (pyworker.protocol.profiles)

    def __post_init__(self) -> None:
        # Longest names first so QPIGS2 wins over QPIGS, QPGS over QPI, POPLG over POP.
        self._by_length = sorted(self.commands.values(), key=lambda c: -len(c.name))
        self._arg_queries = [c for c in self._by_length if c.arg_pattern]
        self._setter_shapes = [
            (c, re.compile(_argument_shape(c.arg), re.ASCII))
            for c in self._by_length
            if c.arg is not None
        ]

    @property
    def queries(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "query"]

    @property
    def setters(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "setter"]

    def get(self, name: str) -> Command:
        try:
            return self.commands[name.upper()]
        except KeyError:
            raise UnknownCommandError(
                f"unknown command {name!r} for protocol {self.protocol}"
            ) from None

    def resolve(self, text: str) -> tuple[Command, str | None]:
        """Map a command as sent to its entry and argument.

        Queries: ``QPGS1`` -> (QPGS, "1"), ``QED20260101`` -> (QED, "20260101"). Setters given
        whole: ``POP02`` -> (POP, "02"), ``PEax`` -> (PE, "ax") when the rest has the shape of
        the setter's argument (the value itself is checked by the codec).
        """
        original = text.strip()
        if not (original.isascii() and original.isprintable()):
            raise UnknownCommandError(f"{original!r}: commands are printable ASCII only")
        text = original.upper()
        exact = self.commands.get(text)
        if exact is not None and exact.arg_pattern is None:
            return exact, None
        for cmd in self._arg_queries:
            if text.startswith(cmd.name):
                arg = text[len(cmd.name) :]
                if re.fullmatch(cmd.arg_pattern or "", arg, re.ASCII):
                    return cmd, arg
                raise UnknownCommandError(
                    f"{text!r}: {cmd.name} takes {cmd.arg_help}", allowed=cmd.arg_help
                )
        for cmd, shape in self._setter_shapes:
            if text.startswith(cmd.name):
                arg = original[len(cmd.name) :]
                if arg and shape.fullmatch(arg):
                    return cmd, arg
        raise UnknownCommandError(f"unknown command {text!r} for protocol {self.protocol}")

    def to_dict(self) -> dict[str, Any]:
        keys = {f.key for c in self.commands.values() for f in c.fields}
        return {
            "protocol": self.protocol,
            "profile": self.profile,
            "commands": [c.to_dict() for c in self.commands.values()],
            "labels_fr": {k: v for k, v in FIELD_LABELS_FR.items() if k in keys},
        }


def _argument_shape(rule: ArgRule) -> str:
    """The loose syntax of a setter argument as written after the name (POP *02*)."""
    shapes = {
        "none": "",
        "choice": r"\d{1,2}",
        "unit_choice": r"\d{2,3}",
        "number": r"\d{1,3}(\.\d{1,2})?",
        "current": r"\d{2,4}",
        "unit_current": r"\d{3,5}",
        "flags": r"[A-Za-z]+",
    }
    return (rule.pattern or "") if rule.kind == "pattern" else shapes[rule.kind]


def KWH(key: str, label: str) -> Field:
    return Field(key, label, "float", "kWh", device_class="energy", state_class="total_increasing")


def _energy_totals(max_variant: bool) -> Command:
    where = "QET/QLT counters for PV and load, the rest" if max_variant else "all"
    return Command(
        ENERGY_COMMAND,
        f"Energy totals in kWh for the Energy dashboard ({where} integrated by the worker "
        "from QPIGS); answered by the worker, kept across its restarts",
        "query",
        "worker",
        (
            KWH(energy.PV, "PV production"),
            KWH(energy.LOAD, "Load consumption"),
            KWH(energy.GRID, "Grid import"),
            KWH(energy.CHARGE, "Battery charge"),
            KWH(energy.DISCHARGE, "Battery discharge"),
        ),
        expected_response_bytes=0,
    )


def _build(protocol: str) -> Catalogue:
    max_variant = protocol == "PI30MAX"
    cmds = _queries(max_variant) + [_energy_totals(max_variant)] + _setters(max_variant)
    return Catalogue(protocol, {c.name: c for c in cmds})


_CATALOGUES = {p: _build(p) for p in PROTOCOLS}


def get_catalogue(protocol: str = "PI30") -> Catalogue:
    try:
        return _CATALOGUES[protocol.upper()]
    except KeyError:
        raise UnknownCommandError(
            f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}"
        ) from None
