"""A season replay plant: the simulator's power plant (the same flows, battery and SBU
fallback as a simulated unit) fed with a recorded household load and the modelled sun with
day-to-day weather, stepped an hour at a time by a driver over JSON lines on stdin/stdout.

Times are naive UTC, so the sun needs no daylight-saving rule; the driver owns local time,
Tempo colours and prices.

    {"op": "init", "load_csv": ..., "start": "2022-10-31T23:00:00", ...} -> {"ok": true}
    {"op": "series", "hours": 3624}   -> {"hours": [{"pv_kwh", "load_kwh", "weather"}, ...]}
    {"op": "set", "settings": {"output_source_priority": 2, ...}} -> {"ok": true}
    {"op": "run", "minutes": 60}      -> {"soc", "energy": {...Wh over the step}, "sbu_on_line"}
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .environment import Environment, daily_weather
from .ledger import EnergyLedger
from .plant import Plant
from .profiles import get_profile

HALF_HOUR = timedelta(minutes=30)
_SETTABLE = ("output_source_priority", "charger_source_priority", "max_ac_charging_current")


def read_load_csv(path: Path) -> dict[datetime, float]:
    """Half-hourly load (W) by the naive-UTC start of each half hour. The file's `start` is
    the end of the half hour, local time with its offset (an Enedis export)."""
    series: dict[datetime, float] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            end = datetime.fromisoformat(row["start"]).astimezone(UTC)
            series[(end - HALF_HOUR).replace(tzinfo=None)] = float(row["watts"])
    return series


@dataclass
class SeriesEnvironment(Environment):
    """An environment whose load comes from a recorded series and whose weather changes from
    day to day (daily_weather), unless a day has its own entry."""

    load_series: dict[datetime, float] = field(default_factory=dict)
    weather_seed: int = 0

    def household_load_w(self, when: datetime) -> float:
        slot = when.replace(minute=when.minute - when.minute % 30, second=0, microsecond=0)
        value = self.load_series.get(slot)
        if value is None:  # a gap in the recording: the half hour before it
            value = self.load_series.get(slot - HALF_HOUR, 0.0)
        return value * self.load_scale

    def weather_factor(self, when: datetime) -> float:
        key = when.date().isoformat()
        if key not in self.weather_by_day:
            self.weather_by_day[key] = daily_weather(self.weather_seed, when.date())
        return super().weather_factor(when)


@dataclass
class SeasonPlant:
    plant: Plant
    env: SeriesEnvironment
    now: datetime
    peaks: tuple[float, ...]

    @classmethod
    def create(cls, request: dict[str, Any]) -> SeasonPlant:
        capacity_wh = float(request.get("capacity_kwh", 10)) * 1000
        base = get_profile(str(request.get("profile", "pi30")))
        profile = replace(
            base,
            pv_peak_w=(float(request.get("pv_peak_w", 5000)),),
            battery_capacity_ah=capacity_wh / base.battery_nominal_v,
        )
        env = SeriesEnvironment(
            seed=int(request.get("seed", 1)),
            latitude=float(request.get("latitude", 46.5)),
            solar_noon=float(request.get("solar_noon_utc", 11.9)),
            clouds=float(request.get("clouds", 0.25)),
            load_series=read_load_csv(Path(str(request["load_csv"]))),
            weather_seed=int(request.get("weather_seed", 2022)),
        )
        start = datetime.fromisoformat(str(request["start"]))
        settings = profile.default_settings()
        plant = Plant(profile, settings, env, EnergyLedger(), start, float(request.get("soc", 50)))
        return cls(plant, env, start, profile.pv_peak_w)

    def series(self, hours: int) -> list[dict[str, float]]:
        """The true hourly sun (available PV) and load from the current time on."""
        out = []
        for h in range(hours):
            start = self.now + timedelta(hours=h)
            pv = load = 0.0
            for m in range(60):
                when = start + timedelta(minutes=m)
                pv += sum(self.env.pv_available_w(when, self.peaks))
                load += self.env.household_load_w(when)
            out.append(
                {
                    "pv_kwh": round(pv / 60 / 1000, 4),
                    "load_kwh": round(load / 60 / 1000, 4),
                    "weather": self.env.weather_by_day[start.date().isoformat()],
                }
            )
        return out

    def set(self, settings: dict[str, Any]) -> None:
        for name, value in settings.items():
            if name not in _SETTABLE:
                raise ValueError(f"not a setting of the replay: {name}")
            setattr(self.plant.settings, name, int(value))

    def run(self, minutes: int) -> dict[str, Any]:
        before = self.plant.ledger.totals()
        self.now += timedelta(minutes=minutes)
        self.plant.advance(self.now)
        after = self.plant.ledger.totals()
        return {
            "minutes": minutes,
            "soc": round(self.plant.state.soc, 3),
            "sbu_on_line": self.plant.state.sbu_on_line,
            "energy": {k: round(after[k] - before[k], 3) for k in after},
        }


def serve(lines: Any, out: Any) -> None:
    season: SeasonPlant | None = None
    for line in lines:
        request = json.loads(line)
        op = request.get("op")
        reply: dict[str, Any]
        if op == "init":
            season = SeasonPlant.create(request)
            reply = {"ok": True}
        elif season is None:
            reply = {"error": "init first"}
        elif op == "series":
            reply = {"hours": season.series(int(request["hours"]))}
        elif op == "set":
            season.set(dict(request["settings"]))
            reply = {"ok": True}
        elif op == "run":
            reply = season.run(int(request.get("minutes", 60)))
        else:
            reply = {"error": f"unknown op {op}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def weather_days(seed: int, first: date, days: int) -> dict[str, float]:
    """The modelled weather of a run of days (for reports)."""
    return {
        (first + timedelta(days=i)).isoformat(): daily_weather(seed, first + timedelta(days=i))
        for i in range(days)
    }


if __name__ == "__main__":  # pragma: no cover - the replay driver starts it
    serve(sys.stdin, sys.stdout)
