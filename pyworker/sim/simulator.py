"""The simulator as the outside sees it: request frames in, answer frames out (with the faults
in force), a shared clock, counters and the unplug state. Named instances live in registry.py,
the control endpoint and its status projection in control.py."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..protocol import build_response, crc_matches
from .clock import SimClock
from .config import SimConfig
from .environment import Environment
from .faults import FaultPlan, FaultRule
from .inverter import VirtualInverter

BAUD = 2400
BYTE_TIME = 10 / BAUD  # start bit, 8 data bits, stop bit: 4.17 ms per byte
RESERVED = frozenset(b"(\r\n")


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
