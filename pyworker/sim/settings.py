"""The settings a simulated unit keeps (what QPIRI, QFLAG, QCST... read back and setters write).

Attribute names are the catalogue's QPIRI field keys where one exists, so a read-back compares
like with like. Enumerations hold their integer wire code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def default_flags() -> dict[str, bool]:
    # A common factory state: buzzer, LCD reset and backlight, interrupt alarm on (EakxyDbjuvz).
    return {
        "a": True,
        "b": False,
        "j": False,
        "k": True,
        "l": False,
        "u": False,
        "v": False,
        "x": True,
        "y": True,
        "z": False,
        "d": False,
    }


@dataclass
class InverterSettings:
    ac_output_voltage: float = 230.0
    ac_output_frequency: float = 50.0
    battery_recharge_voltage: float = 46.0
    battery_under_voltage: float = 42.0
    battery_bulk_charge_voltage: float = 56.4
    battery_float_charge_voltage: float = 54.0
    battery_type: int = 0
    max_ac_charging_current: int = 30
    max_charging_current: int = 60
    max_solar_charging_current: int = 60
    input_voltage_range: int = 0
    output_source_priority: int = 2
    charger_source_priority: int = 1
    output_mode: int = 0
    battery_redischarge_voltage: float = 54.0
    pv_ok_condition: int = 0
    pv_power_balance: int = 1
    max_charging_time_for_cv_stage: int = 120
    operation_logic: int = 0
    max_discharging_current: int = 0  # 0 = no limit (PBATMAXDISC000)
    charging_stage: int = 0
    flags: dict[str, bool] = field(default_factory=default_flags)
    battery_control: str = "000"  # PBATCD abc; a=1: battery discharge off
    battery_calibration_steps: int = 0  # BTA, 0.05 V each
    clock_offset_s: float = 0.0  # DAT: the device clock minus the simulation clock

    @property
    def discharge_allowed(self) -> bool:
        return self.battery_control[:1] != "1"
