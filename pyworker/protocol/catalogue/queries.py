"""The query commands of PI30 and PI30MAX, and the worker's own ENERGY totals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .. import energy
from ..energy import ENERGY_COMMAND
from .enums import (
    BATTERY_TYPES,
    BATTERY_TYPES_MAX,
    CHARGER_SOURCE_PRIORITIES,
    CHARGING_STAGES,
    COUNTRIES,
    DEVICE_MODES,
    DEVICE_STATUS_FLAGS,
    FAN_LOCK,
    FAULT_CODES,
    FAULT_CODES_MAX,
    FEED_TO_GRID,
    INPUT_VOLTAGE_RANGES,
    INVERTER_CHARGE_STATUS,
    MACHINE_TYPES,
    OPERATION_LOGICS,
    OUTPUT_MODES,
    OUTPUT_MODES_MAX,
    OUTPUT_SOURCE_PRIORITIES,
    OUTPUT_SOURCE_PRIORITIES_MAX,
    PARALLEL_VALID,
    PV_OK_CONDITIONS,
    PV_POWER_BALANCES,
    QFLAG_LETTERS,
    QFLAG_LETTERS_MAX,
    QPIWS_BITS,
    QPIWS_BITS_MAX,
    TOPOLOGIES,
    YES_NO,
)
from .fields import (
    amps,
    bit_field,
    bit_flags,
    enabled,
    enumerated,
    hertz,
    integer,
    kilowatt_hours,
    label_from_key,
    minutes,
    optional_after,
    percent,
    seconds,
    temperature,
    text_field,
    volt_amps,
    volts,
    watt_hours,
    watts,
)
from .schema import Command, Field

QPIGS_FIELDS: tuple[Field, ...] = (
    volts("ac_input_voltage", "AC input voltage"),
    hertz("ac_input_frequency", "AC input frequency"),
    volts("ac_output_voltage", "AC output voltage"),
    hertz("ac_output_frequency", "AC output frequency"),
    volt_amps("ac_output_apparent_power", "AC output apparent power"),
    watts("ac_output_active_power", "AC output active power"),
    percent("ac_output_load", "AC output load"),
    volts("bus_voltage", "Bus voltage", "int"),
    volts("battery_voltage", "Battery voltage"),
    amps("battery_charging_current", "Battery charging current"),
    percent("battery_capacity", "Battery capacity", battery=True),
    temperature("inverter_heat_sink_temperature", "Inverter heat sink temperature"),
    amps("pv_input_current_for_battery", "PV input current for battery", "float"),
    volts("pv_input_voltage", "PV input voltage"),
    volts("battery_voltage_from_scc", "Battery voltage from SCC"),
    amps("battery_discharge_current", "Battery discharge current"),
    bit_flags("device_status", DEVICE_STATUS_FLAGS, "Device status"),
    integer("battery_voltage_offset_for_fans_on", "Battery voltage offset for fans on", "10mV"),
    text_field("eeprom_version", "EEPROM version"),
    watts("pv_input_power", "PV input power"),
    bit_flags(
        "device_status_2",
        ("is_charging_to_float", "is_switched_on", "is_reserved"),
        "Device status 2",
    ),
)
QPIGS_FIELDS_MAX: tuple[Field, ...] = (
    QPIGS_FIELDS[:12]
    + (
        amps("pv_input_current_for_battery", "PV1 input current", "float"),
        volts("pv_input_voltage", "PV1 input voltage"),
    )
    + QPIGS_FIELDS[14:19]
    + (
        watts("pv_input_power", "PV1 charging power"),
        bit_flags(
            "device_status_2",
            ("is_charging_to_float", "is_switched_on", "is_dustproof_installed"),
            "Device status 2",
        ),
        enumerated("solar_feed_to_grid", FEED_TO_GRID, "Solar feed to grid"),
        enumerated("country", COUNTRIES, "Country"),
        watts("solar_feed_to_grid_power", "Solar feed to grid power"),
    )
)


def _qpiri_fields(max_variant: bool) -> tuple[Field, ...]:
    osp = OUTPUT_SOURCE_PRIORITIES_MAX if max_variant else OUTPUT_SOURCE_PRIORITIES
    battery_types = BATTERY_TYPES_MAX if max_variant else BATTERY_TYPES
    output_modes = OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES
    fields: tuple[Field, ...] = (
        volts("ac_input_voltage", "AC input voltage"),
        amps("ac_input_current", "AC input current", "float"),
        volts("ac_output_voltage", "AC output voltage"),
        hertz("ac_output_frequency", "AC output frequency"),
        amps("ac_output_current", "AC output current", "float"),
        volt_amps("ac_output_apparent_power", "AC output apparent power"),
        watts("ac_output_active_power", "AC output active power"),
        volts("battery_voltage", "Battery nominal voltage"),
        volts("battery_recharge_voltage", "Battery recharge voltage"),
        volts("battery_under_voltage", "Battery under voltage"),
        volts("battery_bulk_charge_voltage", "Battery bulk charge voltage"),
        volts("battery_float_charge_voltage", "Battery float charge voltage"),
        enumerated("battery_type", battery_types, "Battery type", "mdi:car-battery"),
        amps("max_ac_charging_current", "Max AC charging current"),
        amps("max_charging_current", "Max charging current"),
        enumerated("input_voltage_range", INPUT_VOLTAGE_RANGES, "Input voltage range"),
        enumerated("output_source_priority", osp, "Output source priority", "mdi:power-plug"),
        enumerated(
            "charger_source_priority",
            CHARGER_SOURCE_PRIORITIES,
            "Charger source priority",
            "mdi:battery-charging",
        ),
        integer("max_parallel_units", "Max parallel units"),
        enumerated("machine_type", MACHINE_TYPES, "Machine type"),
        enumerated("topology", TOPOLOGIES, "Topology"),
        enumerated("output_mode", output_modes, "Output mode"),
        volts("battery_redischarge_voltage", "Battery re-discharge voltage"),
        enumerated("pv_ok_condition", PV_OK_CONDITIONS, "PV OK condition"),
        enumerated("pv_power_balance", PV_POWER_BALANCES, "PV power balance"),
        minutes("max_charging_time_for_cv_stage", "Max charging time for C.V. stage"),
        enumerated("operation_logic", OPERATION_LOGICS, "Operation logic"),
    )
    if max_variant:
        fields += (amps("max_discharging_current", "Max discharging current"),)
    return fields


def _qdi_fields(max_variant: bool) -> tuple[Field, ...]:
    output_modes = OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES
    fields: tuple[Field, ...] = (
        volts("ac_output_voltage", "AC output voltage"),
        hertz("ac_output_frequency", "AC output frequency"),
        amps("max_ac_charging_current", "Max AC charging current"),
        volts("battery_under_voltage", "Battery under voltage"),
        volts("battery_float_charge_voltage", "Battery float charge voltage"),
        volts("battery_bulk_charge_voltage", "Battery bulk charge voltage"),
        volts("battery_recharge_voltage", "Battery recharge voltage"),
        amps("max_charging_current", "Max charging current"),
        enumerated("input_voltage_range", INPUT_VOLTAGE_RANGES, "Input voltage range"),
        enumerated(
            "output_source_priority",
            OUTPUT_SOURCE_PRIORITIES_MAX if max_variant else OUTPUT_SOURCE_PRIORITIES,
            "Output source priority",
        ),
        enumerated("charger_source_priority", CHARGER_SOURCE_PRIORITIES, "Charger source priority"),
        enumerated(
            "battery_type", BATTERY_TYPES_MAX if max_variant else BATTERY_TYPES, "Battery type"
        ),
        enabled("buzzer"),
        enabled("power_saving"),
        enabled("overload_restart"),
        enabled("over_temperature_restart"),
        enabled("lcd_backlight", "LCD backlight"),
        enabled("primary_source_interrupt_alarm"),
        enabled("record_fault_code"),
        enabled("overload_bypass"),
        enabled("lcd_reset_to_default", "LCD reset to default"),
        enumerated("output_mode", output_modes, "Output mode"),
        volts("battery_redischarge_voltage", "Battery re-discharge voltage"),
        enumerated("pv_ok_condition", PV_OK_CONDITIONS, "PV OK condition"),
        enumerated("pv_power_balance", PV_POWER_BALANCES, "PV power balance"),
    )
    if max_variant:
        fields += (
            minutes("max_charging_time_at_cv", "Max charging time at C.V."),
            amps("max_discharging_current", "Max discharging current"),
        )
    return fields


Q1_FIELDS: tuple[Field, ...] = (
    seconds("time_until_end_of_absorb_charging"),
    seconds("time_until_end_of_float_charging"),
    text_field("scc_flag", "SCC flag"),
    text_field("allow_scc_on_flag", "Allow SCC on flag"),
    amps("charge_average_current"),
    temperature("scc_pwm_temperature", "SCC PWM temperature"),
    temperature("inverter_temperature"),
    temperature("battery_temperature"),
    temperature("transformer_temperature"),
    text_field("gpio13", "GPIO13"),
    enumerated("fan_lock_status", FAN_LOCK),
    text_field("not_used"),
    replace(percent("fan_pwm_speed", "Fan PWM speed"), icon="mdi:fan"),
    watts("scc_charge_power", "SCC charge power"),
    text_field("parallel_warning"),
    hertz("sync_frequency"),
    enumerated("inverter_charge_status", INVERTER_CHARGE_STATUS),
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
        enumerated("parallel_instance_number", PARALLEL_VALID),
        text_field("serial_number", icon="mdi:identifier"),
        enumerated("work_mode", DEVICE_MODES, "Work mode", "mdi:state-machine"),
        enumerated("fault_code", FAULT_CODES_MAX if max_variant else FAULT_CODES, "Fault code"),
        volts("grid_voltage"),
        hertz("grid_frequency"),
        volts("ac_output_voltage", "AC output voltage"),
        hertz("ac_output_frequency", "AC output frequency"),
        volt_amps("ac_output_apparent_power", "AC output apparent power"),
        watts("ac_output_active_power", "AC output active power"),
        percent("load_percentage"),
        volts("battery_voltage"),
        amps("battery_charging_current"),
        percent("battery_capacity", battery=True),
        volts("pv_input_voltage", "PV input voltage"),
        amps("total_charging_current"),
        volt_amps("total_ac_output_apparent_power", "Total AC output apparent power"),
        watts("total_output_active_power"),
        percent("total_ac_output_percentage", "Total AC output percentage"),
        bit_flags("inverter_status", INVERTER_STATUS_FLAGS),
        enumerated("output_mode", OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES),
        enumerated("charger_source_priority", CHARGER_SOURCE_PRIORITIES),
        amps("max_charger_current"),
        amps("max_charger_range"),
        amps("max_ac_charger_current", "Max AC charger current"),
        amps("pv_input_current", "PV input current"),
        amps("battery_discharge_current"),
    )
    if max_variant:
        fields += (
            volts("pv2_input_voltage", "PV2 input voltage"),
            amps("pv2_input_current", "PV2 input current"),
        )
    return fields


QBMS_FIELDS: tuple[Field, ...] = (
    enumerated("battery_connect_status", {"0": "Connected", "1": "Disconnected"}),
    percent("battery_capacity_from_bms", "Battery capacity from BMS", battery=True),
    enumerated("battery_force_charging", YES_NO),
    enumerated("battery_stop_discharge_flag", YES_NO),
    enumerated("battery_stop_charge_flag", YES_NO),
    # BMS voltages come in 0.1 V units ("532" = 53.2 V).
    replace(
        volts("battery_bulk_charging_voltage_from_bms", "Battery bulk charging voltage from BMS"),
        scale=0.1,
    ),
    replace(
        volts("battery_float_charging_voltage_from_bms", "Battery float charging voltage from BMS"),
        scale=0.1,
    ),
    replace(
        volts("battery_cut_off_voltage_from_bms", "Battery cut-off voltage from BMS"), scale=0.1
    ),
    amps("battery_max_charging_current", "Battery max charging current"),
    amps("battery_max_discharge_current", "Battery max discharge current"),
)

QBEQI_FIELDS: tuple[Field, ...] = (
    enabled("equalization_enabled"),
    minutes("equalization_time"),
    Field("equalization_period", "Equalization period", "int", "d", device_class="duration"),
    amps("equalization_max_current"),
    text_field("reserved_4"),
    volts("equalization_voltage"),
    text_field("reserved_6"),
    minutes("equalization_over_time"),
    enumerated("equalization_active", {"0": "Inactive", "1": "Active"}),
    Field(
        "equalization_elapsed_time",
        "Equalization elapsed time",
        "int",
        "h",
        device_class="duration",
    ),
)

QLED_FIELDS: tuple[Field, ...] = (
    enabled("led_enabled", "LED enabled"),
    enumerated("led_speed", {"0": "Low", "1": "Medium", "2": "High"}, "LED speed"),
    # PLEDM takes 0, 2 or 3: code 1 is unused.
    enumerated(
        "led_effect", {"0": "Breathing", "2": "Solid", "3": "Right scrolling"}, "LED effect"
    ),
    integer("led_brightness", "LED brightness (1-9)"),
    integer("led_number_of_colors", "LED number of colors"),
    # One field: RRRGGGBBB per colour, concatenated ("148000211255255255000255255").
    text_field("rgb", "LED colours (RRRGGGBBB each)", icon="mdi:palette"),
)


def _hourly(prefix: str, enum: Mapping[str, str]) -> tuple[Field, ...]:
    """QOPPT / QCHPT: the priority for each hour, the device's own, then 3 selection orders."""
    return (
        tuple(
            enumerated(f"{prefix}_{h:02d}_hours", enum, f"{label_from_key(prefix)} {h:02d}:00")
            for h in range(24)
        )
        + (enumerated(f"device_{prefix}", enum, f"Device {label_from_key(prefix).lower()}"),)
        + tuple(
            enumerated(
                f"selection_of_{prefix}_order_{n}",
                enum,
                f"Selection of {label_from_key(prefix).lower()} order {n}",
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
        (watt_hours(key),),
        arg_pattern=_DATE_PATTERNS[digits],
        arg_help=help_,
        expected_response_bytes=14,
    )


def query_commands(max_variant: bool) -> list[Command]:
    qflag = QFLAG_LETTERS_MAX if max_variant else QFLAG_LETTERS
    cmds: list[Command] = [
        _single(
            "QPI",
            "Device protocol ID",
            replace(text_field("protocol_id", "Protocol ID"), pattern=r"PI[0-9]{2}"),
            12,
        ),
        _single(
            "QID",
            "Device serial number",
            replace(text_field("serial_number", icon="mdi:identifier"), pattern=r"[0-9]{6,20}"),
            28,
        ),
        _single(
            "QVFW",
            "Main CPU firmware version",
            replace(
                text_field("main_cpu_firmware_version", "Main CPU firmware version"),
                prefix="VERFW:",
            ),
            24,
        ),
        _single(
            "QVFW2",
            "SCC1 (secondary CPU) firmware version",
            replace(text_field("scc1_firmware_version", "SCC1 firmware version"), prefix="VERFW2:"),
            24,
        ),
        _single(
            "QMN",
            "Model name",
            replace(text_field("model_name"), pattern=r"[ -~]*[A-Za-z][ -~]*"),
            28,
        ),
        _single(
            "QGMN",
            "General model number",
            replace(text_field("general_model_number"), pattern=r"[0-9]{1,6}"),
            12,
        ),
        _single(
            "QMOD",
            "Device mode",
            enumerated("device_mode", DEVICE_MODES, "Device mode", "mdi:state-machine"),
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
            tuple(Field(name, label_from_key(name), "bool") for name in qflag.values()),
            expected_response_bytes=24,
        ),
        Command(
            "QPIWS",
            "Device warning status",
            "query",
            "bits",
            optional_after(
                tuple(bit_field(b) for b in (QPIWS_BITS_MAX if max_variant else QPIWS_BITS)), 32
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
            "QBOOT",
            "DSP has bootstrap",
            enumerated("dsp_has_bootstrap", YES_NO, "DSP has bootstrap"),
            6,
        ),
        _single(
            "QOPM",
            "Output mode",
            enumerated(
                "output_mode", OUTPUT_MODES_MAX if max_variant else OUTPUT_MODES, "Output mode"
            ),
            8,
        ),
        _single("QCST", "Charging stage", enumerated("charging_stage", CHARGING_STAGES), 7),
        _single("QCVT", "C.V. charging time", minutes("cv_charging_time", "C.V. charging time"), 8),
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
                replace(
                    text_field("scc2_firmware_version", "SCC2 firmware version"), prefix="VERFW3:"
                ),
                24,
            ),
            _single(
                "QVFW4",
                "SCC3 firmware version",
                replace(
                    text_field("scc3_firmware_version", "SCC3 firmware version"), prefix="VERFW4:"
                ),
                24,
            ),
            Command(
                "QSID",
                "Device serial number (long form)",
                "query",
                "serial20",
                (text_field("serial_number", icon="mdi:identifier"),),
                expected_response_bytes=30,
            ),
            Command(
                "QPIGS2",
                "General status parameters, PV2",
                "query",
                "fields",
                (
                    amps("pv2_input_current", "PV2 input current", "float"),
                    volts("pv2_input_voltage", "PV2 input voltage"),
                    watts("pv2_charging_power", "PV2 charging power"),
                ),
                expected_response_bytes=80,  # the MST variant answers 12 fields
            ),
            Command(
                "QT",
                "Device time",
                "query",
                "datetime",
                (text_field("device_time", "Device time", icon="mdi:clock-outline"),),
                expected_response_bytes=20,
            ),
            _single(
                "QET",
                "Total PV generated energy",
                watt_hours("total_pv_generated_energy", "Total PV generated energy"),
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
                watt_hours("total_output_load_energy", "Total output load energy"),
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


def energy_totals(max_variant: bool) -> Command:
    where = "QET/QLT counters for PV and load, the rest" if max_variant else "all"
    return Command(
        ENERGY_COMMAND,
        f"Energy totals in kWh for the Energy dashboard ({where} integrated by the worker "
        "from QPIGS); answered by the worker, kept across its restarts",
        "query",
        "worker",
        (
            kilowatt_hours(energy.PV, "PV production"),
            kilowatt_hours(energy.LOAD, "Load consumption"),
            kilowatt_hours(energy.GRID, "Grid import"),
            kilowatt_hours(energy.CHARGE, "Battery charge"),
            kilowatt_hours(energy.DISCHARGE, "Battery discharge"),
        ),
        expected_response_bytes=0,
    )
