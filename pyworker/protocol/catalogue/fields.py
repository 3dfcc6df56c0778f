"""Field constructors, private to the catalogue package: they keep the tables short and the
Home Assistant metadata (unit, device and state class, plausible range) consistent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .ranges import BATTERY_VOLTS, FREQUENCY, LINE_VOLTS, LOAD_PERCENT, PERCENT, TEMPERATURE
from .schema import Field, FieldType


def label_from_key(key: str) -> str:
    """The one label rule for a key without a declared label: ``is_load_on`` -> "Load on",
    ``battery_voltage`` -> "Battery voltage" (the served catalogue labels flag bits with it)."""
    words = " ".join(part for part in key.removeprefix("is_").split("_") if part)
    return words[:1].upper() + words[1:]


def _measurement(
    key: str,
    label: str | None,
    t: FieldType,
    unit: str,
    device_class: str | None,
    icon: str | None = None,
) -> Field:
    return Field(
        key,
        label or label_from_key(key),
        t,
        unit,
        device_class=device_class,
        state_class="measurement",
        icon=icon,
    )


def volts(key: str, label: str | None = None, t: FieldType = "float") -> Field:
    plausible = BATTERY_VOLTS if "battery" in key else LINE_VOLTS
    return replace(_measurement(key, label, t, "V", "voltage"), plausible=plausible)


def amps(key: str, label: str | None = None, t: FieldType = "int") -> Field:
    return _measurement(key, label, t, "A", "current")


def watts(key: str, label: str | None = None) -> Field:
    return _measurement(key, label, "int", "W", "power")


def volt_amps(key: str, label: str | None = None) -> Field:
    return _measurement(key, label, "int", "VA", "apparent_power")


def hertz(key: str, label: str | None = None) -> Field:
    return replace(_measurement(key, label, "float", "Hz", "frequency"), plausible=FREQUENCY)


def percent(key: str, label: str | None = None, battery: bool = False) -> Field:
    fld = _measurement(
        key, label, "int", "%", "battery" if battery else None, None if battery else "mdi:gauge"
    )
    return replace(fld, plausible=PERCENT if battery else LOAD_PERCENT)


def temperature(key: str, label: str | None = None) -> Field:
    return replace(_measurement(key, label, "int", "°C", "temperature"), plausible=TEMPERATURE)


def watt_hours(key: str, label: str | None = None) -> Field:
    # Period totals (QED...) restart at zero; total_increasing reads a drop as a new cycle.
    return Field(
        key,
        label or label_from_key(key),
        "int",
        "Wh",
        device_class="energy",
        state_class="total_increasing",
    )


def minutes(key: str, label: str | None = None) -> Field:
    return Field(key, label or label_from_key(key), "int", "min", device_class="duration")


def seconds(key: str, label: str | None = None) -> Field:
    return Field(key, label or label_from_key(key), "int", "s", device_class="duration")


def integer(key: str, label: str | None = None, unit: str | None = None) -> Field:
    return Field(key, label or label_from_key(key), "int", unit)


def text_field(key: str, label: str | None = None, icon: str | None = None) -> Field:
    return Field(key, label or label_from_key(key), "str", icon=icon)


def enumerated(
    key: str, enum: Mapping[str, str], label: str | None = None, icon: str | None = None
) -> Field:
    return Field(
        key, label or label_from_key(key), "enum", enum=enum, device_class="enum", icon=icon
    )


def optional_after(fields: tuple[Field, ...], required: int) -> tuple[Field, ...]:
    """The fields after the first ``required`` marked optional: firmwares that stop early."""
    return fields[:required] + tuple(replace(f, optional=True) for f in fields[required:])


def bit_flags(key: str, names: tuple[str, ...], label: str | None = None) -> Field:
    return Field(key, label or label_from_key(key), "flags", flags=names)


def enabled(key: str, label: str | None = None) -> Field:
    return enumerated(key, {"0": "Disabled", "1": "Enabled"}, label)


def kilowatt_hours(key: str, label: str) -> Field:
    return Field(key, label, "float", "kWh", device_class="energy", state_class="total_increasing")


def bit_field(name: str) -> Field:
    return Field(
        name,
        label_from_key(name),
        "bool",
        device_class="problem" if not name.startswith("reserved") else None,
    )
