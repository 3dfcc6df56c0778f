"""The catalogue as its consumers need it, already computed: the Node-RED nodes, the editor and
Home Assistant discovery read this data and hold no protocol rule of their own.

Per query: every key a decoded reading has (flag bits, option lists and the lists the decoder
derives included) with its label, unit, Home Assistant metadata and enum options. Per setter:
its allowed values, for the unit's context when it is known, and per nominal battery voltage
where the values depend on it. Built from a Catalogue's public attributes only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .arguments import SetterContext, allowed_values
from .catalogue import ArgRule, Catalogue, Command
from .catalogue.fields import label_from_key
from .descriptions_fr import ARG_DESCRIPTIONS_FR

NOMINAL_VOLTAGES: tuple[int, ...] = (12, 24, 48)
DEFAULT_NOMINAL_VOLTAGE = 48  # the catalogue's ranges are written for a 48 V unit
NOMINAL_VOLTAGE_QUERY = "QPIRI"  # its battery_voltage is the unit's nominal battery voltage
# Lists the decoder adds to a "bits" answer (QPIWS): the names of the bits that are set.
DERIVED_LISTS: dict[str, tuple[str, ...]] = {"bits": ("active_warnings", "active_faults")}
_HA_KEYS = ("unit", "device_class", "state_class", "icon")


def _number_text(value: float) -> str:
    """A number as the editor shows it: 44.0 -> "44", 12.3 -> "12.3"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def data_keys(cmd: Command) -> dict[str, dict[str, Any]]:
    """Key -> {label, type, unit, device_class, state_class, icon, options, group} for every
    key a decoded answer of ``cmd`` holds, in the order the decoder writes them."""
    keys: dict[str, dict[str, Any]] = {}
    for fld in cmd.fields:
        if fld.flags:
            for flag in fld.flags:
                keys[flag] = {"label": label_from_key(flag), "type": "bool", "group": fld.key}
            continue
        meta: dict[str, Any] = {"label": fld.label or label_from_key(fld.key), "type": fld.type}
        for name in _HA_KEYS:
            value = getattr(fld, name)
            if value not in (None, ""):
                meta[name] = value
        if fld.enum is not None:
            meta["options"] = list(dict.fromkeys(fld.enum.values()))
        keys[fld.key] = meta
    if cmd.options_key:
        keys[cmd.options_key] = {"label": label_from_key(cmd.options_key), "type": "list"}
        if cmd.options_unit:
            keys[cmd.options_key]["unit"] = cmd.options_unit
    for name in DERIVED_LISTS.get(cmd.response, ()):
        keys[name] = {"label": label_from_key(name), "type": "list"}
    return keys


def depends_on_voltage(cmd: Command) -> bool:
    """True when the setter's allowed values follow the unit's nominal battery voltage."""
    rule = cmd.arg
    return (
        rule is not None
        and rule.kind == "number"
        and (rule.values_by_battery is not None or rule.scale_by_battery)
    )


def setter_values(
    cmd: Command,
    nominal_voltage: int | None = None,
    current_options: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """What a setter accepts, for a dropdown: {kind, values: [{value, label}], hint, source}.

    ``nominal_voltage`` and ``current_options`` (QMCHGCR... -> the unit's list) are the unit's
    facts when known; ``source`` is "unit" when they shaped the values, else "catalogue". The
    hint is English; ``hintKey`` + ``hintArgs`` name it in the pi30-set messages, ``hint_fr``
    is the catalogue's French text where the hint comes from the catalogue itself.
    """
    rule = cmd.arg
    out: dict[str, Any] = {
        "kind": rule.kind if rule else "none",
        "values": [],
        "hint": "",
        "source": "catalogue",
    }
    if rule is None:
        return out
    context = SetterContext(
        nominal_battery_voltage=nominal_voltage or DEFAULT_NOMINAL_VOLTAGE,
        current_options=dict(current_options or {}),
    )
    if rule.kind in ("choice", "unit_choice", "flags"):
        out["values"] = [
            {"value": label, "label": f"{label} ({code})"}
            for code, label in (rule.choices or {}).items()
        ]
        if rule.kind == "unit_choice":
            out.update(hint='unit + value, e.g. [1, "Solar first"]', hintKey="unit-choice")
        elif rule.kind == "flags":
            _catalogue_hint(cmd, out)
    elif rule.kind in ("current", "unit_current"):
        if rule.options_query and context.current_options.get(rule.options_query):
            out["source"] = "unit"
        out["values"] = _listed(allowed_values(cmd, context))
        if rule.kind == "unit_current":
            out.update(hint="unit + value, e.g. [1, 100]", hintKey="unit-current")
    elif rule.kind == "number":
        if rule.values is not None or rule.values_by_battery is not None:
            if rule.values_by_battery is not None and nominal_voltage:
                out["source"] = "unit"
            out["values"] = _listed(allowed_values(cmd, context))
        else:
            _range_hint(rule, out)
    elif rule.kind == "pattern":
        _catalogue_hint(cmd, out, rule.description or rule.pattern or "")
    return out


def _listed(values: Sequence[Any]) -> list[dict[str, str]]:
    return [{"value": _number_text(v), "label": _number_text(v)} for v in values]


def _catalogue_hint(cmd: Command, out: dict[str, Any], text: str | None = None) -> None:
    rule = cmd.arg
    out["hint"] = text if text is not None else (rule.description if rule else None) or ""
    if cmd.name in ARG_DESCRIPTIONS_FR:
        out["hint_fr"] = ARG_DESCRIPTIONS_FR[cmd.name]


def _range_hint(rule: ArgRule, out: dict[str, Any]) -> None:
    lo, hi, st = (
        _number_text(v) if v is not None else "" for v in (rule.minimum, rule.maximum, rule.step)
    )
    out["hint"] = (
        f"{lo} .. {hi} step {st}"
        + (" or 0" if rule.zero_allowed else "")
        + (" (48 V unit; /2 and /4 for 24 V and 12 V)" if rule.scale_by_battery else "")
    )
    variant = ("-or-zero" if rule.zero_allowed else "") + (
        "-by-battery" if rule.scale_by_battery else ""
    )
    out["hintKey"] = f"range{variant}"
    out["hintArgs"] = {"minimum": rule.minimum, "maximum": rule.maximum, "step": rule.step}


def served_command(
    cmd: Command,
    nominal_voltage: int | None = None,
    current_options: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """One catalogue entry with its computed data: ``keys`` for a query; ``values`` (for the
    unit's facts when given) and, where they depend on it, ``values_by_voltage`` for a setter."""
    out = cmd.to_dict()
    if cmd.kind == "query":
        out["keys"] = data_keys(cmd)
        return out
    out["values"] = setter_values(cmd, nominal_voltage, current_options)
    if depends_on_voltage(cmd):
        out["values_by_voltage"] = {
            str(volts): setter_values(cmd, volts)["values"] for volts in NOMINAL_VOLTAGES
        }
    return out


def fact_queries(catalogue: Catalogue) -> list[str]:
    """The queries whose answers tell the unit's facts that setters' allowed values follow:
    a consumer that sees one of them answered knows the served values may have changed."""
    setters = catalogue.setters
    names = [NOMINAL_VOLTAGE_QUERY] if any(depends_on_voltage(c) for c in setters) else []
    for cmd in setters:
        query = cmd.arg.options_query if cmd.arg is not None else None
        if query and query not in names:
            names.append(query)
    return names


def served_catalogue(
    catalogue: Catalogue,
    nominal_voltage: int | None = None,
    current_options: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """The whole catalogue as the worker serves it (and as the editor's snapshot holds it)."""
    out = catalogue.to_dict()
    out["commands"] = [
        served_command(cmd, nominal_voltage, current_options) for cmd in catalogue.commands.values()
    ]
    out["fact_queries"] = fact_queries(catalogue)
    return out
