"""Payload decoding: the text of a checked frame to a flat ``data`` dict and its ``units``, by
the catalogue's field tables. Pure functions: no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import MalformedError
from .catalogue import QFLAG_LETTERS_MAX, Command, Field

# ASCII only: str.isdigit()/float() would also take "²", "٤٦", "1_0", "nan" or "1e3".
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+")
_QFLAG = re.compile(r"E([a-z]*)D([a-z]*)")
_DATETIME14 = re.compile(r"[0-9]{14}")
_BITS = re.compile(r"[01]+")


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
