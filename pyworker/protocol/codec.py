"""Encode requests and decode answers. Pure functions over bytes: no I/O, no clocks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..errors import (
    CrcError,
    InvalidValueError,
    MalformedError,
    NakError,
    UnsupportedError,
    WrongProtocolError,
)
from .catalogue import QFLAG_LETTERS_MAX, ArgRule, Catalogue, Command, Field, get_catalogue
from .crc import crc_bytes, crc_matches

_COMMAND_TEXT = re.compile(r"[A-Z0-9^+\-.]+")


@dataclass(frozen=True)
class SetterContext:
    """What the worker knows about the unit that tightens the catalogue's rules.

    ``current_options`` maps an options query (``QMCHGCR``...) to the unit's own list.
    """

    nominal_battery_voltage: int = 48
    current_options: Mapping[str, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decoded:
    command: str
    data: dict[str, Any]
    units: dict[str, str]
    raw: str


# ------------------------------------------------------------------------------------------
# Requests
# ------------------------------------------------------------------------------------------
def encode_raw(text: str, *, adjust_zero: bool = True) -> bytes:
    """Frame any command text, catalogued or not: the explicit escape hatch."""
    body = text.encode("ascii")
    return body + crc_bytes(body, adjust=True, adjust_zero=adjust_zero) + b"\r"


def encode(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    adjust_zero: bool = True,
) -> bytes:
    """The request frame for a catalogued query (``QPGS1``) or setter (``POP``, value 2)."""
    return encode_raw(
        command_text(command, value, protocol=protocol, context=context), adjust_zero=adjust_zero
    )


def command_text(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
) -> str:
    catalogue = get_catalogue(protocol)
    name = command.strip().upper()
    if name in catalogue.commands and catalogue.commands[name].kind == "setter":
        return normalize_setter(name, value, protocol=protocol, context=context)
    cmd, arg = catalogue.resolve(name)
    if cmd.kind == "setter":  # pragma: no cover - resolve only matches patterns of queries
        return normalize_setter(cmd.name, value, protocol=protocol, context=context)
    if value is not None and value != "":
        raise InvalidValueError(f"{cmd.name} is a query and takes no value", allowed=[])
    return cmd.name + (arg or "")


def normalize_setter(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
) -> str:
    """Validate a friendly setter value and return the exact command text (``POP02``)."""
    catalogue = get_catalogue(protocol)
    cmd = catalogue.get(command)
    if cmd.kind != "setter" or cmd.arg is None:
        raise InvalidValueError(f"{cmd.name} is not a setter", allowed=[])
    return cmd.name + format_argument(cmd, cmd.arg, value, context or SetterContext())


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
        lo, hi = lo / factor, hi / factor
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
        return float(value)
    if isinstance(value, str):
        text = value.strip().rstrip("VvAa").strip()
        try:
            return float(text)
        except ValueError:
            pass
    raise _invalid(cmd, value, ctx, "a number is needed")


def _choice_code(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
    choices = rule.choices or {}
    width = len(next(iter(choices))) if choices else 2
    if isinstance(value, bool):
        raise _invalid(cmd, value, ctx)
    if isinstance(value, int):
        code = f"{value:0{width}d}" if value >= 0 else ""
        if code in choices:
            return code
        raise _invalid(cmd, value, ctx)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            code = f"{int(text):0{width}d}"
            if code in choices:
                return code
        lowered = text.lower()
        for code, label in choices.items():
            if label.lower() == lowered:
                return code
        if rule.aliases and lowered in rule.aliases:
            return rule.aliases[lowered][-width:].rjust(width, "0")
    raise _invalid(cmd, value, ctx)


def _unit_and_value(cmd: Command, value: Any, ctx: SetterContext) -> tuple[int, Any]:
    """Parallel setters take (unit, value): a pair, a mapping or the raw 'm' + 'value' text."""
    if isinstance(value, Mapping):
        unit, inner = value.get("unit"), value.get("value")
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        unit, inner = value[0], value[1]
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 2:
        unit, inner = value.strip()[0], value.strip()[1:]
    else:
        raise _invalid(cmd, value, ctx, "give [unit, value], {unit, value} or 'm'+'value'")
    try:
        unit_number = int(unit)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _invalid(cmd, value, ctx, "the unit number must be 0..9") from None
    if not 0 <= unit_number <= 9:
        raise _invalid(cmd, value, ctx, "the unit number must be 0..9")
    return unit_number, inner


def _flag_letters(cmd: Command, rule: ArgRule, value: Any, ctx: SetterContext) -> str:
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
        if len(items) == 1 and text not in letters_by_name and text.isalpha() and text.islower():
            items = list(text)
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise _invalid(cmd, value, ctx)
    out = ""
    for item in items:
        key = str(item).strip()
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
        unit: int | None = None
        if kind == "unit_current":
            unit, value = _unit_and_value(cmd, value, ctx)
        number = _as_number(cmd, value, ctx)
        if number not in _current_values(rule, ctx) or number != int(number):
            raise _invalid(cmd, value, ctx, "not in the unit's current list")
        text = (rule.fmt or "{:03d}").format(int(number))
        return f"{unit}{text}" if unit is not None else text
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
        if cmd.name == "DAT" and isinstance(value, datetime | date):
            value = value.strftime("%y%m%d%H%M%S")
        if cmd.name == "BTA" and isinstance(value, int) and not isinstance(value, bool):
            value = f"{'+' if value >= 0 else '-'}{abs(value):02d}"
        if cmd.name == "PBATCD" and isinstance(value, Sequence) and not isinstance(value, str):
            value = "".join("1" if bool(v) else "0" for v in value)
        text = str(value).strip()
        if not re.fullmatch(rule.pattern or "", text):
            raise _invalid(cmd, value, ctx)
        return text
    raise _invalid(cmd, value, ctx)  # pragma: no cover - every kind is handled above


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------
def build_response(payload: str, *, terminator: bytes = b"\r", adjust: bool = True) -> bytes:
    """What an inverter sends: ``(`` + payload + CRC + terminator (CRC 0x00 not adjusted)."""
    body = b"(" + payload.encode("ascii")
    return body + crc_bytes(body, adjust=adjust, adjust_zero=False) + terminator


def split_frame(frame: bytes, request: str | None = None) -> str:
    """Check framing and CRC; return the payload text (after ``(``, before the CRC).

    Raises NAK, UNSUPPORTED (request echoed), WRONG_PROTOCOL (``^`` answers), CRC, MALFORMED.
    """
    stripped = frame.rstrip(b"\r\n")
    start = stripped.find(b"(")
    if start < 0:
        body = stripped.lstrip(b"\x00 ")
        if not body:
            raise MalformedError("empty answer")
        if body.startswith(b"^"):
            raise WrongProtocolError(
                "the unit answered in PI17/PI18 style (^...): it does not speak PI30",
                raw=body.decode("latin-1"),
            )
        if request and body.startswith(request.encode("ascii", "replace")):
            raise UnsupportedError(f"{request}: the unit echoed the command back (not supported)")
        raise MalformedError(f"no '(' in the answer {body[:40]!r}")
    body = stripped[start:]
    if body.startswith(b"(NAK"):
        raise NakError(f"{request or 'command'}: the unit refused it (NAK)")
    if len(body) < 3:
        raise MalformedError(f"answer too short: {body!r}")
    content, crc = body[:-2], body[-2:]
    if not crc_matches(content, crc):
        if body.startswith(b"(ACK") and len(body) == 4:
            return "ACK"  # a bare ACK without CRC is still an unmistakable ACK
        raise CrcError(
            f"CRC mismatch: got {crc.hex()}, expected {crc_bytes(content, adjust=False).hex()}",
            raw=body.decode("latin-1"),
        )
    try:
        text = content[1:].decode("ascii")
    except UnicodeDecodeError:
        raise MalformedError(f"non-ASCII payload {content[:40]!r}") from None
    return text.rstrip(" ")


def decode(command: str, frame: bytes, protocol: str = "PI30") -> Decoded:
    """Decode one answer frame to a flat ``data`` dict and its ``units``."""
    catalogue = get_catalogue(protocol)
    cmd = _lookup(catalogue, command)
    request = command.strip().upper()
    payload = split_frame(frame, request)
    if cmd.kind == "setter" or payload == "ACK":
        if payload == "ACK":
            return Decoded(cmd.name, {"ack": True}, {}, payload)
        raise MalformedError(f"{request}: expected ACK or NAK, got {payload[:40]!r}")
    data, units = decode_payload(cmd, payload)
    return Decoded(request if cmd.arg_pattern else cmd.name, data, units, payload)


def _lookup(catalogue: Catalogue, command: str) -> Command:
    name = command.strip().upper()
    for candidate in (name, re.sub(r"\d+$", "", name)):
        cmd = catalogue.commands.get(candidate)
        if cmd is not None and cmd.kind == "setter":
            return cmd
    return catalogue.resolve(name)[0]


def decode_payload(cmd: Command, payload: str) -> tuple[dict[str, Any], dict[str, str]]:
    kind = cmd.response
    data: dict[str, Any] = {}
    units: dict[str, str] = {}
    if kind == "text":
        (fld,) = cmd.fields
        _put(data, units, fld, payload.strip())
    elif kind == "serial20":
        text = payload.strip()
        if len(text) < 2 or not text[:2].isdigit():
            raise MalformedError(f"{cmd.name}: expected a 2-digit length, got {text[:20]!r}")
        length = int(text[:2])
        data[cmd.fields[0].key] = text[2 : 2 + length]
    elif kind == "datetime":
        text = payload.strip()
        if not re.fullmatch(r"\d{14}", text):
            raise MalformedError(f"{cmd.name}: expected YYYYMMDDHHMMSS, got {text[:20]!r}")
        data[cmd.fields[0].key] = (
            f"{text[0:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}"
        )
    elif kind == "fields":
        parts = payload.split()
        if not parts:
            raise MalformedError(f"{cmd.name}: empty answer")
        for index, raw in enumerate(parts):
            if index < len(cmd.fields):
                _put(data, units, cmd.fields[index], raw)
            else:
                data[f"unknown_{index}"] = raw
    elif kind == "bits":
        text = payload.strip()
        if not text or set(text) - {"0", "1"}:
            raise MalformedError(f"{cmd.name}: expected a string of 0/1, got {text[:40]!r}")
        warnings: list[str] = []
        faults: list[str] = []
        for index, char in enumerate(text):
            name = cmd.fields[index].key if index < len(cmd.fields) else f"unknown_{index}"
            active = char == "1"
            data[name] = active
            if active:
                (faults if name.endswith("_fault") else warnings).append(name)
        data["active_warnings"] = warnings
        data["active_faults"] = faults
    elif kind == "qflag":
        _decode_qflag(cmd, payload.strip(), data)
    elif kind == "options":
        parts = payload.split()
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise MalformedError(
                f"{cmd.name}: expected a list of numbers, got {payload[:40]!r}"
            ) from None
        data[cmd.options_key or "options"] = values
        if cmd.options_unit:
            units[cmd.options_key or "options"] = cmd.options_unit
    else:  # pragma: no cover - every response kind is handled above
        raise MalformedError(f"{cmd.name}: cannot decode {kind}")
    return data, units


def _decode_qflag(cmd: Command, text: str, data: dict[str, Any]) -> None:
    match = re.fullmatch(r"E([a-z]*)D([a-z]*)", text)
    if not match:
        raise MalformedError(f"{cmd.name}: expected E<letters>D<letters>, got {text[:40]!r}")
    letter_names = _qflag_names(cmd)
    for enabled, letters in ((True, match.group(1)), (False, match.group(2))):
        for letter in letters:
            key = letter_names.get(letter, f"flag_{letter}")
            data[key] = enabled


def _qflag_names(cmd: Command) -> dict[str, str]:
    keys = {f.key for f in cmd.fields}
    return {letter: name for letter, name in QFLAG_LETTERS_MAX.items() if name in keys}


def _put(data: dict[str, Any], units: dict[str, str], fld: Field, raw: str) -> None:
    if fld.prefix and raw.startswith(fld.prefix):
        raw = raw[len(fld.prefix) :]
    if fld.type == "flags":
        names = fld.flags or ()
        if set(raw) - {"0", "1"}:
            raise MalformedError(f"{fld.key}: expected a string of 0/1, got {raw!r}")
        for index, char in enumerate(raw):
            key = names[index] if index < len(names) else f"{fld.key}_bit_{index}"
            data[key] = char == "1"
        return
    data[fld.key] = parse_value(fld, raw)
    if fld.unit:
        units[fld.key] = fld.unit


def parse_value(fld: Field, raw: str) -> Any:
    if fld.type in ("int", "float"):
        if raw.strip("-") == "" or raw in ("NA", "N/A"):
            return None  # '-' = not applicable (QPIRI max parallel units on single units)
        try:
            number = float(raw) if fld.type == "float" or "." in raw else int(raw)
        except ValueError:
            raise MalformedError(f"{fld.key}: {raw!r} is not a number") from None
        if fld.scale is not None:
            return round(number * fld.scale, 3)
        return number
    if fld.type == "enum":
        enum = fld.enum or {}
        if raw in enum:
            return enum[raw]
        if raw.isdigit():
            for code, label in enum.items():
                if code.isdigit() and int(code) == int(raw):
                    return label
        return f"Unknown ({raw})"
    if fld.type == "bool":
        return raw == "1"
    return raw


def enum_code(fld: Field, label: Any) -> int | None:
    """The numeric code of a decoded enum label (for comparing a read-back with a setter)."""
    for code, text in (fld.enum or {}).items():
        if text == label and code.isdigit():
            return int(code)
    return None
