"""The energy ledger: where every simulated watt-hour came from and went, in time buckets.

Minute buckets (kept for ``minute_retention_days``) let a test ask for "grid import between
06:00 and 22:00 on day X" exactly; hour and day totals are kept for the whole run and feed the
inverter's own counters (QET/QED/QLT...). The model is lossless, so per bucket
``pv + grid import + battery discharge == load + battery charge``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

EPOCH = datetime(2000, 1, 1)

FLOW_KEYS: tuple[str, ...] = (
    "pv_wh",
    "pv_to_load_wh",
    "pv_to_battery_wh",
    "load_wh",
    "grid_to_load_wh",
    "grid_to_battery_wh",
    "battery_charge_wh",
    "battery_discharge_wh",
)
_N = len(FLOW_KEYS)


@dataclass(frozen=True)
class PowerFlows:
    """Average powers (W) over an interval; the integrand of the ledger."""

    pv_to_load_w: float = 0.0
    pv_to_battery_w: float = 0.0
    grid_to_load_w: float = 0.0
    grid_to_battery_w: float = 0.0
    battery_discharge_w: float = 0.0

    @property
    def pv_w(self) -> float:
        return self.pv_to_load_w + self.pv_to_battery_w

    @property
    def load_w(self) -> float:
        return self.pv_to_load_w + self.grid_to_load_w + self.battery_discharge_w

    @property
    def battery_charge_w(self) -> float:
        return self.pv_to_battery_w + self.grid_to_battery_w

    def as_vector(self) -> list[float]:
        return [
            self.pv_w,
            self.pv_to_load_w,
            self.pv_to_battery_w,
            self.load_w,
            self.grid_to_load_w,
            self.grid_to_battery_w,
            self.battery_charge_w,
            self.battery_discharge_w,
        ]


def _minute_index(when: datetime) -> int:
    return int((when - EPOCH).total_seconds() // 60)


def _as_dict(vector: Iterable[float]) -> dict[str, float]:
    out = {key: round(value, 3) for key, value in zip(FLOW_KEYS, vector, strict=True)}
    out["grid_import_wh"] = round(out["grid_to_load_wh"] + out["grid_to_battery_wh"], 3)
    return out


class EnergyLedger:
    def __init__(self, minute_retention_days: int = 40) -> None:
        self.minute_retention = minute_retention_days * 1440
        self._minutes: dict[int, list[float]] = {}
        self._hours: dict[int, list[float]] = {}
        self._days: dict[date, list[float]] = {}
        self._totals = [0.0] * _N
        self._newest_minute = -1

    def add(self, start: datetime, seconds: float, flows: PowerFlows) -> None:
        """Book ``flows`` held for ``seconds`` from ``start`` (an interval inside one minute)."""
        hours = seconds / 3600
        energy = [w * hours for w in flows.as_vector()]
        minute = _minute_index(start)
        for store, key in (
            (self._minutes, minute),
            (self._hours, minute // 60),
        ):
            bucket = store.setdefault(key, [0.0] * _N)
            for i, value in enumerate(energy):
                bucket[i] += value
        day_bucket = self._days.setdefault(start.date(), [0.0] * _N)
        for i, value in enumerate(energy):
            day_bucket[i] += value
            self._totals[i] += value
        if minute > self._newest_minute:
            self._newest_minute = minute
            self._prune()

    def _prune(self) -> None:
        oldest = self._newest_minute - self.minute_retention
        if len(self._minutes) > self.minute_retention + 1440:
            for key in [k for k in self._minutes if k < oldest]:
                del self._minutes[key]

    def totals(self) -> dict[str, float]:
        return _as_dict(self._totals)

    def day(self, day: date) -> dict[str, float]:
        return _as_dict(self._days.get(day, [0.0] * _N))

    def sum_days(self, year: int, month: int | None = None) -> dict[str, float]:
        acc = [0.0] * _N
        for day, bucket in self._days.items():
            if day.year == year and (month is None or day.month == month):
                for i, value in enumerate(bucket):
                    acc[i] += value
        return _as_dict(acc)

    def between(self, start: datetime, end: datetime) -> dict[str, float]:
        """Energy booked in [start, end): minute resolution where kept, else hours prorated."""
        acc = [0.0] * _N
        if end <= start:
            return _as_dict(acc)
        first_hour = _minute_index(start) // 60
        last_hour = (_minute_index(end - timedelta(microseconds=1))) // 60
        for hour in range(first_hour, last_hour + 1):
            bucket = self._hours.get(hour)
            if bucket is None:
                continue
            h_start = EPOCH + timedelta(hours=hour)
            h_end = h_start + timedelta(hours=1)
            if start <= h_start and h_end <= end:
                for i, value in enumerate(bucket):
                    acc[i] += value
                continue
            lo, hi = max(start, h_start), min(end, h_end)
            for minute in range(hour * 60, hour * 60 + 60):
                m_start = EPOCH + timedelta(minutes=minute)
                m_end = m_start + timedelta(minutes=1)
                overlap = (min(hi, m_end) - max(lo, m_start)).total_seconds()
                if overlap <= 0:
                    continue
                m_bucket = self._minutes.get(minute)
                if m_bucket is not None:
                    share = overlap / 60
                    for i, value in enumerate(m_bucket):
                        acc[i] += value * share
                elif minute < self._newest_minute - self.minute_retention:
                    share = overlap / 3600  # minutes pruned: spread the hour evenly
                    for i, value in enumerate(bucket):
                        acc[i] += value * share
        return _as_dict(acc)

    def hourly(self, start: datetime, end: datetime) -> list[dict[str, object]]:
        """Per-hour rows ``{"start": iso, ...}`` of the hours that overlap [start, end)."""
        rows: list[dict[str, object]] = []
        hour = _minute_index(start) // 60
        while EPOCH + timedelta(hours=hour) < end:
            h_start = EPOCH + timedelta(hours=hour)
            row: dict[str, object] = {"start": h_start.isoformat()}
            row.update(self.between(max(start, h_start), min(end, h_start + timedelta(hours=1))))
            rows.append(row)
            hour += 1
        return rows
