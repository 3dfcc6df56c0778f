"""The simulator as the outside sees it: request frames in, answer frames out (with the faults
in force), a shared clock, counters, the unplug state, and a registry of named instances so
that re-opening ``sim://?name=x`` reaches the same unit."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from ..protocol import build_response, crc_matches
from .clock import SimClock, parse_time
from .environment import Environment
from .faults import FaultPlan, FaultRule
from .inverter import VirtualInverter
from .profiles import ModelProfile, get_profile

BAUD = 2400
BYTE_TIME = 10 / BAUD  # start bit, 8 data bits, stop bit: 4.17 ms per byte
RESERVED = frozenset(b"(\r\n")


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 0/1, got {text!r}")


@dataclass
class SimConfig:
    """How to build a simulator: from sim:// query options or ``pi30-worker sim`` arguments."""

    model: str = "pi30"
    latency_ms: float = 50.0
    pacing: bool = True
    seed: int | None = None
    speed: float = 1.0
    start: datetime | None = None
    faults: list[str] = field(default_factory=list)
    control: str | None = None
    name: str | None = None
    soc: float = 80.0
    weather: float = 1.0
    clouds: float | None = None
    latitude: float = 48.0
    load_w: float | None = None
    unsupported: str | None = None  # echo / nak: overrides the profile
    pcp02: bool | None = None  # overrides whether the unit accepts PCP02
    battery_ah: float | None = None

    OPTIONS = (
        "model",
        "latency_ms",
        "pacing",
        "seed",
        "speed",
        "start",
        "fault",
        "control",
        "name",
        "soc",
        "weather",
        "clouds",
        "lat",
        "load_w",
        "unsupported",
        "pcp02",
        "battery_ah",
    )

    @classmethod
    def from_query(cls, query: str) -> SimConfig:
        """Options of a ``sim://?a=1&b=2`` URL. Unknown options are an error, not ignored."""
        config = cls()
        for key, values in parse_qs(query, keep_blank_values=True).items():
            value = values[-1]
            try:
                if key == "model":
                    config.model = value
                elif key == "latency_ms":
                    config.latency_ms = float(value)
                elif key == "pacing":
                    config.pacing = _flag(value)
                elif key == "seed":
                    config.seed = int(value)
                elif key == "speed":
                    config.speed = float(value)
                elif key == "start":
                    config.start = parse_time(value)
                elif key == "fault":
                    config.faults = [s for v in values for s in v.split(",") if s.strip()]
                elif key == "control":
                    config.control = value
                elif key == "name":
                    config.name = value
                elif key == "soc":
                    config.soc = float(value)
                elif key == "weather":
                    config.weather = float(value)
                elif key == "clouds":
                    config.clouds = float(value)
                elif key == "lat":
                    config.latitude = float(value)
                elif key == "load_w":
                    config.load_w = float(value)
                elif key == "unsupported":
                    config.unsupported = value
                elif key == "pcp02":
                    config.pcp02 = _flag(value)
                elif key == "battery_ah":
                    config.battery_ah = float(value)
                else:
                    raise ValueError(f"unknown option; known: {', '.join(cls.OPTIONS)}")
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
class Reply:
    data: bytes | None  # None: the unit stays silent
    delay_s: float = 0.0  # added to the configured latency (a "late" fault)
    fault: str | None = None


class PlugState:
    """Whether the port exists. ``generation`` counts unplugs: a port opened before one stays
    dead (like a file descriptor on a vanished USB device) until it is closed and re-opened."""

    def __init__(self) -> None:
        self.unplugged_until = 0.0
        self.generation = 0

    def unplug(self, seconds: float) -> None:
        self.unplugged_until = max(self.unplugged_until, time.monotonic() + seconds)
        self.generation += 1

    def plug(self) -> None:
        self.unplugged_until = 0.0

    @property
    def plugged(self) -> bool:
        return time.monotonic() >= self.unplugged_until

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.unplugged_until - time.monotonic())


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config = config or SimConfig()
        config.validate()
        self.profile = config.profile()
        self.seed = config.seed if config.seed is not None else int.from_bytes(os.urandom(4))
        self.clock = SimClock(config.start, config.speed)
        self.env = Environment(
            seed=self.seed,
            latitude=config.latitude,
            weather=config.weather,
            load_w=config.load_w,
        )
        if config.clouds is not None:
            self.env.clouds = config.clouds
        self.inverter = VirtualInverter(
            self.profile, self.env, self.clock.now(), seed=self.seed, soc=config.soc
        )
        self.faults = FaultPlan(config.faults)
        self.rng = random.Random(self.seed)
        self.lock = threading.RLock()
        self.pacing = config.pacing
        self.latency_s = config.latency_ms / 1000
        self.plug = PlugState()
        self.transactions: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=50)
        self.control_server: Any = None  # a ControlServer once started

    @property
    def byte_time(self) -> float:
        return BYTE_TIME if self.pacing else 0.0

    # -- the wire -------------------------------------------------------------------------
    def transact(self, request: bytes) -> Reply:
        """One request frame (terminator included or not) -> what the unit sends back."""
        with self.lock:
            if not self.plug.plugged:
                return Reply(None)
            text = _request_text(request)
            now = self.clock.now()
            rule = self.faults.draw(self.rng)
            fault = rule.kind if rule is not None else None
            if rule is not None and rule.kind == "unplug":
                self.unplug(self.faults.param(rule) or 5.0)
                self._count(text or "<invalid>", fault, now)
                return Reply(None, fault=fault)
            if fault == "no_answer":
                self._count(text or "<invalid>", fault, now)
                return Reply(None, fault=fault)
            if fault == "nak" or text is None:
                self._count(text or "<invalid>", fault, now)
                return Reply(build_response("NAK"), fault=fault)
            outcome = self.inverter.handle(text, now)
            self._count(outcome.command, fault, now)
            if outcome.kind == "answer":
                frame = build_response(outcome.payload)
            elif outcome.kind == "ack":
                frame = build_response("ACK")
            elif outcome.kind == "nak" or self.profile.unsupported_reply == "nak":
                frame = build_response("NAK")
            else:
                frame = request if request.endswith(b"\r") else request + b"\r"
            return self._inject(frame, rule)

    def _count(self, command: str, fault: str | None, now: datetime) -> None:
        self.transactions[command] += 1
        self.recent.append(
            {"time": now.isoformat(timespec="seconds"), "cmd": command, "fault": fault}
        )

    def _inject(self, frame: bytes, rule: FaultRule | None) -> Reply:
        if rule is None:
            return Reply(frame)
        kind, param = rule.kind, self.faults.param(rule)
        if kind == "late":
            return Reply(frame, delay_s=(param or 3000.0) / 1000, fault=kind)
        if kind == "truncate":
            keep = int(param) if param is not None else len(frame) // 2
            return Reply(frame[: max(1, min(keep, len(frame) - 2))], fault=kind)
        if kind == "crc":
            body, crc, end = frame[:-3], frame[-3:-1], frame[-1:]
            # a wrong low byte, never a printable one, so the answer cannot pass for a frame
            # that lost its CRC (a cut-short answer)
            low = 0x80 | ((crc[1] + 0x41) & 0x7F)
            while low in (crc[1], crc[1] + 1):
                low = 0x80 | ((low + 1) & 0x7F)
            corrupted = body + bytes((crc[0], low)) + end
            assert not crc_matches(body, corrupted[-3:-1])
            return Reply(corrupted, fault=kind)
        if kind == "noise":
            count = int(param or 4)
            junk = bytes(
                self.rng.choice([b for b in range(256) if b not in RESERVED]) for _ in range(count)
            )
            return Reply(junk + frame, fault=kind)
        if kind == "lf":
            return Reply(frame[:-1] + b"\n", fault=kind)
        raise AssertionError(f"unhandled fault {kind}")  # pragma: no cover

    # -- plug -------------------------------------------------------------------------------
    def unplug(self, seconds: float) -> None:
        with self.lock:
            self.plug.unplug(seconds)

    # -- state for the control endpoint ---------------------------------------------------------
    def status(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            op = self.inverter.operating_point(now)
            plant = self.inverter.plant
            return {
                "model": self.profile.key,
                "protocol": self.profile.protocol,
                "profile": self.profile.device_profile,
                "battery_capacity_wh": self.profile.battery_capacity_wh,
                "seed": self.seed,
                "now": now.isoformat(timespec="seconds"),
                "speed": self.clock.speed,
                "pacing": self.pacing,
                "latency_ms": self.latency_s * 1000,
                "plugged": self.plug.plugged,
                "unplugged_remaining_s": round(self.plug.remaining_s, 3),
                "plug_generation": self.plug.generation,
                "ignore_writes": self.inverter.ignore_writes,
                "state": {
                    "mode": op.mode,
                    "soc": round(plant.state.soc, 3),
                    "battery_voltage": round(op.battery_voltage, 2),
                    "pv_available_w": [round(w, 1) for w in op.pv_available_w],
                    "pv_w": round(op.flows.pv_w, 1),
                    "load_w": round(op.load_demand_w, 1),
                    "grid_w": round(op.flows.grid_to_load_w + op.flows.grid_to_battery_w, 1),
                    "charge_current": round(op.charge_current, 2),
                    "ac_charge_current": round(op.ac_charge_current, 2),
                    "solar_charge_current": round(op.solar_charge_current, 2),
                    "discharge_current": round(op.discharge_current, 2),
                    "stage": op.stage,
                    "grid_available": self.env.grid_available,
                    "sbu_on_line": plant.state.sbu_on_line,
                    "low_battery_shutdown": plant.state.low_battery_shutdown,
                    "weather": self.env.weather,
                    "weather_by_day": dict(self.env.weather_by_day),
                    "clouds": self.env.clouds,
                    "load_override_w": self.env.load_w,
                    "load_scale": self.env.load_scale,
                    "warnings": sorted(self.inverter.warnings(op)),
                    "sunrise_sunset": [round(h, 3) for h in self.env.sunrise_sunset(now.date())],
                },
                "settings": asdict(self.inverter.settings),
                "faults": self.faults.describe(),
                "injected": dict(self.faults.injected),
                "transactions": dict(self.transactions),
                "transactions_total": sum(self.transactions.values()),
                "recent": list(self.recent),
                "ledger": {
                    "totals": self.inverter.ledger.totals(),
                    "today": self.inverter.ledger.day(now.date()),
                },
            }

    def reset_counters(self) -> None:
        with self.lock:
            self.transactions.clear()
            self.faults.injected.clear()
            self.recent.clear()

    def set_time(self, when: datetime | None, speed: float | None) -> datetime:
        """Jump the clock (the gap is not integrated) and/or change its speed."""
        with self.lock:
            self.inverter.plant.advance(self.clock.now())
            now = self.clock.set(when, speed)
            if when is not None:
                self.inverter.plant.rebase(now)
            return now

    def step(self, seconds: float) -> datetime:
        """Run simulated time forward by ``seconds`` (integrated, unlike a jump)."""
        with self.lock:
            now = self.clock.step(seconds)
            self.inverter.plant.advance(now)
            return now

    def close(self) -> None:
        server = self.control_server
        self.control_server = None
        if server is not None:
            server.stop()


def _request_text(request: bytes) -> str | None:
    """The command text of a request frame, or None when its CRC is wrong (the unit NAKs).

    Accepts the CRC raw, adjusted, or 0x00-adjusted; a frame of plain printable text without
    a CRC is taken as is (some tools and terminals send no CRC)."""
    body = request.rstrip(b"\r\n")
    if len(body) > 2 and crc_matches(body[:-2], body[-2:]):
        try:
            return body[:-2].decode("ascii")
        except UnicodeDecodeError:
            return None
    if body and all(0x20 < b < 0x7F for b in body):
        return body.decode("ascii")
    return None


# ------------------------------------------------------------------------------------------------
# Named instances: one per process per name, so a re-open reaches the same unit.
# ------------------------------------------------------------------------------------------------
_REGISTRY: dict[str, Simulator] = {}
_REGISTRY_LOCK = threading.Lock()


def simulator_for(config: SimConfig) -> Simulator:
    """The simulator a sim:// URL means: shared by ``name`` (or, without a name, by its control
    endpoint, which only one simulator can bind); a fresh private one otherwise. When an
    instance exists, the options of later opens are ignored."""
    key = config.name or config.control
    if key is None:
        return Simulator(config)
    with _REGISTRY_LOCK:
        sim = _REGISTRY.get(key)
        if sim is None:
            sim = Simulator(config)
            if config.control:
                from .control import ControlServer

                sim.control_server = ControlServer(sim, config.control)
                sim.control_server.start()
            _REGISTRY[key] = sim
        return sim


def get_simulator(name: str) -> Simulator:
    with _REGISTRY_LOCK:
        try:
            return _REGISTRY[name]
        except KeyError:
            raise KeyError(f"no simulator named {name!r} in this process") from None


def forget_simulator(name: str) -> None:
    """Drop a named instance (and stop its control endpoint); the next open makes a new one."""
    with _REGISTRY_LOCK:
        sim = _REGISTRY.pop(name, None)
    if sim is not None:
        sim.close()
