"""Is this answer the shape of an answer to that command? Pure functions, no I/O.

A frame with a valid CRC can still belong to another request: a late answer, another
program's exchange on the same line. Everything checked here derives from the command's own
field list in the catalogue (so a device profile that substitutes a query definition gets its
checks with it):

- the field count: from the fields up to the last non-optional one, to all of them plus
  ``APPENDED_FIELDS_MAX`` (newer firmwares append fields);
- each field's type: a number, an enum code, flag bits, 0/1, a text ``pattern``, a prefix;
- each number's ``plausible`` range, battery voltages scaled to the unit's nominal voltage.

A mismatch raises ShapeError (code MALFORMED) saying what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import ShapeError
from .catalogue import Command, Field, Plausible

APPENDED_FIELDS_MAX = 4
"""Fields beyond the documented ones still taken as the same answer (kept as unknown_<n>)."""
BATTERY_BASE_VOLTS = 48  # Plausible.per_battery ranges are given for a 48 V unit

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+")


def field_count_range(cmd: Command) -> tuple[int, int]:
    """(fewest, most) fields a "fields" or "bits" answer to ``cmd`` may hold."""
    required = len(cmd.fields)
    while required > 0 and cmd.fields[required - 1].optional:
        required -= 1
    return max(1, required), len(cmd.fields) + APPENDED_FIELDS_MAX


def check_shape(cmd: Command, payload: str, nominal_battery_voltage: int | None = None) -> None:
    """Raise ShapeError unless ``payload`` (the text between ``(`` and the CRC) has the shape
    of an answer to the query ``cmd``. ``nominal_battery_voltage`` (12/24/48, from QPIRI)
    tightens battery voltage ranges; unknown, the 48 V ranges apply. Setters' answers (ACK /
    NAK) are checked by the codec, not here."""
    if cmd.kind != "query":
        return
    if payload == "ACK":
        raise ShapeError(f"{cmd.name}: expected its answer, got ACK (a setter's answer)")
    kind = cmd.response
    if kind == "fields":
        parts = payload.split()
        _check_count(cmd, len(parts), "fields")
        for fld, raw in zip(cmd.fields, parts, strict=False):
            check_field(cmd, fld, raw, nominal_battery_voltage)
    elif kind == "text":
        check_field(cmd, cmd.fields[0], payload.strip(), nominal_battery_voltage)
    elif kind == "bits":
        _check_count(cmd, len(payload.strip()), "bits")


def _check_count(cmd: Command, count: int, what: str) -> None:
    low, high = field_count_range(cmd)
    if not low <= count <= high:
        raise ShapeError(f"{cmd.name}: expected {low} to {high} {what}, got {count}")


def check_field(cmd: Command, fld: Field, raw: str, nominal_battery_voltage: int | None) -> None:
    """Raise ShapeError unless ``raw`` is a plausible value of ``fld``."""
    text = _without_prefix(cmd, fld, raw)
    checker = _CHECKS.get(fld.type)
    if checker is not None:
        checker(cmd, fld, text, nominal_battery_voltage)


def _without_prefix(cmd: Command, fld: Field, raw: str) -> str:
    prefix = fld.prefix
    if not prefix:
        return raw
    if prefix.endswith(":"):
        # "VERFW2:" also comes as "VERFW:" (see the codec's prefix stripper)
        stem = prefix.rstrip(":").rstrip("0123456789")
        match = re.match(re.escape(stem) + r"[0-9]*:", raw)
        if match is not None:
            return raw[match.end() :]
    elif raw.startswith(prefix):
        return raw[len(prefix) :]
    raise _mismatch(cmd, fld, raw, f"text starting {prefix!r}")


def _check_number(cmd: Command, fld: Field, text: str, nominal: int | None) -> None:
    if not _NUMBER.fullmatch(text):
        if text.strip("-") == "" or text in ("NA", "N/A"):
            return  # not applicable, decoded as null
        raise _mismatch(cmd, fld, text, "a number")
    if fld.plausible is None:
        return
    value = float(text) * (fld.scale if fld.scale is not None else 1.0)
    low, high = plausible_range(fld.plausible, nominal)
    if not (low <= value <= high or (fld.plausible.zero_ok and value == 0)):
        zero = " or 0" if fld.plausible.zero_ok else ""
        unit = f" {fld.unit}" if fld.unit else ""
        raise _mismatch(cmd, fld, text, f"{low:g} to {high:g}{unit}{zero}")


def plausible_range(
    plausible: Plausible, nominal_battery_voltage: int | None
) -> tuple[float, float]:
    """The range in force for a unit of this nominal battery voltage."""
    if not plausible.per_battery or nominal_battery_voltage not in (12, 24, 48):
        return plausible.low, plausible.high
    factor = nominal_battery_voltage / BATTERY_BASE_VOLTS
    return plausible.low * factor, plausible.high * factor


def _check_enum(cmd: Command, fld: Field, text: str, _nominal: int | None) -> None:
    codes = tuple((fld.enum or {}).keys())
    if text in codes:
        return
    numeric = bool(codes) and all(_DIGITS.fullmatch(code) for code in codes)
    if numeric and _DIGITS.fullmatch(text):
        if int(text) in {int(c) for c in codes} and len(text) <= 1 + max(map(len, codes)):
            return  # "00" for "0", "1" for "01": the decoder maps it to its label
        if len(text) in {len(c) for c in codes}:
            return  # a code of the right width not catalogued yet: "Unknown (..)"
    widths = "/".join(str(n) for n in sorted({len(c) for c in codes}))
    expected = f"a {widths}-digit code" if numeric else f"one of {', '.join(codes)}"
    raise _mismatch(cmd, fld, text, expected)


def _check_flags(cmd: Command, fld: Field, text: str, _nominal: int | None) -> None:
    count = len(fld.flags or ())
    if len(text) != count or text.strip("01"):
        raise _mismatch(cmd, fld, text, f"{count} flag bits (0/1)")


def _check_bool(cmd: Command, fld: Field, text: str, _nominal: int | None) -> None:
    if text not in ("0", "1"):
        raise _mismatch(cmd, fld, text, "0 or 1")


def _check_text(cmd: Command, fld: Field, text: str, _nominal: int | None) -> None:
    if fld.pattern is not None and not re.fullmatch(fld.pattern, text, re.ASCII):
        raise _mismatch(cmd, fld, text, f"text matching {fld.pattern}")


_CHECKS: dict[str, Callable[[Command, Field, str, int | None], None]] = {
    "int": _check_number,
    "float": _check_number,
    "enum": _check_enum,
    "flags": _check_flags,
    "bool": _check_bool,
    "str": _check_text,
}


def _mismatch(cmd: Command, fld: Field, raw: str, expected: str) -> ShapeError:
    return ShapeError(f"{cmd.name} {fld.key}: expected {expected}, got {raw[:24]!r}")
