"""The catalogue's schema: fields, argument rules, commands, and the Catalogue with its resolver
(the text of a command as sent -> its entry and argument)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import UnknownCommandError
from ..descriptions_fr import ARG_DESCRIPTIONS_FR, DESCRIPTIONS_FR, FIELD_LABELS_FR

FieldType = Literal["float", "int", "str", "enum", "flags", "bool"]
# "worker": answered by the worker itself from what it read (ENERGY), never sent to the unit
ResponseKind = Literal[
    "fields", "text", "bits", "qflag", "options", "ack", "serial20", "datetime", "worker"
]
PROTOCOLS: tuple[str, ...] = ("PI30", "PI30MAX")


@dataclass(frozen=True)
class Plausible:
    """The physically plausible range of a decoded number; an answer outside it is not taken.

    ``zero_ok`` admits 0 outside the range (an AC frequency reads 0 with no input);
    ``per_battery`` gives the range for a 48 V unit, scaled to the unit's nominal battery
    voltage (24 V: half, 12 V: a quarter) once it is known.
    """

    low: float
    high: float
    zero_ok: bool = False
    per_battery: bool = False


@dataclass(frozen=True)
class Field:
    """One positional field of an answer.

    ``enum`` maps the raw code to its label; ``flags`` names the booleans that a bit string
    (e.g. QPIGS device status ``00110110``) expands into, one per character, left to right.
    A ``flags`` field contributes its flag names to the decoded data, not its own key.
    """

    key: str
    label: str
    type: FieldType = "str"
    unit: str | None = None
    enum: Mapping[str, str] | None = None
    flags: tuple[str, ...] | None = None
    prefix: str | None = None  # stripped before parsing, e.g. "VERFW:"
    scale: float | None = None  # multiply the raw number (BMS 0.1 V units)
    plausible: Plausible | None = None  # answers outside this range are rejected
    pattern: str | None = None  # a "str" field's raw text must match (ASCII regex)
    optional: bool = False  # a trailing field that older firmwares leave out
    device_class: str | None = None
    state_class: str | None = None
    icon: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type}
        for name in ("unit", "prefix", "scale", "device_class", "state_class", "icon"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.enum is not None:
            out["enum"] = dict(self.enum)
        if self.flags is not None:
            out["flags"] = list(self.flags)
        return out


@dataclass(frozen=True)
class Readback:
    """Where a query reads back the setting a setter writes (for only_if_changed and verify)."""

    query: str
    field: str

    def to_dict(self) -> dict[str, str]:
        return {"query": self.query, "field": self.field}


# What a priority label means, whatever code or wording a unit gives it: a stable key for
# programs that choose a setting by meaning (the Tempo planner asks for "grid charging", not
# for the label "Utility first", which some units lack). Labels not listed mean nothing known.
CHOICE_MEANINGS: dict[str, str] = {
    "utility first": "utility",
    "utility solar battery": "utility",
    "solar first": "solar",
    "solar utility battery": "solar",
    "sbu first": "sbu",
    "solar battery utility": "sbu",
    "solar + utility": "solar_utility",
    "only solar charging permitted": "solar_only",
}


def choice_meanings(choices: Mapping[str, str]) -> dict[str, str]:
    """Code -> meaning key for the choices whose label has a known meaning."""
    return {
        code: CHOICE_MEANINGS[label.lower()]
        for code, label in choices.items()
        if label.lower() in CHOICE_MEANINGS
    }


@dataclass(frozen=True)
class ArgRule:
    """How a setter's argument is validated and formatted.

    kinds:
      - ``none``: no argument (PF, PSAVE).
      - ``choice``: ``choices`` maps the wire code ("02") to its label ("SBU first"); the value
        may be given as the code, its integer, or the label (case-insensitive, or an alias).
      - ``number``: ``fmt`` formats it ("{:04.1f}" -> "46.0"); allowed values come from
        ``values`` or ``minimum``/``maximum``/``step``; ``values_by_battery`` and
        ``scale_by_battery`` make them depend on the unit's nominal battery voltage;
        ``zero_allowed`` admits 0 outside the range (PBDV 00.0 = battery full).
      - ``current``: a current in A, formatted ``fmt``; the unit's own option list
        (``options_query``: QMCHGCR...) is the authority, ``values`` the fallback. With
        ``unit_fmt`` a (unit, current) pair is also taken, sent as m + ``unit_fmt`` (the
        "m+nn" form some firmwares use).
      - ``flags``: QFLAG letters (PE/PD).
      - ``unit_choice`` / ``unit_current``: a parallel unit number m (0..9) then a choice/current.
      - ``pattern``: a raw string matching ``pattern`` (DAT, PBATCD, BTA).
    """

    kind: Literal[
        "none", "choice", "number", "current", "flags", "unit_choice", "unit_current", "pattern"
    ]
    choices: Mapping[str, str] | None = None
    aliases: Mapping[str, str] | None = None  # extra accepted label -> code
    fmt: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    values: tuple[float, ...] | None = None
    values_by_battery: Mapping[int, tuple[float, ...]] | None = None
    scale_by_battery: bool = False  # range given for 48 V; /2 for 24 V, /4 for 12 V
    zero_allowed: bool = False
    options_query: str | None = None
    pattern: str | None = None
    description: str | None = None
    unit_fmt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for name in (
            "fmt",
            "unit_fmt",
            "minimum",
            "maximum",
            "step",
            "options_query",
            "pattern",
            "description",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.choices is not None:
            out["choices"] = dict(self.choices)
            meanings = choice_meanings(self.choices)
            if meanings:
                out["meanings"] = meanings
        if self.aliases:
            out["aliases"] = dict(self.aliases)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.values_by_battery is not None:
            out["values_by_battery"] = {str(k): list(v) for k, v in self.values_by_battery.items()}
        if self.scale_by_battery:
            out["scale_by_battery"] = True
        if self.zero_allowed:
            out["zero_allowed"] = True
        return out


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    kind: Literal["query", "setter"]
    response: ResponseKind
    fields: tuple[Field, ...] = ()
    arg_pattern: str | None = None  # queries whose argument is part of the name (QPGS1, QED...)
    arg_help: str | None = None
    arg: ArgRule | None = None  # setters
    readback: Readback | None = None
    dangerous: bool = False
    expected_response_bytes: int = 32
    options_key: str | None = None  # for "options" answers: the data key of the value list
    options_unit: str | None = None
    dangerous_reason: str | None = None  # why a dangerous setter is off unless allowed

    def field(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
            if f.flags and key in f.flags:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "description_fr": DESCRIPTIONS_FR.get(self.name),
            "kind": self.kind,
            "response": self.response,
            "expected_response_bytes": self.expected_response_bytes,
            "fields": [f.to_dict() for f in self.fields],
        }
        if self.arg_pattern:
            out["arg_pattern"] = self.arg_pattern
            out["arg_help"] = self.arg_help
        if self.arg is not None:
            out["arg"] = self.arg.to_dict()
            if self.name in ARG_DESCRIPTIONS_FR:
                out["arg"]["description_fr"] = ARG_DESCRIPTIONS_FR[self.name]
        if self.readback is not None:
            out["readback"] = self.readback.to_dict()
        if self.kind == "setter":
            out["dangerous"] = self.dangerous
            if self.dangerous_reason:
                out["dangerous_reason"] = self.dangerous_reason
        if self.options_key:
            out["options_key"] = self.options_key
            out["options_unit"] = self.options_unit
        return out


# ------------------------------------------------------------------------------------------
# The catalogue object
# ------------------------------------------------------------------------------------------
@dataclass
class Catalogue:
    protocol: str
    commands: dict[str, Command] = field(default_factory=dict)
    profile: str = "generic"  # the device profile applied (see profiles.py)

    def __post_init__(self) -> None:
        # Longest names first so QPIGS2 wins over QPIGS, QPGS over QPI, POPLG over POP.
        self._by_length = sorted(self.commands.values(), key=lambda c: -len(c.name))
        self._arg_queries = [c for c in self._by_length if c.arg_pattern]
        self._setter_shapes = [
            (c, re.compile(_argument_shape(c.arg), re.ASCII))
            for c in self._by_length
            if c.arg is not None
        ]

    @property
    def queries(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "query"]

    @property
    def setters(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "setter"]

    def get(self, name: str) -> Command:
        try:
            return self.commands[name.upper()]
        except KeyError:
            raise UnknownCommandError(
                f"unknown command {name!r} for protocol {self.protocol}"
            ) from None

    def resolve(self, text: str) -> tuple[Command, str | None]:
        """Map a command as sent to its entry and argument.

        Queries: ``QPGS1`` -> (QPGS, "1"), ``QED20260101`` -> (QED, "20260101"). Setters given
        whole: ``POP02`` -> (POP, "02"), ``PEax`` -> (PE, "ax") when the rest has the shape of
        the setter's argument (the value itself is checked by the codec).
        """
        original = text.strip()
        if not (original.isascii() and original.isprintable()):
            raise UnknownCommandError(f"{original!r}: commands are printable ASCII only")
        text = original.upper()
        exact = self.commands.get(text)
        if exact is not None and exact.arg_pattern is None:
            return exact, None
        for cmd in self._arg_queries:
            if text.startswith(cmd.name):
                arg = text[len(cmd.name) :]
                if re.fullmatch(cmd.arg_pattern or "", arg, re.ASCII):
                    return cmd, arg
                raise UnknownCommandError(
                    f"{text!r}: {cmd.name} takes {cmd.arg_help}", allowed=cmd.arg_help
                )
        for cmd, shape in self._setter_shapes:
            if text.startswith(cmd.name):
                arg = original[len(cmd.name) :]
                if arg and shape.fullmatch(arg):
                    return cmd, arg
        raise UnknownCommandError(f"unknown command {text!r} for protocol {self.protocol}")

    def to_dict(self) -> dict[str, Any]:
        keys = {f.key for c in self.commands.values() for f in c.fields}
        return {
            "protocol": self.protocol,
            "profile": self.profile,
            "commands": [c.to_dict() for c in self.commands.values()],
            "labels_fr": {k: v for k, v in FIELD_LABELS_FR.items() if k in keys},
        }


def _argument_shape(rule: ArgRule) -> str:
    """The loose syntax of a setter argument as written after the name (POP *02*)."""
    shapes = {
        "none": "",
        "choice": r"\d{1,2}",
        "unit_choice": r"\d{2,3}",
        "number": r"\d{1,3}(\.\d{1,2})?",
        "current": r"\d{2,4}",
        "unit_current": r"\d{3,5}",
        "flags": r"[A-Za-z]+",
    }
    return (rule.pattern or "") if rule.kind == "pattern" else shapes[rule.kind]
