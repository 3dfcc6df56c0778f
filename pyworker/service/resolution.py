"""The ``resolve`` op: what a command text is for this worker and its unit.

"POP02" -> the setter POP with the argument "02", its allowed values for the unit, whether it is
dangerous and whether this worker's policy lets it through; "QPGS1" -> the query QPGS with the
argument "1" and the keys of its reading. Unknown text is UNKNOWN_COMMAND.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import NotAllowedError
from ..protocol import Catalogue, SetterContext, normalize_setter
from ..protocol.served import served_command
from .setters import SetterPolicy


def resolution(
    catalogue: Catalogue,
    text: str,
    policy: SetterPolicy,
    *,
    profile: str | None,
    nominal_voltage: int | None = None,
    current_options: Mapping[str, Sequence[int]] | None = None,
    validate: bool = True,
) -> dict[str, Any]:
    """The reply fields for ``resolve``. ``validate``: check a setter's argument given in the
    text (the unit's facts it depends on are known); raises the codec's error when refused."""
    cmd, arg = catalogue.resolve(text)
    out: dict[str, Any] = {
        "name": cmd.name,
        "arg": arg,
        "kind": cmd.kind,
        "protocol": catalogue.protocol,
        "profile": profile,
        "entry": served_command(cmd, nominal_voltage, current_options),
    }
    if cmd.kind == "query":
        out["text"] = cmd.name + (arg or "")
        return out
    out["dangerous"] = cmd.dangerous
    try:
        policy.check(cmd)
        out["permitted"], out["refusal"] = True, None
    except NotAllowedError as exc:
        out["permitted"], out["refusal"] = False, exc.message
    out["text"] = None
    if arg and validate:
        context = SetterContext(
            nominal_battery_voltage=nominal_voltage or 48,
            current_options=dict(current_options or {}),
        )
        out["text"] = normalize_setter(
            cmd.name, arg, protocol=catalogue.protocol, context=context, profile=catalogue.profile
        )
    return out
