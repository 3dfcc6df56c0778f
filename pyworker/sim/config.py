"""How to build a simulator: one table of options (the ``sim://`` URL query keys) that makes
``SimConfig``, parses URLs, gives ``pi30-worker sim`` its defaults and writes the options table
of docs/simulator.md (``options_markdown``; a test keeps the two equal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from .clock import parse_time
from .faults import FaultPlan
from .profiles import ModelProfile, get_profile


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 0/1, got {text!r}")


def _fault_specs(values: list[str]) -> list[str]:
    return [s for v in values for s in v.split(",") if s.strip()]


def _option(
    default: Any,
    parse: Callable[[str], Any],
    help: str,
    *,
    key: str | None = None,
    shown: str | None = None,
    repeated: Callable[[list[str]], Any] | None = None,
) -> Any:
    """A SimConfig field that is also a ``sim://`` option: ``key`` in the URL (default: the
    field's name), ``shown`` as its default in the docs (default: the value itself),
    ``repeated`` reads every value of a key given more than once (else the last one wins)."""
    meta = {"parse": parse, "help": help, "key": key, "shown": shown, "repeated": repeated}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class SimConfig:
    """How to build a simulator: from sim:// query options or ``pi30-worker sim`` arguments."""

    model: str = _option(
        "pi30", str, "the simulated model's profile (`pi30-worker sim --help` lists them)"
    )
    latency_ms: float = _option(50.0, float, "processing time before the answer, ms")
    pacing: bool = _option(True, _flag, "2400-baud pacing (0: instant)", shown="1")
    seed: int | None = _option(
        None, int, "repeatable run (the seed in use is in `status`)", shown="random"
    )
    speed: float = _option(1.0, float, "simulated seconds per real second; 0 = stopped (step it)")
    start: datetime | None = _option(  # noqa: RUF009 - _option is a dataclasses.field
        None, parse_time, "simulated start, ISO local time (e.g. 2026-01-15T05:00)", shown="now"
    )
    faults: list[str] = _option(  # noqa: RUF009 - _option is a dataclasses.field
        list,
        str,
        "fault spec KIND[:WHEN[:PARAM]], e.g. crc:0.1, nak:once, late:0.2:2000, unplug:once:5; "
        "repeat it for more (a URL also takes them comma-separated)",
        key="fault",
        repeated=_fault_specs,
    )
    control: str | None = _option(
        None, str, "bind a ZeroMQ control endpoint (on sim://, also shares the instance by it)"
    )
    name: str | None = _option(None, str, "share one instance per process across re-opens")
    soc: float = _option(80.0, float, "initial battery state of charge %")
    weather: float = _option(1.0, float, "sun factor, 1 = clear sky")
    clouds: float | None = _option(
        None, float, "depth of passing-cloud dips, 0 = none", shown="0.25"
    )
    latitude: float = _option(48.0, float, "latitude of the site (sun curve)", key="lat")
    load_w: float | None = _option(
        None, float, "a fixed household load, W, instead of the daily profile", shown="profile"
    )
    # echo / nak and PCP02 acceptance override the model profile
    unsupported: str | None = _option(
        None, str, "`echo` or `nak` for unknown commands", shown="profile"
    )
    pcp02: bool | None = _option(None, _flag, "1/0: whether PCP02 is accepted", shown="profile")
    battery_ah: float | None = _option(None, float, "battery capacity, Ah", shown="profile")

    @classmethod
    def from_query(cls, query: str) -> SimConfig:
        """Options of a ``sim://?a=1&b=2`` URL. Unknown options are an error, not ignored."""
        config = cls()
        for key, values in parse_qs(query, keep_blank_values=True).items():
            value = values[-1]
            try:
                option = OPTION_BY_KEY.get(key)
                if option is None:
                    raise ValueError(f"unknown option; known: {', '.join(OPTION_BY_KEY)}")
                setattr(config, option.attr, option.read(values))
            except ValueError as exc:
                raise ValueError(f"sim:// option {key}={value!r}: {exc}") from None
        config.validate()
        return config

    def validate(self) -> None:
        get_profile(self.model)
        if self.latency_ms < 0 or self.speed < 0:
            raise ValueError("latency_ms and speed must be >= 0")
        if not 0 <= self.soc <= 100:
            raise ValueError("soc is 0..100")
        if self.unsupported not in (None, "echo", "nak"):
            raise ValueError("unsupported is echo or nak")
        FaultPlan(self.faults)  # raises on a bad spec

    def profile(self) -> ModelProfile:
        profile = get_profile(self.model)
        if self.unsupported is not None:
            profile = replace(profile, unsupported_reply=self.unsupported)  # type: ignore[arg-type]
        if self.pcp02 is not None:
            codes = set(profile.charger_priorities) | {2}
            if not self.pcp02:
                codes.discard(2)
            profile = replace(profile, charger_priorities=tuple(sorted(codes)))
        if self.battery_ah is not None:
            profile = replace(profile, battery_capacity_ah=self.battery_ah)
        return profile


@dataclass(frozen=True)
class SimOption:
    """One row of the option table: a SimConfig field as a ``sim://`` query key."""

    key: str
    attr: str
    default: Any
    shown: str
    help: str
    parse: Callable[[str], Any]
    repeated: Callable[[list[str]], Any] | None = None

    def read(self, values: list[str]) -> Any:
        return self.repeated(values) if self.repeated else self.parse(values[-1])


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table() -> tuple[SimOption, ...]:
    rows = []
    for f in fields(SimConfig):
        meta = f.metadata
        default = f.default
        if f.default_factory is not MISSING:
            default = f.default_factory()
        rows.append(
            SimOption(
                key=meta["key"] or f.name,
                attr=f.name,
                default=default,
                shown=meta["shown"] or _shown(default),
                help=meta["help"],
                parse=meta["parse"],
                repeated=meta["repeated"],
            )
        )
    return tuple(rows)


OPTIONS: tuple[SimOption, ...] = _table()
OPTION_BY_KEY: dict[str, SimOption] = {option.key: option for option in OPTIONS}


def options_markdown() -> str:
    """The options table of docs/simulator.md."""
    lines = ["| option | default | meaning |", "|---|---|---|"]
    for option in OPTIONS:
        default = option.shown if option.shown in ("-", "now", "random", "profile") else None
        lines.append(f"| `{option.key}` | {default or f'`{option.shown}`'} | {option.help} |")
    return "\n".join(lines) + "\n"
