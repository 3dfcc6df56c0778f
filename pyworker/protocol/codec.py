"""Encode requests and decode answers. Pure functions over bytes: no I/O, no clocks."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
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
from .catalogue import QFLAG_LETTERS_MAX, ArgRule, Catalogue, Command, Field
from .crc import CRC_FORMS, CrcForm, crc_bytes, crc_forms
from .profiles import catalogue_for

# ASCII only: str.isdigit()/float() would also take "²", "٤٦", "1_0", "nan" or "1e3".
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+")
# A friendly number may carry its unit: "46", "46.0 V", "30A", "50Hz".
_NUMBER_WITH_UNIT = re.compile(
    r"\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*(?:v|a|hz|min|w)?\s*", re.IGNORECASE
)
_QFLAG = re.compile(r"E([a-z]*)D([a-z]*)")
_DATETIME14 = re.compile(r"[0-9]{14}")
_BITS = re.compile(r"[01]+")
# Payload bytes after the CRC check: printable ASCII only.
_PRINTABLE = re.compile(rb"[\x20-\x7e]*")


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


@dataclass(frozen=True)
class Decoded:
    command: str
    data: dict[str, Any]
    units: dict[str, str]
    raw: str
    crc_forms: frozenset[CrcForm] = field(default=frozenset(), compare=False)
    """The CRC forms the answer's CRC verified under (empty for a bare ACK without CRC)."""


# ------------------------------------------------------------------------------------------
# Requests
# ------------------------------------------------------------------------------------------
def encode_raw(text: str, *, adjust_zero: bool = True) -> bytes:
    """Frame any command text, catalogued or not: the explicit escape hatch."""
    if not (text.isascii() and text.isprintable()):
        raise InvalidValueError(f"{text[:40]!r}: a command is printable ASCII only", allowed=[])
    body = text.encode("ascii")
    return body + crc_bytes(body, adjust=True, adjust_zero=adjust_zero) + b"\r"


def encode(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    adjust_zero: bool = True,
    profile: str | None = None,
) -> bytes:
    """The request frame for a catalogued query (``QPGS1``) or setter (``POP``, value 2)."""
    text = command_text(command, value, protocol=protocol, context=context, profile=profile)
    return encode_raw(text, adjust_zero=adjust_zero)


def _given(value: Any) -> bool:
    return value is not None and value != ""


def command_text(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    profile: str | None = None,
) -> str:
    """The validated command text: ``QPGS1``, ``POP02``, ``PBCV46.0``...

    Queries whose argument is part of the name come whole (``QPGS1``) or as name + value
    (``QPGS``, 1). Setters come as name + value (``POP``, "SBU first") or whole (``POP02``).
    """
    catalogue = catalogue_for(protocol, profile)
    text = command.strip()
    entry = catalogue.commands.get(text.upper())
    if entry is not None and entry.kind == "setter":
        return normalize_setter(
            entry.name, value, protocol=protocol, context=context, profile=profile
        )
    if entry is not None and entry.arg_pattern and _given(value):
        # ("QPGS", 1) -> "QPGS1"; resolve() checks the argument
        text += str(value).strip()
        value = None
    cmd, arg = catalogue.resolve(text)
    if cmd.kind == "setter":
        if _given(value):
            raise InvalidValueError(
                f"{command.strip()!r} already carries its value; give {cmd.name} and the value "
                "apart or the whole text alone",
                allowed=allowed_values(cmd, context),
            )
        return normalize_setter(cmd.name, arg, protocol=protocol, context=context, profile=profile)
    if _given(value):
        raise InvalidValueError(f"{cmd.name} is a query and takes no value", allowed=[])
    return cmd.name + (arg or "")


def normalize_setter(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    profile: str | None = None,
) -> str:
    """Validate a friendly setter value and return the exact command text (``POP02``).

    ``profile`` applies a device profile (pyworker.protocol.profiles): its codes and formats.
    """
    catalogue = catalogue_for(protocol, profile)
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


# ------------------------------------------------------------------------------------------
# Answers: framing
# ------------------------------------------------------------------------------------------
def build_response(payload: str, *, terminator: bytes = b"\r", adjust: bool = True) -> bytes:
    """What an inverter sends: ``(`` + payload + CRC + terminator (CRC 0x00 not adjusted)."""
    body = b"(" + payload.encode("ascii")
    return body + crc_bytes(body, adjust=adjust, adjust_zero=False) + terminator


def _strip_terminator(frame: bytes) -> bytes:
    """Drop CR / LF / CRLF, and HID report padding (NULs) after the terminator."""
    if frame.endswith(b"\x00"):
        unpadded = frame.rstrip(b"\x00")
        if unpadded.endswith((b"\r", b"\n")):
            frame = unpadded
    return frame.rstrip(b"\r\n")


def split_frame(
    frame: bytes, request: str | None = None, *, crc_accept: Collection[CrcForm] | None = None
) -> str:
    """Check framing and CRC; return the payload text (after ``(``, before the CRC).

    Tolerates CR/LF/CRLF, noise before ``(``, a raw or adjusted CRC and a trailing space;
    ``crc_accept`` narrows the CRC forms taken (a port that learnt its unit's form).
    Raises NAK, UNSUPPORTED (request echoed), WRONG_PROTOCOL (``^`` answers), CRC, MALFORMED.
    """
    return _split(frame, request, _accepted(crc_accept))[0]


def _accepted(crc_accept: Collection[CrcForm] | None) -> frozenset[CrcForm]:
    if crc_accept is None:
        return CRC_FORMS
    return crc_accept if isinstance(crc_accept, frozenset) else frozenset(crc_accept)


def _split(
    frame: bytes, request: str | None, accept: frozenset[CrcForm]
) -> tuple[str, frozenset[CrcForm]]:
    body = _strip_terminator(frame)
    start = body.find(b"(")
    valid = _valid_frame(body, start, accept)
    for extra in (1, 2):
        # unadjusted CR/LF CRC bytes were taken for part of the terminator: put them back
        if valid is not None or len(frame) - len(body) <= extra:
            break
        if frame[len(body) + extra - 1] in b"\r\n":
            valid = _valid_frame(frame[: len(body) + extra], start, accept)
    if valid is not None:
        return _payload_text(valid[0], request), valid[1]

    if not body.strip(b"\x00 \t\r\n"):
        raise MalformedError("empty answer")
    if start >= 0 and body.find(b"(NAK", start) >= 0:
        raise NakError(f"{request or 'command'}: the unit refused it (NAK)")
    if start >= 0 and body.endswith(b"(ACK"):
        return "ACK", frozenset()  # a bare ACK without CRC is still an unmistakable ACK
    caret = body.find(b"^")
    if caret >= 0 and (start < 0 or caret < start):
        raise WrongProtocolError(
            "the unit answered in PI17/PI18 style (^...): it does not speak PI30",
            raw=body.decode("latin-1"),
        )
    if start < 0:
        if request and request.encode("ascii", "replace") in body:
            raise UnsupportedError(f"{request}: the unit echoed the command back (not supported)")
        raise MalformedError(f"no '(' in the answer {body[:40]!r}")
    candidate = body[start:]
    if len(candidate) < 3:
        raise MalformedError(f"answer too short: {candidate!r}")
    if _PRINTABLE.fullmatch(candidate):
        # No binary CRC at the end: the answer was cut short (or never had a CRC).
        raise MalformedError(
            f"truncated answer (no CRC at the end): {candidate[:60]!r}",
            raw=candidate.decode("ascii"),
        )
    content, crc = candidate[:-2], candidate[-2:]
    raise CrcError(
        f"CRC mismatch: got {crc.hex()}, expected {crc_bytes(content, adjust=False).hex()}",
        raw=candidate.decode("latin-1"),
    )


def _valid_frame(
    body: bytes, start: int, accept: frozenset[CrcForm]
) -> tuple[bytes, frozenset[CrcForm]] | None:
    """The payload of the first '(' whose CRC matches the last two bytes in an accepted form,
    if any, and the forms it matched."""
    position = start  # the common case: the frame starts at the first '('
    while position >= 0:
        if len(body) - position >= 3:
            forms = crc_forms(body[position:-2], body[-2:]) & accept
            if forms:
                return body[position + 1 : -2], forms
        position = body.find(b"(", position + 1)  # noise may hold a '(' too
    return None


def _payload_text(payload: bytes, request: str | None) -> str:
    if not _PRINTABLE.fullmatch(payload):
        raise MalformedError(f"non-printable bytes in the payload {payload[:40]!r}")
    text = payload.decode("ascii").rstrip(" ")
    if text == "NAK":
        raise NakError(f"{request or 'command'}: the unit refused it (NAK)")
    return text


# ------------------------------------------------------------------------------------------
# Answers: payloads
# ------------------------------------------------------------------------------------------
def decode(
    command: str,
    frame: bytes,
    protocol: str = "PI30",
    profile: str | None = None,
    *,
    crc_accept: Collection[CrcForm] | None = None,
) -> Decoded:
    """Decode one answer frame to a flat ``data`` dict and its ``units``.

    ``command`` is what was sent: a name (``QPIGS``, ``POP``) or the whole text (``QPGS1``,
    ``POP02``); ``crc_accept`` narrows the CRC forms taken (see split_frame). Raises
    UnknownCommandError for a command outside the catalogue, else only ProtocolError
    subclasses. ``profile`` applies a device profile's layouts and labels.
    """
    catalogue = catalogue_for(protocol, profile)
    cmd = _lookup(catalogue, command)
    request = command.strip().upper()
    payload, forms = _split(frame, request, _accepted(crc_accept))
    if cmd.kind == "setter" or payload == "ACK":
        if payload == "ACK":
            return Decoded(cmd.name, {"ack": True}, {}, payload, forms)
        raise MalformedError(f"{request}: expected ACK or NAK, got {payload[:40]!r}")
    data, units = decode_payload(cmd, payload)
    return Decoded(request if cmd.arg_pattern else cmd.name, data, units, payload, forms)


def _lookup(catalogue: Catalogue, command: str) -> Command:
    exact = catalogue.commands.get(command.strip().upper())
    if exact is not None and exact.arg_pattern is None:
        return exact
    return catalogue.resolve(command)[0]


FieldParser = Callable[[str], Any]


@dataclass(frozen=True)
class _Plan:
    """A command's fields turned into parsers once (decode runs on every poll)."""

    command: Command
    keys: tuple[str, ...]
    parsers: tuple[FieldParser | None, ...]  # None: a flags field, expanded by _flags
    fields: tuple[Field, ...]
    units: tuple[tuple[str, str] | None, ...]
    all_units: dict[str, str]  # the units when every documented field is present


_PLANS: dict[int, _Plan] = {}


def _plan(cmd: Command) -> _Plan:
    plan = _PLANS.get(id(cmd))
    if plan is None or plan.command is not cmd:
        plan = _Plan(
            cmd,
            tuple(f.key for f in cmd.fields),
            tuple(None if f.type == "flags" else field_parser(f) for f in cmd.fields),
            cmd.fields,
            tuple((f.key, f.unit) if f.unit and f.type != "flags" else None for f in cmd.fields),
            {f.key: f.unit for f in cmd.fields if f.unit and f.type != "flags"},
        )
        _PLANS[id(cmd)] = plan
    return plan


def decode_payload(cmd: Command, payload: str) -> tuple[dict[str, Any], dict[str, str]]:
    kind = cmd.response
    data: dict[str, Any] = {}
    units: dict[str, str] = {}
    if not payload.strip():
        raise MalformedError(f"{cmd.name}: empty answer")
    if kind == "fields":
        parts = payload.split()
        plan = _plan(cmd)
        count = len(plan.keys)
        for index, (raw, parser, key) in enumerate(zip(parts, plan.parsers, plan.keys)):
            if parser is None:
                _flags(plan.fields[index], raw, data)
            else:
                data[key] = parser(raw)
        for index in range(count, len(parts)):
            data[f"unknown_{index}"] = parts[index]  # newer firmwares append fields: keep them
        if len(parts) >= count:
            units = dict(plan.all_units)
        else:  # fewer fields than documented: units of those present only
            units = {u[0]: u[1] for u in plan.units[: len(parts)] if u is not None}
    elif kind == "text":
        (fld,) = cmd.fields
        data[fld.key] = (_plan(cmd).parsers[0] or _identity)(payload.strip())
        if fld.unit:
            units[fld.key] = fld.unit
    elif kind == "serial20":
        text = payload.strip()
        if len(text) < 2 or not _DIGITS.fullmatch(text[:2]) or int(text[:2]) > len(text) - 2:
            raise MalformedError(f"{cmd.name}: expected a 2-digit length + serial, got {text!r}")
        data[cmd.fields[0].key] = text[2 : 2 + int(text[:2])]
    elif kind == "datetime":
        text = payload.strip()
        if not _DATETIME14.fullmatch(text):
            raise MalformedError(f"{cmd.name}: expected YYYYMMDDHHMMSS, got {text[:20]!r}")
        data[cmd.fields[0].key] = (
            f"{text[0:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}"
        )
    elif kind == "bits":
        _decode_bits(cmd, payload.strip(), data)
    elif kind == "qflag":
        _decode_qflag(cmd, payload.strip(), data)
    elif kind == "options":
        parts = payload.split()
        if not parts or not all(_INT.fullmatch(p) for p in parts):
            raise MalformedError(f"{cmd.name}: expected a list of numbers, got {payload[:40]!r}")
        key = cmd.options_key or "options"
        data[key] = [int(p) for p in parts]
        if cmd.options_unit:
            units[key] = cmd.options_unit
    else:  # pragma: no cover - every response kind is handled above
        raise MalformedError(f"{cmd.name}: cannot decode {kind}")
    return data, units


def _decode_bits(cmd: Command, text: str, data: dict[str, Any]) -> None:
    if not _BITS.fullmatch(text):
        raise MalformedError(f"{cmd.name}: expected a string of 0/1, got {text[:40]!r}")
    warnings: list[str] = []
    faults: list[str] = []
    names = _plan(cmd).keys
    for index, char in enumerate(text):
        name = names[index] if index < len(names) else f"unknown_{index}"
        active = char == "1"
        data[name] = active
        if active:
            (faults if name.endswith("_fault") else warnings).append(name)
    data["active_warnings"] = warnings
    data["active_faults"] = faults


def _decode_qflag(cmd: Command, text: str, data: dict[str, Any]) -> None:
    match = _QFLAG.fullmatch(text)
    if not match:
        raise MalformedError(f"{cmd.name}: expected E<letters>D<letters>, got {text[:40]!r}")
    letter_names = _qflag_names(cmd)
    for enabled, letters in ((True, match.group(1)), (False, match.group(2))):
        for letter in letters:
            data[letter_names.get(letter, f"flag_{letter}")] = enabled  # unknown: flag_<letter>


def _qflag_names(cmd: Command) -> dict[str, str]:
    keys = {f.key for f in cmd.fields}
    return {letter: name for letter, name in QFLAG_LETTERS_MAX.items() if name in keys}


def _flags(fld: Field, raw: str, data: dict[str, Any]) -> None:
    names = fld.flags or ()
    if not _BITS.fullmatch(raw):
        raise MalformedError(f"{fld.key}: expected a string of 0/1, got {raw!r}")
    for index, char in enumerate(raw):
        data[names[index] if index < len(names) else f"{fld.key}_bit_{index}"] = char == "1"


def _not_applicable(raw: str) -> bool:
    # '-' = not applicable (QPIRI max parallel units on single units); "--", "N/A" alike
    return raw.strip("-") == "" or raw in ("NA", "N/A")


def field_parser(fld: Field) -> FieldParser:
    """A function raw text -> value for one field (numbers, enum labels, booleans, text)."""
    strip_prefix = _prefix_stripper(fld.prefix)
    key = fld.key
    if fld.type in ("int", "float"):
        scale = fld.scale
        as_float = fld.type == "float"

        def number(raw: str) -> Any:
            raw = strip_prefix(raw)
            if _NUMBER.fullmatch(raw) is None:
                if _not_applicable(raw):
                    return None
                raise MalformedError(f"{key}: {raw!r} is not a number")
            value: int | float = float(raw) if as_float or "." in raw else int(raw)
            if scale is not None:
                return round(value * scale, 3)
            return value

        if scale is not None or fld.prefix:
            return number
        # Fast paths for the usual "0119" / "57.50": str methods run in C. Anything else goes
        # through `number`, so '1_0', 'nan', '-' or non-ASCII digits are judged as before.
        if as_float:

            def float_number(raw: str) -> Any:
                if raw.isascii() and raw.replace(".", "", 1).isdigit():
                    return float(raw)
                return number(raw)

            return float_number

        def int_number(raw: str) -> Any:
            if raw.isascii() and raw.isdigit():
                return int(raw)
            return number(raw)

        return int_number
    if fld.type == "enum":
        labels = dict(fld.enum or {})
        by_number = {int(code): label for code, label in labels.items() if code.isdigit()}

        def enum(raw: str) -> Any:
            raw = strip_prefix(raw)
            label = labels.get(raw)
            if label is not None:
                return label
            if _DIGITS.fullmatch(raw):  # "0" for "00", "01" for "1"
                label = by_number.get(int(raw))
                if label is not None:
                    return label
            return f"Unknown ({raw})"  # new codes must not crash a poll

        return enum
    if fld.type == "bool":
        return lambda raw: strip_prefix(raw) == "1"
    return strip_prefix


def _prefix_stripper(prefix: str | None) -> Callable[[str], str]:
    if not prefix:
        return _identity
    # "VERFW2:" also strips "VERFW:" (some firmwares answer QVFW2..4 with the plain prefix).
    stem = prefix.rstrip(":").rstrip("0123456789") if prefix.endswith(":") else prefix
    pattern = re.compile(re.escape(stem) + r"[0-9]*:" if prefix.endswith(":") else re.escape(stem))

    def strip(raw: str) -> str:
        match = pattern.match(raw)
        return raw[match.end() :] if match else raw

    return strip


def _identity(raw: str) -> str:
    return raw


def parse_value(fld: Field, raw: str) -> Any:
    """Decode one raw field value (kept for callers; decode uses precompiled parsers)."""
    return field_parser(fld)(raw)


def enum_code(fld: Field, label: Any) -> int | None:
    """The numeric code of a decoded enum label (for comparing a read-back with a setter)."""
    for code, text in (fld.enum or {}).items():
        if text == label and code.isdigit():
            return int(code)
    return None
