"""What the simulated unit lives in: the sun over a given latitude, the weather, a household's
load. Every function is a pure function of (seed, time) so a seeded run repeats exactly,
however often and whenever it is queried."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

_MASK64 = (1 << 64) - 1


def noise(seed: int, channel: int, index: int) -> float:
    """A deterministic pseudo-random number in [0, 1) for (seed, channel, index) (splitmix64)."""
    z = (seed * 0x9E3779B97F4A7C15 + channel * 0xBF58476D1CE4E5B9 + index) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def smooth_noise(seed: int, channel: int, position: float) -> float:
    """Noise in [0, 1) that varies smoothly with ``position`` (interpolated between integers)."""
    i = math.floor(position)
    frac = position - i
    a, b = noise(seed, channel, i), noise(seed, channel, i + 1)
    t = frac * frac * (3 - 2 * frac)
    return a + (b - a) * t


def hours_of_day(when: datetime) -> float:
    return when.hour + when.minute / 60 + when.second / 3600 + when.microsecond / 3.6e9


def declination_deg(day: date) -> float:
    return 23.44 * math.sin(math.radians(360 * (284 + day.timetuple().tm_yday) / 365))


def day_length_hours(day: date, latitude: float) -> float:
    lat, dec = math.radians(latitude), math.radians(declination_deg(day))
    cos_h0 = -math.tan(lat) * math.tan(dec)
    if cos_h0 <= -1:
        return 24.0
    if cos_h0 >= 1:
        return 0.0
    return 2 * math.degrees(math.acos(cos_h0)) / 15


# Channels of the noise generator, so that no two quantities share a random sequence.
CH_CLOUDS, CH_LOAD, CH_SPIKE, CH_READING = 1, 2, 3, 4
CH_WEATHER, CH_WEATHER_DAY = 5, 6


def daily_weather(seed: int, day: date) -> float:
    """Day-to-day weather as a factor of clear-sky sun (1 clear, near 0 overcast): weather
    systems that last a few days, with day-to-day scatter; about 0.4 on average, as a winter
    in France."""
    systems = smooth_noise(seed, CH_WEATHER, day.toordinal() / 3)
    scatter = noise(seed, CH_WEATHER_DAY, day.toordinal())
    return round(0.05 + 0.95 * float((0.65 * systems + 0.35 * scatter) ** 1.7), 3)


@dataclass
class Environment:
    """Sun, weather and household load for one simulated site."""

    seed: int = 0
    latitude: float = 48.0
    solar_noon: float = 12.5  # local clock hour of the sun's highest point
    weather: float = 1.0  # 1 clear sky, 0 no sun; scales every day without its own entry
    weather_by_day: dict[str, float] = field(default_factory=dict)  # "2026-01-15" -> factor
    clouds: float = 0.25  # depth of passing-cloud dips (0 = none)
    load_w: float | None = None  # a fixed household load instead of the daily profile
    load_scale: float = 1.0
    grid_available: bool = True

    def sunrise_sunset(self, day: date) -> tuple[float, float]:
        """Local clock hours of sunrise and sunset."""
        half = day_length_hours(day, self.latitude) / 2
        return self.solar_noon - half, self.solar_noon + half

    def sun_fraction(self, when: datetime, hour_shift: float = 0.0) -> float:
        """Clear-sky PV output as a fraction of peak: the sine of the sun's elevation,
        normalised to the summer-solstice noon at this latitude (shifted for a tracker that
        faces west of south)."""
        lat = math.radians(self.latitude)
        dec = math.radians(declination_deg(when.date()))
        hour_angle = math.radians(15 * (hours_of_day(when) - self.solar_noon - hour_shift))
        sin_el = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(
            hour_angle
        )
        if sin_el <= 0:
            return 0.0
        peak = math.sin(math.radians(min(90.0, 90 - abs(self.latitude) + 23.44)))
        return float(min(1.0, (sin_el / peak) ** 1.15))

    def weather_factor(self, when: datetime) -> float:
        base = self.weather_by_day.get(when.date().isoformat(), self.weather)
        if self.clouds <= 0:
            return max(0.0, base)
        minutes = (when - datetime(2000, 1, 1)).total_seconds() / 60
        dip = smooth_noise(self.seed, CH_CLOUDS, minutes / 7)  # clouds pass in ~10 minutes
        dip = max(0.0, dip - 0.45) / 0.55  # clear most of the time
        return max(0.0, base * (1 - self.clouds * dip))

    def pv_available_w(self, when: datetime, peaks: tuple[float, ...]) -> tuple[float, ...]:
        """What each tracker could deliver now (before the charger and load limit it)."""
        weather = self.weather_factor(when)
        return tuple(
            round(peak * self.sun_fraction(when, hour_shift=1.5 * i) * weather, 1)
            for i, peak in enumerate(peaks)
        )

    def household_load_w(self, when: datetime) -> float:
        """A home: standby at night, breakfast and dinner peaks, kettle and oven spikes."""
        if self.load_w is not None:
            return max(0.0, self.load_w)
        h = hours_of_day(when)
        load = 180.0
        load += 450 * _bump(h, 7.25, 0.9)  # breakfast
        load += 220 * _bump(h, 13.0, 2.5)  # daytime appliances
        load += 750 * _bump(h, 19.5, 1.8)  # dinner and evening
        load += 120 * _bump(h, 22.5, 1.0)
        minutes = int((when - datetime(2000, 1, 1)).total_seconds() // 60)
        slot = minutes // 5
        load *= 0.85 + 0.3 * noise(self.seed, CH_LOAD, slot)
        # a 2 kW appliance runs for a few minutes now and then, more often at meal times
        spike_chance = 0.02 + 0.10 * max(_bump(h, 7.5, 0.7), _bump(h, 19.0, 1.0))
        if noise(self.seed, CH_SPIKE, slot) < spike_chance:
            load += 2000
        return load * self.load_scale


def _bump(x: float, centre: float, width: float) -> float:
    return math.exp(-(((x - centre) / width) ** 2))
