"""Setter policy and read-back comparison. Pure functions over catalogue entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import NotAllowedError, UnknownCommandError
from ..protocol import Catalogue, Command, enum_code
from ..protocol.served import depends_on_voltage


@dataclass(frozen=True)
class SetterPolicy:
    """``--read-only`` refuses every setter; dangerous ones need ``--allow-set NAME``."""

    read_only: bool = False
    allow_set: frozenset[str] = frozenset()

    @classmethod
    def build(cls, catalogue: Catalogue, read_only: bool, allow: Iterable[str]) -> SetterPolicy:
        names = frozenset(name.strip().upper() for name in allow if name.strip())
        for name in names:
            cmd = catalogue.commands.get(name)
            if cmd is None or cmd.kind != "setter":
                raise UnknownCommandError(
                    f"--allow-set: {name} is not a {catalogue.protocol} setter"
                )
        return cls(read_only, names)

    def check(self, cmd: Command) -> None:
        if self.read_only:
            raise NotAllowedError("the worker runs with --read-only: no setting is written")
        if cmd.dangerous and cmd.name not in self.allow_set:
            raise NotAllowedError(
                f"{cmd.name} is a dangerous setter; it is refused unless the worker runs "
                f"with --allow-set {cmd.name}"
            )


def options_query(cmd: Command) -> str | None:
    """The unit's own list of allowed currents (QMCHGCR...) that constrains this setter."""
    rule = cmd.arg
    if rule is not None and rule.kind in ("current", "unit_current"):
        return rule.options_query
    return None


# True when the setter's allowed values depend on the nominal battery voltage (QPIRI).
battery_dependent = depends_on_voltage


def depends_on_unit(cmd: Command) -> bool:
    return battery_dependent(cmd) or options_query(cmd) is not None


def readback_matches(
    catalogue: Catalogue, cmd: Command, text: str, data: Mapping[str, Any]
) -> bool | None:
    """Does the read-back ``data`` already hold what the setter ``text`` (``POP02``) writes?

    None when it cannot be told (no read-back, field missing, unknown label).
    """
    readback = cmd.readback
    rule = cmd.arg
    if readback is None or rule is None or not text.startswith(cmd.name):
        return None
    argument = text[len(cmd.name) :]
    if rule.kind == "flags":
        wanted = cmd.name == "PE"
        names = [(rule.choices or {}).get(letter) for letter in argument]
        states = [data.get(name) if name else None for name in names]
        if not states or any(not isinstance(s, bool) for s in states):
            return None
        return all(s is wanted for s in states)
    current = data.get(readback.field)
    if current is None:
        return None
    if rule.kind == "choice":
        query = catalogue.commands.get(readback.query)
        fld = query.field(readback.field) if query is not None else None
        if fld is None:
            return None
        # By label first: the read-back may number the setting otherwise (LV6548 PCP00 reads
        # back as QPIRI 1, both "Solar first").
        label = (rule.choices or {}).get(argument)
        labels = (fld.enum or {}).values()
        if label is not None and label in labels and current in labels:
            return bool(current == label)
        code = enum_code(fld, current)
        if code is None:
            return None
        return code == int(argument)
    if rule.kind in ("number", "current"):
        try:
            return abs(float(current) - float(argument)) < 1e-6
        except (TypeError, ValueError):
            return None
    return None
