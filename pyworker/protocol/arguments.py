"""Setter argument rules: a friendly value checked against the catalogue (and the unit's own
rules) and written as the exact argument text. Pure functions: no I/O."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..errors import InvalidValueError
from .catalogue import ArgRule, Command

_DIGITS = re.compile(r"[0-9]+")
# A friendly number may carry its unit: "46", "46.0 V", "30A", "50Hz".
_NUMBER_WITH_UNIT = re.compile(
    r"\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*(?:v|a|hz|min|w)?\s*", re.IGNORECASE
)


@dataclass(frozen=True)
class SetterContext:
    """What the worker knows about the unit that tightens the catalogue's rules.

    ``current_options`` maps an options query (``QMCHGCR``...) to the unit's own list.
    ``current_digits`` overrides the digit width of a current setter's argument for firmwares
    that want another width (``{"MUCHGC": 4}`` -> ``MUCHGC0020``).
    """

    nominal_battery_voltage: int = 48
    current_options: Mapping[str, Sequence[int]] = field(default_factory=dict)
    current_digits: Mapping[str, int] = field(default_factory=dict)


def allowed_values(cmd: Command, context: SetterContext | None = None) -> list[Any]:
    """What a setter accepts on this unit, for error messages and editor dropdowns."""
    rule = cmd.arg
    ctx = context or SetterContext()
    if rule is None:
        return []
    if rule.kind in ("choice", "unit_choice"):
        return [f"{code} ({label})" for code, label in (rule.choices or {}).items()]
    if rule.kind == "flags":
        return [f"{letter} ({name})" for letter, name in (rule.choices or {}).items()]
    if rule.kind in ("current", "unit_current"):
        return [int(v) for v in _current_values(rule, ctx)]
    if rule.kind == "number":
        values = _number_values(rule, ctx)
        if values is not None:
            return list(values)
        lo, hi = _scaled_range(rule, ctx)
        return [f"{lo:g}..{hi:g} step {rule.step:g}" + (" or 0" if rule.zero_allowed else "")]
    if rule.kind == "pattern":
        return [rule.description or rule.pattern or ""]
    return []


def _current_values(rule: ArgRule, ctx: SetterContext) -> tuple[float, ...]:
    if rule.options_query and ctx.current_options.get(rule.options_query):
        return tuple(float(v) for v in ctx.current_options[rule.options_query])
    return rule.values or ()


def _number_values(rule: ArgRule, ctx: SetterContext) -> tuple[float, ...] | None:
    if rule.values_by_battery is not None:
        base = rule.values_by_battery.get(ctx.nominal_battery_voltage)
        if base is None:
            base = rule.values_by_battery[48]
        return ((0.0,) if rule.zero_allowed else ()) + base
    if rule.values is not None:
        return rule.values
    return None


def _scaled_range(rule: ArgRule, ctx: SetterContext) -> tuple[float, float]:
    lo, hi = float(rule.minimum or 0), float(rule.maximum or 0)
    if rule.scale_by_battery and ctx.nominal_battery_voltage in (12, 24):
        factor = 48 / ctx.nominal_battery_voltage
        lo, hi = round(lo / factor, 2), round(hi / factor, 2)
    return lo, hi


def _invalid(cmd: Command, value: Any, ctx: SetterContext, why: str = "") -> InvalidValueError:
    allowed = allowed_values(cmd, ctx)
    shown = ", ".join(str(a) for a in allowed)
    reason = f" ({why})" if why else ""
    return InvalidValueError(
        f"{cmd.name}: {value!r} is not allowed{reason}; allowed: {shown}", allowed
    )


def _as_number(cmd: Command, value: Any, ctx: SetterContext) -> float:
    if isinstance(value, bool):
        raise _invalid(cmd, value, ctx, "a number is needed")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _invalid(cmd, value, ctx, "a number is needed")
        return float(value)
    if isinstance(value, str):
        match = _NUMBER_WITH_UNIT.fullmatch(value)
        if match:
            return float(match.group(1))
    raise _invalid(cmd, value, ctx, "a number is needed")


def _choice_code(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    """ "02", "2", 2, 2.0, "SBU first" or an alias -> the wire code."""
    choices = rule.choices or {}
    width = len(next(iter(choices))) if choices else 2
    if isinstance(value, bool):
        raise _invalid(cmd, value, ctx)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        code = f"{value:0{width}d}" if value >= 0 else ""
        if code in choices:
            return code
        raise _invalid(cmd, value, ctx)
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.fullmatch(text):
            code = f"{int(text):0{width}d}"
            if code in choices:
                return code
            raise _invalid(cmd, value, ctx)
        lowered = text.lower()
        for code, label in choices.items():
            if label.lower() == lowered:
                return code
        if rule.aliases and lowered in rule.aliases:
            code = f"{int(rule.aliases[lowered]):0{width}d}"
            if code in choices:
                return code
    raise _invalid(cmd, value, ctx)


def _unit_and_value(cmd: Command, value: Any, ctx: SetterContext) -> tuple[int, Any]:
    """Parallel setters take (unit, value): a pair, a mapping or the raw 'm' + 'value' text."""
    if isinstance(value, Mapping):
        unit, inner = value.get("unit"), value.get("value")
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        unit, inner = value[0], value[1]
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()) and len(value.strip()) >= 2:
        unit, inner = value.strip()[0], value.strip()[1:]
    else:
        raise _invalid(cmd, value, ctx, "give [unit, value], {unit, value} or 'm'+'value'")
    if isinstance(unit, bool) or not (
        (isinstance(unit, int) and 0 <= unit <= 9)
        or (isinstance(unit, str) and _DIGITS.fullmatch(unit.strip()) and int(unit) <= 9)
    ):
        raise _invalid(cmd, value, ctx, "the unit number must be 0..9")
    return int(unit), inner


def _flag_letters(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    """'a', 'axy', 'buzzer', ['x', 'lcd_backlight'] or {'buzzer': True} -> the letters."""
    letters_by_name = {name: letter for letter, name in (rule.choices or {}).items()}
    items: list[Any]
    if isinstance(value, Mapping):
        items = []
        for key, enabled in value.items():
            if enabled is not True:
                other = "PD" if cmd.name == "PE" else "PE"
                raise _invalid(cmd, value, ctx, f"{cmd.name} takes flags to set true; use {other}")
            items.append(key)
    elif isinstance(value, str):
        text = value.strip()
        items = [p for p in re.split(r"[\s,]+", text) if p]
        # "axy" is three letters; "buzzer" is one name
        if len(items) == 1 and text.lower() not in letters_by_name and text.isalpha():
            items = list(text)
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise _invalid(cmd, value, ctx)
    out = ""
    for item in items:
        if not isinstance(item, str):
            raise _invalid(cmd, value, ctx, f"unknown flag {item!r}")
        key = item.strip()
        if key in (rule.choices or {}):
            letter = key
        elif key.lower() in letters_by_name:
            letter = letters_by_name[key.lower()]
        else:
            raise _invalid(cmd, value, ctx, f"unknown flag {key!r}")
        if letter not in out:
            out += letter
    if not out:
        raise _invalid(cmd, value, ctx, "no flag given")
    return out


def _current_argument(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    unit: int | None = None
    per_unit = rule.kind == "unit_current" or (
        rule.unit_fmt is not None
        and (
            isinstance(value, Mapping)
            or (isinstance(value, Sequence) and not isinstance(value, str))
        )
    )
    if per_unit:
        unit, value = _unit_and_value(cmd, value, ctx)
    number = _as_number(cmd, value, ctx)
    if number not in _current_values(rule, ctx) or number != int(number):
        raise _invalid(cmd, value, ctx, "not in the unit's current list")
    if rule.kind == "current" and unit is not None:
        # the "m+nn" form: two digits after the unit number
        text = (rule.unit_fmt or "{:02d}").format(int(number))
        if len(text) != 2:
            raise _invalid(cmd, value, ctx, f"the m+nn form stops at 99 A; use MN{cmd.name[1:]}")
        return f"{unit}{text}"
    text = (rule.fmt or "{:03d}").format(int(number))
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        # a width given on purpose ("0020" for MUCHGC0020) is kept, never cut
        text = text.rjust(len(value.strip()), "0")
    width = ctx.current_digits.get(cmd.name)
    if width:
        text = text.rjust(width, "0")
    return f"{unit}{text}" if unit is not None else text


def _pattern_argument(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    if cmd.name == "DAT" and isinstance(value, datetime | date):
        short = rule.pattern == r"\d{12}"  # a profile whose unit takes YYMMDDHHMMSS only
        value = value.strftime("%y%m%d%H%M%S" if short else "%Y%m%d%H%M%S")
    elif cmd.name == "BTA" and isinstance(value, int) and not isinstance(value, bool):
        value = f"{'+' if value >= 0 else '-'}{abs(value):02d}"
    elif cmd.name == "PBATCD" and isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 3 or not all(isinstance(v, bool | int) for v in value):
            raise _invalid(cmd, value, ctx)
        value = "".join("1" if v else "0" for v in value)
    if not isinstance(value, str):
        raise _invalid(cmd, value, ctx)
    text = value.strip()
    if not re.fullmatch(rule.pattern or "", text, re.ASCII):
        raise _invalid(cmd, value, ctx)
    if cmd.name == "DAT":
        try:
            datetime.strptime(text, "%Y%m%d%H%M%S" if len(text) == 14 else "%y%m%d%H%M%S")
        except ValueError:
            raise _invalid(cmd, value, ctx, "not a valid date and time") from None
    return text


def format_argument(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    kind = rule.kind
    if kind == "none":
        if value not in (None, "", True):
            raise InvalidValueError(f"{cmd.name} takes no value", allowed=[])
        return ""
    if value is None or value == "":
        raise _invalid(cmd, value, ctx, "a value is needed")
    if kind == "choice":
        return _choice_code(cmd, rule, value, ctx)
    if kind == "unit_choice":
        unit_number, inner = _unit_and_value(cmd, value, ctx)
        return f"{unit_number}{_choice_code(cmd, rule, inner, ctx)}"
    if kind == "flags":
        return _flag_letters(cmd, rule, value, ctx)
    if kind in ("current", "unit_current"):
        return _current_argument(cmd, rule, value, ctx)
    if kind == "number":
        number = _as_number(cmd, value, ctx)
        values = _number_values(rule, ctx)
        if values is not None:
            if not any(abs(number - v) < 1e-6 for v in values):
                raise _invalid(cmd, value, ctx)
        elif not (rule.zero_allowed and number == 0):
            lo, hi = _scaled_range(rule, ctx)
            step = rule.step or 1
            steps = (number - lo) / step
            if not (lo - 1e-9 <= number <= hi + 1e-9) or abs(steps - round(steps)) > 1e-6:
                raise _invalid(cmd, value, ctx)
        return (rule.fmt or "{:g}").format(number)
    if kind == "pattern":
        return _pattern_argument(cmd, rule, value, ctx)
    raise _invalid(cmd, value, ctx)  # pragma: no cover - every kind is handled above
