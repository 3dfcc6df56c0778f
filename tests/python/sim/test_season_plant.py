"""The season replay plant: a recorded load, day-to-day weather, and the simulator's own plant
(flows, SBU fallback) stepped over JSON lines."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

from pyworker.sim.environment import daily_weather
from pyworker.sim.season import read_load_csv, serve


def write_load(path: Path, watts: float, hours: int) -> None:
    # Enedis style: `start` is the end of the half hour, local time with its offset
    lines = ["start,watts"]
    for i in range(1, 2 * hours + 1):
        minutes = 30 * i
        lines.append(f"2023-01-16T{minutes // 60:02d}:{minutes % 60:02d}:00+01:00,{watts}")
    path.write_text("\n".join(lines) + "\n")


def run(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    out = io.StringIO()
    serve([json.dumps(r) for r in requests], out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_daily_weather_is_seeded_bounded_and_varies() -> None:
    days = [date(2022, 11, 1) + timedelta(days=i) for i in range(150)]
    values = [daily_weather(2022, d) for d in days]
    assert values == [daily_weather(2022, d) for d in days]
    assert all(0.05 <= v <= 1.0 for v in values)
    assert 0.25 < sum(values) / len(values) < 0.55
    assert max(values) - min(values) > 0.5
    assert values != [daily_weather(7, d) for d in days]


def test_load_csv_is_read_by_the_utc_start_of_each_half_hour(tmp_path: Path) -> None:
    csv_file = tmp_path / "load.csv"
    write_load(csv_file, 800, 2)
    series = read_load_csv(csv_file)
    first = min(series)
    assert first.isoformat() == "2023-01-15T23:00:00"  # 00:00-00:30 local is 23:00 UTC
    assert len(series) == 4


def test_the_plant_runs_on_the_recorded_load_and_falls_back_to_the_grid_on_sbu(
    tmp_path: Path,
) -> None:
    csv_file = tmp_path / "load.csv"
    write_load(csv_file, 3000, 6)
    replies = run(
        [
            {"op": "init", "load_csv": str(csv_file), "start": "2023-01-15T23:00:00", "soc": 30},
            {"op": "series", "hours": 2},
            {"op": "set", "settings": {"output_source_priority": 2, "charger_source_priority": 3}},
            {"op": "run", "minutes": 60},
            {"op": "run", "minutes": 60},
            {"op": "set", "settings": {"output_source_priority": 0}},
            {"op": "run", "minutes": 1},
        ]
    )
    series = replies[1]["hours"]
    assert isinstance(series, list)
    assert series[0] == {"pv_kwh": 0.0, "load_kwh": 3.0, "weather": series[0]["weather"]}
    first, second = replies[3], replies[4]
    assert isinstance(first["energy"], dict) and isinstance(second["energy"], dict)
    # 3 kW at night from a 10 kWh battery at 30 %: the voltage sags, SBU falls back to the grid
    assert first["energy"]["battery_discharge_wh"] > 0
    assert second["sbu_on_line"] is True
    assert second["energy"]["grid_to_load_wh"] > 2000
    # Utility first clears the fallback (what the optimiser's re-arm relies on)
    assert replies[6]["sbu_on_line"] is False
