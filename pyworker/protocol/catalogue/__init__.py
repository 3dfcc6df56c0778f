"""The PI30 command catalogue: declarative tables, the single source of truth.

Everything that lists commands or fields - the codec, the CLI, validation, the Node-RED editor's
dropdowns, Home Assistant metadata, the docs - derives from these tables. Field keys are the
snake_case names of the PI30 protocol reference (the same keys mpp-solar prints).
"""

from __future__ import annotations

from ...errors import UnknownCommandError
from .enums import QFLAG_LETTERS, QFLAG_LETTERS_MAX
from .queries import energy_totals, query_commands
from .schema import (
    CHOICE_MEANINGS,
    PROTOCOLS,
    ArgRule,
    Catalogue,
    Command,
    Field,
    FieldType,
    Plausible,
    Readback,
    ResponseKind,
    choice_meanings,
)
from .setters import setter_commands

__all__ = [
    "CHOICE_MEANINGS",
    "PROTOCOLS",
    "QFLAG_LETTERS",
    "QFLAG_LETTERS_MAX",
    "ArgRule",
    "Catalogue",
    "Command",
    "Field",
    "FieldType",
    "Plausible",
    "Readback",
    "ResponseKind",
    "choice_meanings",
    "get_catalogue",
]


def _build(protocol: str) -> Catalogue:
    max_variant = protocol == "PI30MAX"
    cmds = query_commands(max_variant) + [energy_totals(max_variant)] + setter_commands(max_variant)
    return Catalogue(protocol, {c.name: c for c in cmds})


_CATALOGUES = {p: _build(p) for p in PROTOCOLS}


def get_catalogue(protocol: str = "PI30") -> Catalogue:
    try:
        return _CATALOGUES[protocol.upper()]
    except KeyError:
        raise UnknownCommandError(
            f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}"
        ) from None
