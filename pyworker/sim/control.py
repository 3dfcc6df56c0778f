"""The control endpoint: other processes steer a simulator over ZeroMQ (REP socket, one
msgpack map per request and per reply). See docs/simulator.md for the operations.

    with SimControl("ipc:///tmp/sim.ctl") as ctl:
        ctl.set_faults({"crc": "once"})
        ctl.clock(set="2026-01-15T05:00", speed=3600)
        print(ctl.status()["state"]["soc"])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, Self

import msgpack
import zmq

from .clock import parse_time
from .faults import parse_fault_spec
from .simulator import Simulator

Op = Callable[[Simulator, Mapping[str, Any]], dict[str, Any]]


class ControlError(Exception):
    """A control request the simulator could not carry out (bad op or argument)."""


def _time_arg(request: Mapping[str, Any], key: str) -> datetime | None:
    value = request.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(f"{key}: expected an ISO date-time string")
    try:
        return parse_time(value)
    except ValueError:
        raise ControlError(f"{key}: {value!r} is not an ISO date-time") from None


def _number(request: Mapping[str, Any], key: str) -> float | None:
    value = request.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"{key}: expected a number")
    return float(value)


def status_of(sim: Simulator) -> dict[str, Any]:
    """What ``status`` answers: the unit, its clock, plug, state, settings, faults, counters
    and ledger, as plain data."""
    with sim.lock:
        now = sim.clock.now()
        op = sim.inverter.operating_point(now)
        plant = sim.inverter.plant
        env = sim.env
        return {
            "model": sim.profile.key,
            "protocol": sim.profile.protocol,
            "profile": sim.profile.device_profile,
            "battery_capacity_wh": sim.profile.battery_capacity_wh,
            "seed": sim.seed,
            "now": now.isoformat(timespec="seconds"),
            "speed": sim.clock.speed,
            "pacing": sim.pacing,
            "latency_ms": sim.latency_s * 1000,
            "plugged": sim.plug.plugged,
            "unplugged_remaining_s": round(sim.plug.remaining_s, 3),
            "plug_generation": sim.plug.generation,
            "ignore_writes": sim.inverter.ignore_writes,
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
                "grid_available": env.grid_available,
                "sbu_on_line": plant.state.sbu_on_line,
                "low_battery_shutdown": plant.state.low_battery_shutdown,
                "weather": env.weather,
                "weather_by_day": dict(env.weather_by_day),
                "clouds": env.clouds,
                "load_override_w": env.load_w,
                "load_scale": env.load_scale,
                "warnings": sorted(sim.inverter.warnings(op)),
                "sunrise_sunset": [round(h, 3) for h in env.sunrise_sunset(now.date())],
            },
            "settings": asdict(sim.inverter.settings),
            "faults": sim.faults.describe(),
            "injected": dict(sim.faults.injected),
            "transactions": dict(sim.transactions),
            "transactions_total": sum(sim.transactions.values()),
            "recent": list(sim.recent),
            "ledger": {
                "totals": sim.inverter.ledger.totals(),
                "today": sim.inverter.ledger.day(now.date()),
            },
        }


def op_status(sim: Simulator, _request: Mapping[str, Any]) -> dict[str, Any]:
    return status_of(sim)


def op_set_faults(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    with sim.lock:
        try:
            if request.get("clear"):
                sim.faults.clear()
            for spec in request.get("spec", []) or []:
                sim.faults.add(parse_fault_spec(str(spec)))
            faults = request.get("faults", {}) or {}
            if not isinstance(faults, Mapping):
                raise ControlError("faults: expected a map kind -> probability / 'once' / ...")
            for kind, when in faults.items():
                sim.faults.set(str(kind), when)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        return {"faults": sim.faults.describe()}


def op_unplug(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    seconds = _number(request, "seconds")
    if seconds is None or seconds < 0:
        raise ControlError("unplug: seconds >= 0 is required")
    sim.unplug(seconds)
    return {"plugged": sim.plug.plugged, "unplugged_remaining_s": sim.plug.remaining_s}


def op_plug(sim: Simulator, _request: Mapping[str, Any]) -> dict[str, Any]:
    with sim.lock:
        sim.plug.plug()
    return {"plugged": True}


def op_clock(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    when = _time_arg(request, "set")
    speed = _number(request, "speed")
    step = _number(request, "step_s")
    if speed is not None and speed < 0:
        raise ControlError("speed must be >= 0")
    if step is not None and step < 0:
        raise ControlError("step_s must be >= 0")
    if when is not None or speed is not None:
        sim.set_time(when, speed)
    if step:
        sim.step(step)
    return {"now": sim.clock.now().isoformat(timespec="seconds"), "speed": sim.clock.speed}


def op_set_state(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    """soc, weather, weather_by_day, clouds, load_w (null: the daily profile), load_scale,
    grid (bool), warnings (QPIWS names forced on), settings (QPIRI-named values)."""
    with sim.lock:
        inverter, env = sim.inverter, sim.env
        inverter.plant.advance(sim.clock.now())
        for key, value in request.items():
            if key == "op":
                continue
            if key == "soc":
                number = _number(request, key)
                if number is None or not 0 <= number <= 100:
                    raise ControlError("soc: 0..100")
                inverter.plant.state.soc = number
            elif key == "weather":
                number = _number(request, key)
                if number is None or number < 0:
                    raise ControlError("weather: a factor >= 0 (1 = clear sky)")
                env.weather = number
            elif key == "weather_by_day":
                if not isinstance(value, Mapping):
                    raise ControlError("weather_by_day: a map 'YYYY-MM-DD' -> factor")
                env.weather_by_day.update({str(k): float(v) for k, v in value.items()})
            elif key == "clouds":
                env.clouds = float(_number(request, key) or 0.0)
            elif key == "load_w":
                env.load_w = _number(request, key)
            elif key == "load_scale":
                env.load_scale = float(_number(request, key) or 0.0)
            elif key == "grid":
                env.grid_available = bool(value)
            elif key == "warnings":
                names = set(inverter.warning_names())
                wanted = {str(v) for v in value or []}
                if wanted - names:
                    raise ControlError(f"warnings: unknown names {sorted(wanted - names)}")
                inverter.forced_warnings = wanted
            elif key == "settings":
                _apply_settings(sim, value)
            else:
                raise ControlError(f"set_state: unknown key {key!r}")
    state: dict[str, Any] = status_of(sim)["state"]
    return state


def _apply_settings(sim: Simulator, values: Any) -> None:
    settings = sim.inverter.settings
    if not isinstance(values, Mapping):
        raise ControlError("settings: a map of setting name -> value")
    for name, value in values.items():
        if name == "flags" or not hasattr(settings, name):
            raise ControlError(f"settings: unknown setting {name!r}")
        current = getattr(settings, name)
        kind: type = type(current)
        try:
            setattr(settings, name, kind(value))
        except (TypeError, ValueError):
            raise ControlError(f"settings: {name} expects {type(current).__name__}") from None


def op_ledger(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    start = _time_arg(request, "from")
    end = _time_arg(request, "to")
    with sim.lock:
        now = sim.clock.now()
        sim.inverter.plant.advance(now)
        ledger = sim.inverter.ledger
        if start is None and end is None:
            return {
                "totals": ledger.totals(),
                "integrated_to": sim.inverter.plant.cursor.isoformat(),
            }
        start = start or datetime(2000, 1, 1)
        end = end or now
        out: dict[str, Any] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "integrated_to": sim.inverter.plant.cursor.isoformat(),
            "energy": ledger.between(start, end),
        }
        if request.get("hourly"):
            out["hours"] = ledger.hourly(start, end)
        return out


def op_reset_counters(sim: Simulator, _request: Mapping[str, Any]) -> dict[str, Any]:
    sim.reset_counters()
    return {}


def op_ignore_writes(sim: Simulator, request: Mapping[str, Any]) -> dict[str, Any]:
    enabled = request.get("enabled", True)
    with sim.lock:
        sim.inverter.ignore_writes = bool(enabled)
    return {"ignore_writes": sim.inverter.ignore_writes}


def op_ping(_sim: Simulator, _request: Mapping[str, Any]) -> dict[str, Any]:
    return {"pong": True}


OPS: dict[str, Op] = {
    "status": op_status,
    "set_faults": op_set_faults,
    "unplug": op_unplug,
    "plug": op_plug,
    "clock": op_clock,
    "set_state": op_set_state,
    "ledger": op_ledger,
    "reset_counters": op_reset_counters,
    "ignore_writes": op_ignore_writes,
    "ping": op_ping,
}


def handle_request(sim: Simulator, request: Any) -> dict[str, Any]:
    """One control request (already unpacked) -> the reply map."""
    if not isinstance(request, Mapping) or not isinstance(request.get("op"), str):
        return _error("a request is a map with an 'op' string")
    op = OPS.get(request["op"])
    if op is None:
        return _error(f"unknown op {request['op']!r}; known: {', '.join(OPS)}")
    try:
        reply = op(sim, request)
    except ControlError as exc:
        return _error(str(exc))
    return {"ok": True, **reply}


def _error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": "INVALID_REQUEST", "message": message}}


class ControlServer:
    """A REP socket served by a daemon thread."""

    def __init__(self, sim: Simulator, endpoint: str) -> None:
        self.sim = sim
        self.endpoint = endpoint
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.REP)
        self._socket.setsockopt(zmq.LINGER, 0)
        try:
            self._socket.bind(endpoint)
        except zmq.ZMQError as exc:
            self._socket.close()
            self._context.term()
            raise OSError(f"control endpoint {endpoint}: {exc}") from None
        last = self._socket.getsockopt(zmq.LAST_ENDPOINT)
        self.bound = last.decode() if isinstance(last, bytes) else str(last)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sim-control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        poller = zmq.Poller()
        poller.register(self._socket, zmq.POLLIN)
        try:
            while not self._stop.is_set():
                if not dict(poller.poll(100)):
                    continue
                raw = self._socket.recv()
                try:
                    request = msgpack.unpackb(raw, raw=False)
                except (ValueError, msgpack.UnpackException):  # undecodable: say so, keep serving
                    reply = _error("the request is not a msgpack map")
                else:
                    reply = handle_request(self.sim, request)
                self._socket.send(msgpack.packb(reply, use_bin_type=True))
        finally:
            self._socket.close()
            self._context.term()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)


class SimControl:
    """A client for the control endpoint (for tests and scripts)."""

    def __init__(self, endpoint: str, timeout: float = 5.0) -> None:
        self.endpoint = endpoint
        self.timeout_ms = int(timeout * 1000)
        self._context = zmq.Context()
        self._socket: zmq.Socket[bytes] | None = None

    def _connect(self) -> zmq.Socket[bytes]:
        if self._socket is None:
            sock: zmq.Socket[bytes] = self._context.socket(zmq.REQ)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.RCVTIMEO, self.timeout_ms)
            sock.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
            sock.connect(self.endpoint)
            self._socket = sock
        return self._socket

    def request(self, op: str, **args: Any) -> dict[str, Any]:
        """Send one op; returns the reply map; raises ControlError if the simulator refused it
        and TimeoutError if it did not answer."""
        sock = self._connect()
        try:
            sock.send(msgpack.packb({"op": op, **args}, use_bin_type=True))
            reply = msgpack.unpackb(sock.recv(), raw=False)
        except zmq.Again:
            sock.close()
            self._socket = None  # a REQ socket that missed its reply cannot be reused
            raise TimeoutError(f"no answer from the simulator at {self.endpoint}") from None
        if not isinstance(reply, dict) or not reply.get("ok"):
            error = reply.get("error", {}) if isinstance(reply, dict) else {}
            raise ControlError(str(error.get("message", reply)))
        return reply

    def status(self) -> dict[str, Any]:
        return self.request("status")

    def set_faults(
        self,
        faults: Mapping[str, Any] | None = None,
        *,
        spec: list[str] | None = None,
        clear: bool = False,
    ) -> dict[str, Any]:
        return self.request("set_faults", faults=dict(faults or {}), spec=spec or [], clear=clear)

    def unplug(self, seconds: float) -> dict[str, Any]:
        return self.request("unplug", seconds=seconds)

    def plug(self) -> dict[str, Any]:
        return self.request("plug")

    def clock(
        self,
        set: str | None = None,
        speed: float | None = None,
        step_s: float | None = None,
    ) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if set is not None:
            args["set"] = set
        if speed is not None:
            args["speed"] = speed
        if step_s is not None:
            args["step_s"] = step_s
        return self.request("clock", **args)

    def set_state(self, **state: Any) -> dict[str, Any]:
        return self.request("set_state", **state)

    def ledger(
        self, start: str | None = None, end: str | None = None, hourly: bool = False
    ) -> dict[str, Any]:
        args: dict[str, Any] = {"hourly": hourly}
        if start is not None:
            args["from"] = start
        if end is not None:
            args["to"] = end
        return self.request("ledger", **args)

    def reset_counters(self) -> dict[str, Any]:
        return self.request("reset_counters")

    def ignore_writes(self, enabled: bool = True) -> dict[str, Any]:
        return self.request("ignore_writes", enabled=enabled)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._context.term()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
