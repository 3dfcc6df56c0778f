"""The setter commands of PI30 and PI30MAX: argument rules, read-backs, dangerous setters."""

from __future__ import annotations

from collections.abc import Mapping

from .enums import (
    BATTERY_TYPES,
    BATTERY_TYPES_MAX,
    CHARGER_SOURCE_PRIORITIES,
    CHARGING_STAGES,
    INPUT_VOLTAGE_RANGES,
    OPERATION_LOGICS,
    OUTPUT_MODES,
    OUTPUT_SOURCE_PRIORITIES,
    OUTPUT_SOURCE_PRIORITIES_MAX,
    PV_OK_CONDITIONS,
    PV_POWER_BALANCES,
    QFLAG_LETTERS,
    QFLAG_LETTERS_MAX,
    two_digit,
)
from .schema import ArgRule, Command, Readback


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
    return ArgRule("choice", choices=two_digit(labels), aliases=aliases)


def rb_qpiri(field_key: str) -> Readback:
    return Readback("QPIRI", field_key)


def _lower_labels(labels: Mapping[str, str], width: int = 2) -> dict[str, str]:
    return {label.lower(): f"{int(code):0{width}d}" for code, label in labels.items()}


def setter_commands(max_variant: bool) -> list[Command]:
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
                "unit_choice", choices=two_digit(CHARGER_SOURCE_PRIORITIES), aliases=pcp_aliases
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
