"""What a simulated unit answers to each catalogued query, in the real fixed-width formats.

Each answer function gives the formatted value of every field *by catalogue key*; the order of
the fields on the wire and which fields a variant has come from the catalogue itself, so no
field list is written twice. Bit strings (QPIWS), flag letters (QFLAG) and option lists are
rendered from the catalogue's names the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..protocol.catalogue import Catalogue, Command
from .environment import CH_READING, noise
from .ledger import EnergyLedger
from .plant import OperatingPoint
from .profiles import ModelProfile
from .settings import InverterSettings


class Refused(Exception):
    """The unit answers this request with (NAK (e.g. QPGS3 on a single unit)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything an answer is made from, taken at one instant."""

    catalogue: Catalogue
    profile: ModelProfile
    settings: InverterSettings
    op: OperatingPoint
    now: datetime  # simulation time
    seed: int
    ledger: EnergyLedger
    warnings: frozenset[str]
    config_changed: bool

    @property
    def device_time(self) -> datetime:
        return self.now + timedelta(seconds=self.settings.clock_offset_s)

    def jitter(self, channel: int, amplitude: float) -> float:
        """Reading noise: +-amplitude, fixed for a given (seed, channel, simulated second)."""
        second = int((self.now - datetime(2000, 1, 1)).total_seconds())
        return (noise(self.seed, CH_READING * 1000 + channel, second) - 0.5) * 2 * amplitude


FieldValues = Mapping[str, object]  # str for a field, bool per flag name of a flags field
Answer = Callable[[Snapshot, "str | None"], "FieldValues | str"]


def f1(value: float, width: int) -> str:
    return f"{max(0.0, value):0{width}.1f}"


def f2(value: float, width: int) -> str:
    return f"{max(0.0, value):0{width}.2f}"


def d(value: float, width: int) -> str:
    return f"{max(0, round(value)):0{width}d}"


# -- live readings ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Readings:
    ac_input_voltage: float
    ac_input_frequency: float
    ac_output_voltage: float
    ac_output_frequency: float
    active_w: int
    apparent_va: int
    load_percent: int
    bus_voltage: int
    battery_voltage: float
    temperature: int
    pv_voltage: tuple[float, ...]
    pv_power: tuple[int, ...]
    load_on: bool


def readings(s: Snapshot) -> Readings:
    op, settings, profile = s.op, s.settings, s.profile
    grid = op.grid_available
    ac_in_v = 230.0 + s.jitter(1, 2.0) if grid else 0.0
    ac_in_f = 50.0 + s.jitter(2, 0.08) if grid else 0.0
    load_on = op.mode != "S"
    active = round(op.load_demand_w) if load_on else 0
    apparent = round(active / 0.8 + 12) if active else 0
    out_f = ac_in_f if op.mode == "L" else settings.ac_output_frequency + s.jitter(3, 0.03)
    load_pct = max(active / profile.rated_w, apparent / profile.rated_va) * 100
    battery_v = op.battery_voltage + settings.battery_calibration_steps * 0.05 + s.jitter(4, 0.02)
    pv_voltage = []
    for i, (available, peak) in enumerate(zip(op.pv_available_w, profile.pv_peak_w, strict=True)):
        if available <= 0:
            pv_voltage.append(0.0)
            continue
        light = min(1.0, available / peak * 4)
        pv_voltage.append(profile.pv_mpp_voltage[i] * (0.9 + 0.1 * light) + s.jitter(10 + i, 0.8))
    return Readings(
        ac_input_voltage=ac_in_v,
        ac_input_frequency=ac_in_f,
        ac_output_voltage=settings.ac_output_voltage + s.jitter(5, 0.5) if load_on else 0.0,
        ac_output_frequency=out_f if load_on else 0.0,
        active_w=active,
        apparent_va=apparent,
        load_percent=round(load_pct),
        bus_voltage=round(380 + (40 if op.mode == "B" else 10) + s.jitter(6, 4)),
        battery_voltage=battery_v,
        temperature=round(27 + 30 * load_pct / 100 + 0.2 * op.charge_current + s.jitter(7, 1)),
        pv_voltage=tuple(pv_voltage),
        pv_power=tuple(round(w) for w in op.pv_used_w),
        load_on=load_on,
    )


def qpigs(s: Snapshot, _arg: str | None) -> FieldValues:
    r, op, profile = readings(s), s.op, s.profile
    pv1_w, pv1_v = r.pv_power[0], r.pv_voltage[0]
    if profile.pv_current_battery_side:
        pv1_a = pv1_w / r.battery_voltage if pv1_w else 0.0
    else:
        pv1_a = pv1_w / pv1_v if pv1_w and pv1_v else 0.0
    return {
        "ac_input_voltage": f1(r.ac_input_voltage, 5),
        "ac_input_frequency": f1(r.ac_input_frequency, 4),
        "ac_output_voltage": f1(r.ac_output_voltage, 5),
        "ac_output_frequency": f1(r.ac_output_frequency, 4),
        "ac_output_apparent_power": d(r.apparent_va, 4),
        "ac_output_active_power": d(r.active_w, 4),
        "ac_output_load": d(r.load_percent, 3),
        "bus_voltage": d(r.bus_voltage, 3),
        "battery_voltage": f2(r.battery_voltage, 5),
        "battery_charging_current": d(op.charge_current, 3),
        "battery_capacity": d(op.soc, 3),
        "inverter_heat_sink_temperature": d(r.temperature, 4),
        "pv_input_current_for_battery": d(pv1_a, 4),
        "pv_input_voltage": f1(pv1_v, 5),
        "battery_voltage_from_scc": f2(r.battery_voltage - 0.05 if pv1_w else 0.0, 5),
        "battery_discharge_current": d(op.discharge_current, 5),
        "is_sbu_priority_version_added": profile.sbu_priority_version_added,
        "is_configuration_changed": s.config_changed,
        "is_scc_firmware_updated": False,
        "is_load_on": r.load_on,
        "is_battery_voltage_to_steady_while_charging": op.stage == "absorb",
        "is_charging_on": op.charging,
        "is_scc_charging_on": op.solar_charge_current > 0.05,
        "is_ac_charging_on": op.ac_charge_current > 0.05,
        "battery_voltage_offset_for_fans_on": "00",
        "eeprom_version": "00",
        "pv_input_power": d(pv1_w, 5),
        # the REVO layout: PV power and today's PV energy in place of the PV current and the
        # battery discharge current
        "pv_power": d(pv1_w, 4),
        "pv_energy_today": d(s.ledger.day(s.now.date())["pv_wh"], 5),
        "is_charging_to_float": op.stage == "float",
        "is_switched_on": True,
        "is_reserved": False,
        "is_dustproof_installed": False,
        "solar_feed_to_grid": "1" if s.settings.flags.get("d") else "0",
        "country": "01",
        "solar_feed_to_grid_power": "00000",
    }


def _tracker(r: Readings, index: int) -> tuple[float, float, int]:
    watts = r.pv_power[index] if len(r.pv_power) > index else 0
    volts = r.pv_voltage[index] if len(r.pv_voltage) > index else 0.0
    return (watts / volts if watts and volts else 0.0), volts, watts


def qpigs2(s: Snapshot, _arg: str | None) -> FieldValues | str:
    r = readings(s)
    amps, volts, watts = _tracker(r, 1)
    if len(s.catalogue.get("QPIGS2").fields) == 3:
        # real units end this answer with a space before the CRC
        return f"{f1(amps, 4)} {f1(volts, 5)} {d(watts, 5)} "
    # the 3-tracker layout (PIP-MST): PV2, PV3, AC charging and the PV total
    amps3, volts3, watts3 = _tracker(r, 2)
    ac_amps = s.op.ac_charge_current
    scc_v = f1(r.battery_voltage - 0.05, 4)
    return {
        "pv2_input_current": f1(amps, 4),
        "pv2_input_voltage": f1(volts, 5),
        "battery_voltage_from_scc2": scc_v if watts else "00.0",
        "pv2_charging_power": d(watts, 5),
        "qpigs2_device_status": "00000000",
        "ac_charging_current": f1(ac_amps, 4),
        "ac_charging_power": d(ac_amps * r.battery_voltage, 5),
        "pv3_input_current": f1(amps3, 4),
        "pv3_input_voltage": f1(volts3, 5),
        "battery_voltage_from_scc3": scc_v if watts3 else "00.0",
        "pv3_charging_power": d(watts3, 5),
        "pv_total_charging_power": d(sum(r.pv_power), 5),
    }


def _settings_values(
    settings: InverterSettings, profile: ModelProfile, max_ac_width: int
) -> dict[str, object]:
    return {
        "battery_recharge_voltage": f1(settings.battery_recharge_voltage, 4),
        "battery_under_voltage": f1(settings.battery_under_voltage, 4),
        "battery_bulk_charge_voltage": f1(settings.battery_bulk_charge_voltage, 4),
        "battery_float_charge_voltage": f1(settings.battery_float_charge_voltage, 4),
        "battery_type": str(settings.battery_type),
        "max_ac_charging_current": d(settings.max_ac_charging_current, max_ac_width),
        "max_charging_current": d(settings.max_charging_current, 3),
        "input_voltage_range": str(settings.input_voltage_range),
        "output_source_priority": str(settings.output_source_priority),
        "charger_source_priority": str(settings.charger_source_priority),
        "output_mode": str(settings.output_mode),
        "battery_redischarge_voltage": f1(settings.battery_redischarge_voltage, 4),
        "pv_ok_condition": str(settings.pv_ok_condition),
        "pv_power_balance": str(settings.pv_power_balance),
        "ac_output_voltage": f1(settings.ac_output_voltage, 5),
        "ac_output_frequency": f1(settings.ac_output_frequency, 4),
        "max_discharging_current": d(settings.max_discharging_current, 3),
    }


def qpiri(s: Snapshot, _arg: str | None) -> FieldValues:
    p, st = s.profile, s.settings
    values = _settings_values(st, p, p.ac_current_digits)
    values.update(
        {
            "ac_input_voltage": "230.0",
            "ac_input_current": f1(p.ac_input_current, 4),
            "ac_output_current": f1(p.ac_output_current, 4),
            "ac_output_apparent_power": d(p.rated_va, 4),
            "ac_output_active_power": d(p.rated_w, 4),
            "battery_voltage": f1(p.battery_nominal_v, 4),
            "max_parallel_units": p.max_parallel_units,
            "machine_type": p.machine_type,
            "topology": "0",
            "max_charging_time_for_cv_stage": d(st.max_charging_time_for_cv_stage, 3),
            "operation_logic": str(st.operation_logic),
        }
    )
    return values


def qdi(s: Snapshot, _arg: str | None) -> FieldValues:
    p = s.profile
    factory = p.default_settings()
    values = _settings_values(factory, p, 4)
    flag = factory.flags
    values.update(
        {
            "max_charging_current": d(factory.max_charging_current, 2 if p.rated_w < 8000 else 3),
            "buzzer": _bit(flag["a"]),
            "power_saving": _bit(flag["j"]),
            "overload_restart": _bit(flag["u"]),
            "over_temperature_restart": _bit(flag["v"]),
            "lcd_backlight": _bit(flag["x"]),
            "primary_source_interrupt_alarm": _bit(flag["y"]),
            "record_fault_code": _bit(flag["z"]),
            "overload_bypass": _bit(flag["b"]),
            "lcd_reset_to_default": _bit(flag["k"]),
            "max_charging_time_at_cv": d(factory.max_charging_time_for_cv_stage, 3),
        }
    )
    return values


def _bit(value: bool) -> str:
    return "1" if value else "0"


def flag_letters(catalogue: Catalogue) -> tuple[str, ...]:
    """The QFLAG letters of this variant, in the catalogue's order (PE/PD take the same)."""
    rule = catalogue.get("PE").arg
    return tuple((rule.choices or {}) if rule is not None else ())


def qflag(s: Snapshot, _arg: str | None) -> str:
    letters = flag_letters(s.catalogue)
    on = "".join(letter for letter in letters if s.settings.flags.get(letter, False))
    off = "".join(letter for letter in letters if not s.settings.flags.get(letter, False))
    return f"E{on}D{off}"


def qpiws(s: Snapshot, _arg: str | None) -> str:
    names = [f.key for f in s.catalogue.get("QPIWS").fields][: s.profile.qpiws_bits]
    return "".join("1" if name in s.warnings else "0" for name in names)


def qmod(s: Snapshot, _arg: str | None) -> FieldValues:
    return {"device_mode": s.op.mode}


def _options(values: tuple[int, ...]) -> str:
    return " ".join(f"{v:03d}" for v in values)


def q1(s: Snapshot, _arg: str | None) -> FieldValues:
    r, op = readings(s), s.op
    status = {"none": "10", "bulk": "11", "absorb": "12", "float": "13"}[op.stage]
    absorbing = op.stage == "absorb"
    return {
        "time_until_end_of_absorb_charging": d(
            s.settings.max_charging_time_for_cv_stage * 60 if absorbing else 0, 5
        ),
        "time_until_end_of_float_charging": "00000",
        "scc_flag": "01" if op.solar_charge_current > 0.05 else "00",
        "allow_scc_on_flag": "01" if any(w > 0 for w in op.pv_available_w) else "00",
        "charge_average_current": d(op.charge_current, 2),
        "scc_pwm_temperature": d(r.temperature - 2, 3),
        "inverter_temperature": d(r.temperature, 3),
        "battery_temperature": d(24 + s.jitter(20, 1), 3),
        "transformer_temperature": d(r.temperature + 3, 3),
        "gpio13": "00",
        "fan_lock_status": "0",
        "not_used": "000",
        "fan_pwm_speed": d(30 + r.load_percent * 0.6, 4),
        "scc_charge_power": d(op.flows.pv_to_battery_w, 4),
        "parallel_warning": "0000",
        "sync_frequency": f2(r.ac_input_frequency or s.settings.ac_output_frequency, 5),
        "inverter_charge_status": status,
        # the VM II 18-field layout: beyond the timers its fields are kept raw
        **{f"q1_field_{i}": raw for i, raw in enumerate(VMII_Q1_TAIL, start=2)},
    }


# What a VM II answers after the two Q1 timers (a fixed sample: the meaning is unknown).
VMII_Q1_TAIL = (
    "01",
    "01",
    "05",
    "036",
    "5472",
    "031",
    "030",
    "00",
    "00",
    "000",
    "0045",
    "0610",
    "0000",
    "5472",
    "12",
    "010",
)


def _recode(s: Snapshot, key: str, code: int, query: str) -> str:
    """A setting's QPIRI code as ``query`` numbers it (by label: QPGS differs on LV6548)."""
    source = s.catalogue.get("QPIRI").field(key)
    target = s.catalogue.get(query).field(key)
    label = (source.enum or {}).get(str(code)) if source is not None else None
    for other, text in (target.enum or {}).items() if target is not None else ():
        if text == label:
            return other
    return str(code)


def qpgs(s: Snapshot, arg: str | None) -> FieldValues:
    if arg not in (None, "0"):
        raise Refused("a single unit has no parallel unit " + str(arg))
    r, op, p, st = readings(s), s.op, s.profile, s.settings
    charge = round(op.charge_current)
    return {
        "parallel_instance_number": "1",
        "serial_number": p.serial_number,
        "work_mode": op.mode,
        "fault_code": "00",
        "grid_voltage": f1(r.ac_input_voltage, 5),
        "grid_frequency": f2(r.ac_input_frequency, 5),
        "ac_output_voltage": f1(r.ac_output_voltage, 5),
        "ac_output_frequency": f2(r.ac_output_frequency, 5),
        "ac_output_apparent_power": d(r.apparent_va, 4),
        "ac_output_active_power": d(r.active_w, 4),
        "load_percentage": d(r.load_percent, 3),
        "battery_voltage": f1(r.battery_voltage, 4),
        "battery_charging_current": d(charge, 3),
        "battery_capacity": d(op.soc, 3),
        "pv_input_voltage": f1(r.pv_voltage[0], 5),
        "total_charging_current": d(charge, 3),
        "total_ac_output_apparent_power": d(r.apparent_va, 5),
        "total_output_active_power": d(r.active_w, 5),
        "total_ac_output_percentage": d(r.load_percent, 3),
        "is_scc_ok": True,
        "is_ac_charging": op.ac_charge_current > 0.05,
        "is_scc_charging": op.solar_charge_current > 0.05,
        "is_battery_over_voltage": False,
        "is_battery_under_voltage": "battery_low_alarm_warning" in s.warnings,
        "is_line_lost": not op.grid_available,
        "is_load_on": r.load_on,
        "is_configuration_changed": s.config_changed,
        "output_mode": str(st.output_mode),
        "charger_source_priority": _recode(
            s, "charger_source_priority", st.charger_source_priority, "QPGS"
        ),
        "max_charger_current": d(st.max_charging_current, 3),
        "max_charger_range": d(max(p.charging_current_options), 3),
        "max_ac_charger_current": d(st.max_ac_charging_current, 2),
        "pv_input_current": d(r.pv_power[0] / r.pv_voltage[0] if r.pv_voltage[0] else 0, 2),
        "battery_discharge_current": d(op.discharge_current, 3),
        "pv2_input_voltage": f1(r.pv_voltage[1] if len(r.pv_voltage) > 1 else 0.0, 5),
        "pv2_input_current": d(
            r.pv_power[1] / r.pv_voltage[1] if len(r.pv_voltage) > 1 and r.pv_voltage[1] else 0,
            2,
        ),
    }


def qbms(s: Snapshot, _arg: str | None) -> FieldValues:
    st = s.settings
    return {
        "battery_connect_status": "0",
        "battery_capacity_from_bms": d(s.op.soc, 3),
        "battery_force_charging": "0",
        "battery_stop_discharge_flag": "0" if st.discharge_allowed else "1",
        "battery_stop_charge_flag": "0",
        "battery_bulk_charging_voltage_from_bms": d(st.battery_bulk_charge_voltage * 10, 4),
        "battery_float_charging_voltage_from_bms": d(st.battery_float_charge_voltage * 10, 4),
        "battery_cut_off_voltage_from_bms": d(st.battery_under_voltage * 10, 4),
        "battery_max_charging_current": d(st.max_charging_current, 3),
        "battery_max_discharge_current": d(st.max_discharging_current or 150, 3),
    }


def qbeqi(s: Snapshot, _arg: str | None) -> FieldValues:
    return {
        "equalization_enabled": "0",
        "equalization_time": "030",
        "equalization_period": "030",
        "equalization_max_current": d(s.settings.max_charging_current, 3),
        "reserved_4": "030",
        "equalization_voltage": f2(s.settings.battery_bulk_charge_voltage + 2.0, 5),
        "reserved_6": "224",
        "equalization_over_time": "030",
        "equalization_active": "0",
        "equalization_elapsed_time": "0000",
    }


def _priority_table(command: str, setting: Callable[[InverterSettings], int]) -> Answer:
    """QOPPT / QCHPT: the priority for every hour and the unit's own, all the one in force
    (the simulated unit has no time-of-use schedule)."""

    def answer(s: Snapshot, _arg: str | None) -> FieldValues:
        code = str(setting(s.settings))
        return {f.key: code for f in s.catalogue.get(command).fields}

    return answer


def qled(s: Snapshot, _arg: str | None) -> FieldValues:
    return {
        "led_enabled": "1",
        "led_speed": "1",
        "led_effect": "0",
        "led_brightness": "5",
        "led_number_of_colors": "3",
        "rgb": "148000211",
    }


# -- energy counters (PI30MAX) ----------------------------------------------------------------
def _energy(kind: str, base: Callable[[ModelProfile], int]) -> Answer:
    """QET/QLT (totals) and QEY/QEM/QED, QLY/QLM/QLD (per period) from the ledger."""
    key = "pv_wh" if kind == "pv" else "load_wh"

    def answer(s: Snapshot, arg: str | None) -> str:
        ledger = s.ledger
        if arg is None:
            value = base(s.profile) + ledger.totals()[key]
        elif len(arg) == 4:
            value = ledger.sum_days(int(arg))[key]
        elif len(arg) == 6:
            value = ledger.sum_days(int(arg[:4]), int(arg[4:]))[key]
        else:
            try:
                day = date(int(arg[:4]), int(arg[4:6]), int(arg[6:8]))
            except ValueError:
                raise Refused(f"no such day {arg}") from None
            value = ledger.day(day)[key]
        return d(value, 8)

    return answer


def text(key: str, value: Callable[[Snapshot], str]) -> Answer:
    return lambda s, _arg: {key: value(s)}


ANSWERS: dict[str, Answer] = {
    "QPI": text("protocol_id", lambda s: "PI30"),
    "QID": text("serial_number", lambda s: s.profile.serial_number),
    "QSID": lambda s, _a: (
        f"{len(s.profile.serial_number):02d}" + s.profile.serial_number.ljust(20, "0")
    ),
    "QVFW": text("main_cpu_firmware_version", lambda s: "VERFW:" + s.profile.firmware),
    "QVFW2": text("scc1_firmware_version", lambda s: "VERFW2:" + s.profile.scc_firmware),
    "QVFW3": text("scc2_firmware_version", lambda s: "VERFW3:" + s.profile.scc_firmware),
    "QVFW4": text("scc3_firmware_version", lambda s: "VERFW4:00000.00"),
    "QMN": text("model_name", lambda s: s.profile.model_name),
    "QGMN": text("general_model_number", lambda s: s.profile.general_model_number),
    "QMOD": qmod,
    "QPIGS": qpigs,
    "QPIGS2": qpigs2,
    "QPIRI": qpiri,
    "QFLAG": qflag,
    "QPIWS": qpiws,
    "QDI": qdi,
    "QMCHGCR": lambda s, _a: _options(s.profile.charging_current_options),
    "QMUCHGCR": lambda s, _a: _options(s.profile.ac_charging_current_options),
    "QMSCHGCR": lambda s, _a: _options(s.profile.solar_charging_current_options),
    "QBOOT": text("dsp_has_bootstrap", lambda s: "0"),
    "QOPM": text("output_mode", lambda s: str(s.settings.output_mode)),
    "QCST": text("charging_stage", lambda s: f"{s.settings.charging_stage:02d}"),
    "QCVT": text("cv_charging_time", lambda s: d(s.settings.max_charging_time_for_cv_stage, 3)),
    "Q1": q1,
    "QPGS": qpgs,
    "QBMS": qbms,
    "QT": lambda s, _a: s.device_time.strftime("%Y%m%d%H%M%S"),
    "QET": _energy("pv", lambda p: p.energy_base_pv_wh),
    "QEY": _energy("pv", lambda p: p.energy_base_pv_wh),
    "QEM": _energy("pv", lambda p: p.energy_base_pv_wh),
    "QED": _energy("pv", lambda p: p.energy_base_pv_wh),
    "QLT": _energy("load", lambda p: p.energy_base_load_wh),
    "QLY": _energy("load", lambda p: p.energy_base_load_wh),
    "QLM": _energy("load", lambda p: p.energy_base_load_wh),
    "QLD": _energy("load", lambda p: p.energy_base_load_wh),
    "QBEQI": qbeqi,
    "QOPPT": _priority_table("QOPPT", lambda st: st.output_source_priority),
    "QCHPT": _priority_table("QCHPT", lambda st: st.charger_source_priority),
    "QLED": qled,
}


def render(cmd: Command, arg: str | None, snapshot: Snapshot) -> str:
    """The payload (between '(' and the CRC) of the answer to ``cmd``."""
    answer = ANSWERS.get(cmd.name)
    if answer is None:
        raise KeyError(f"the simulator has no answer for {cmd.name}")
    result = answer(snapshot, arg)
    if isinstance(result, str):
        return result
    parts: list[str] = []
    for fld in cmd.fields:
        if fld.type == "flags":
            parts.append("".join("1" if result[name] else "0" for name in fld.flags or ()))
        else:
            parts.append(str(result[fld.key]))
    return " ".join(parts)
