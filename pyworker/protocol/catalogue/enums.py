"""Enumerations: wire code -> label tables, QFLAG letters, status flag and warning bit names."""

from __future__ import annotations

from collections.abc import Mapping

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


def two_digit(labels: Mapping[str, str]) -> dict[str, str]:
    return {f"{int(code):02d}": label for code, label in labels.items()}
