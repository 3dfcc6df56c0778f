"""A virtual PI30 unit at the level of command texts: answers queries from its live state,
applies setters to its settings, refuses what a real unit refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

from ..errors import Pi30Error
from ..protocol import Command, SetterContext, normalize_setter
from ..protocol.catalogue.profiles import catalogue_for, setting_code
from .answers import Refused, Snapshot, flag_letters, render
from .environment import Environment
from .ledger import EnergyLedger
from .plant import OperatingPoint, Plant
from .profiles import ModelProfile

OutcomeKind = Literal["answer", "ack", "nak", "unsupported"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    payload: str = ""
    command: str = ""  # catalogue name (QPIGS, QED, POP) or the raw text when unknown
    applied: bool = False  # a setter changed the settings


class VirtualInverter:
    def __init__(
        self,
        profile: ModelProfile,
        environment: Environment,
        start: datetime,
        *,
        seed: int = 0,
        soc: float = 80.0,
    ) -> None:
        self.profile = profile
        self.catalogue = catalogue_for(profile.protocol, profile.device_profile)
        self.settings = profile.default_settings()
        self.env = environment
        self.ledger = EnergyLedger()
        self.plant = Plant(profile, self.settings, environment, self.ledger, start, soc)
        self.seed = seed
        self.config_changed = False
        self.ignore_writes = False
        self.forced_warnings: set[str] = set()
        self.context = SetterContext(
            nominal_battery_voltage=profile.battery_nominal_v,
            current_options={
                "QMCHGCR": profile.charging_current_options,
                "QMUCHGCR": profile.ac_charging_current_options,
                "QMSCHGCR": profile.solar_charging_current_options,
            },
        )
        self._setters = sorted(self.catalogue.setters, key=lambda c: -len(c.name))

    # -- state ----------------------------------------------------------------------------
    def operating_point(self, now: datetime) -> OperatingPoint:
        self.plant.advance(now)
        return self.plant.operating_point(now)

    def warnings(self, op: OperatingPoint) -> frozenset[str]:
        names = set(self.forced_warnings)
        settings = self.settings
        if not op.grid_available:
            names.add("line_fail_warning")
        low = settings.battery_under_voltage + 2.0 * self.profile.battery_nominal_v / 48
        if op.discharge_current > 0 and op.battery_voltage < low:
            names.add("battery_low_alarm_warning")
        if self.plant.state.low_battery_shutdown:
            names.add("battery_under_shutdown_warning")
        if op.load_demand_w > self.profile.rated_w * 1.1:
            names.add("overload_fault")
        return frozenset(names)

    def warning_names(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.catalogue.get("QPIWS").fields)

    def snapshot(self, now: datetime) -> Snapshot:
        op = self.operating_point(now)
        return Snapshot(
            catalogue=self.catalogue,
            profile=self.profile,
            settings=self.settings,
            op=op,
            now=now,
            seed=self.seed,
            ledger=self.ledger,
            warnings=self.warnings(op),
            config_changed=self.config_changed,
        )

    # -- requests ---------------------------------------------------------------------------
    def handle(self, text: str, now: datetime) -> Outcome:
        """Answer one request given as its command text (``QPIGS``, ``POP02``)."""
        if text.startswith("Q"):
            return self._query(text, now)
        for cmd in self._setters:
            if text.startswith(cmd.name):
                return self._setter(cmd, text[len(cmd.name) :], now)
        return Outcome("unsupported", command=text)

    def _query(self, text: str, now: datetime) -> Outcome:
        try:
            cmd, arg = self.catalogue.resolve(text)
        except Pi30Error:
            return Outcome("unsupported", command=text)
        if cmd.kind != "query":
            return Outcome("unsupported", command=text)
        if cmd.name in self.profile.refused_queries:
            return Outcome("nak", command=cmd.name)
        try:
            payload = render(cmd, arg, self.snapshot(now))
        except Refused:
            return Outcome("nak", command=cmd.name)
        if cmd.name == "QPIRI":
            self.config_changed = False
        return Outcome("answer", payload, command=cmd.name)

    def _setter(self, cmd: Command, arg: str, now: datetime) -> Outcome:
        change = self._validate(cmd, arg, now)
        if change is None:
            return Outcome("nak", command=cmd.name)
        if self.ignore_writes:
            return Outcome("ack", command=cmd.name)
        change()
        self.config_changed = True
        return Outcome("ack", command=cmd.name, applied=True)

    def _validate(self, cmd: Command, arg: str, now: datetime) -> Callable[[], None] | None:
        """The change a setter makes, or None when this unit refuses it (NAK)."""
        if cmd.name in self.profile.unsupported_setters:
            return None
        try:
            current = cmd.arg is not None and cmd.arg.kind == "current" and arg.isdigit()
            canonical = normalize_setter(
                cmd.name,
                int(arg) if current else (arg or None),  # a current: the unit's own width
                protocol=self.profile.protocol,
                context=self.context,
                profile=self.profile.device_profile,
            )
        except Pi30Error:
            return None
        if canonical != cmd.name + arg:
            return None  # the unit takes only its exact wire form (digit width, decimals)
        rule = _RULES.get(cmd.name)
        if rule is None:  # pragma: no cover - every catalogued setter has a rule
            return None
        return rule(self, arg, now)

    # -- helpers used by the setter rules ------------------------------------------------------
    def set_field(self, name: str, value: object) -> Callable[[], None]:
        return lambda: setattr(self.settings, name, value)

    def reset_settings(self) -> None:
        factory = self.profile.default_settings()
        offset = self.settings.clock_offset_s
        for f in fields(factory):
            setattr(self.settings, f.name, getattr(factory, f.name))
        self.settings.clock_offset_s = offset


Rule = Callable[[VirtualInverter, str, datetime], "Callable[[], None] | None"]


def _int_field(name: str) -> Rule:
    return lambda inv, arg, _now: inv.set_field(name, int(arg))


def _float_field(name: str, check: Callable[[VirtualInverter, float], bool] | None = None) -> Rule:
    def rule(inv: VirtualInverter, arg: str, _now: datetime) -> Callable[[], None] | None:
        value = float(arg)
        if check is not None and not check(inv, value):
            return None
        return inv.set_field(name, value)

    return rule


def _charger_priority(inv: VirtualInverter, arg: str, _now: datetime) -> Callable[[], None] | None:
    code = int(arg[-2:])
    if code not in inv.profile.charger_priorities:
        return None  # e.g. PCP02 (Solar + Utility) on a family that lacks it
    if len(arg) == 3 and arg[0] != "0":
        return None  # PPCPm: a single unit has only unit 0
    # QPIRI may number the same setting otherwise (LV6548: PCP00 reads back as 1)
    stored = setting_code(inv.catalogue, inv.catalogue.get("PCP"), f"{code:02d}")
    return inv.set_field("charger_source_priority", int(stored) if stored else code)


def _unit0(name: str, width: int) -> Rule:
    def rule(inv: VirtualInverter, arg: str, _now: datetime) -> Callable[[], None] | None:
        if arg[0] != "0":
            return None
        return inv.set_field(name, int(arg[1 : 1 + width]))

    return rule


def _flags(enable: bool) -> Rule:
    def rule(inv: VirtualInverter, arg: str, _now: datetime) -> Callable[[], None] | None:
        known = flag_letters(inv.catalogue)
        if any(letter not in known for letter in arg):
            return None

        def change() -> None:
            for letter in arg:
                inv.settings.flags[letter] = enable

        return change

    return rule


def _date_time(inv: VirtualInverter, arg: str, now: datetime) -> Callable[[], None] | None:
    try:
        when = datetime.strptime(arg, "%Y%m%d%H%M%S" if len(arg) == 14 else "%y%m%d%H%M%S")
    except ValueError:
        return None
    return inv.set_field("clock_offset_s", (when - now).total_seconds())


def _calibration(inv: VirtualInverter, arg: str, _now: datetime) -> Callable[[], None] | None:
    steps = inv.settings.battery_calibration_steps + int(arg)
    if abs(steps) > 9:
        return None
    return inv.set_field("battery_calibration_steps", steps)


def _recharge_ok(inv: VirtualInverter, v: float) -> bool:
    s = inv.settings
    return (s.battery_redischarge_voltage == 0 or v < s.battery_redischarge_voltage) and (
        v > s.battery_under_voltage
    )


_RULES: dict[str, Rule] = {
    "POP": _int_field("output_source_priority"),
    "PCP": _charger_priority,
    "PPCP": _charger_priority,
    "POPM": _unit0("output_mode", 1),
    "POPLG": _int_field("operation_logic"),
    # the unit's own consistency rules: recharge < re-discharge, cut-off < recharge,
    # float <= bulk
    "PBCV": _float_field("battery_recharge_voltage", _recharge_ok),
    "PBDV": _float_field(
        "battery_redischarge_voltage",
        lambda inv, v: v == 0 or v > inv.settings.battery_recharge_voltage,
    ),
    "PBFT": _float_field(
        "battery_float_charge_voltage",
        lambda inv, v: v <= inv.settings.battery_bulk_charge_voltage,
    ),
    "PCVV": _float_field(
        "battery_bulk_charge_voltage",
        lambda inv, v: v >= inv.settings.battery_float_charge_voltage,
    ),
    "PSDV": _float_field(
        "battery_under_voltage", lambda inv, v: v < inv.settings.battery_recharge_voltage
    ),
    "MCHGC": _int_field("max_charging_current"),
    "MNCHGC": _unit0("max_charging_current", 3),
    "MUCHGC": _int_field("max_ac_charging_current"),
    "MSCHGC": _int_field("max_solar_charging_current"),
    "PBT": _int_field("battery_type"),
    "PGR": _int_field("input_voltage_range"),
    "F": _float_field("ac_output_frequency"),
    "PE": _flags(True),
    "PD": _flags(False),
    "PF": lambda inv, _arg, _now: inv.reset_settings,
    "PCST": _int_field("charging_stage"),
    "PCVT": _int_field("max_charging_time_for_cv_stage"),
    "PPVOKC": _int_field("pv_ok_condition"),
    "PSPB": _int_field("pv_power_balance"),
    "PBATCD": lambda inv, arg, _now: inv.set_field("battery_control", arg),
    "DAT": _date_time,
    "PBATMAXDISC": _int_field("max_discharging_current"),
    "BTA": _calibration,
    "PSAVE": lambda _inv, _arg, _now: lambda: None,
}
