"""Physically plausible ranges of decoded numbers: an answer outside its range is not taken."""

from __future__ import annotations

from .schema import Plausible

BATTERY_VOLTS = Plausible(0, 72, per_battery=True)  # 1.5 x nominal: equalisation included
LINE_VOLTS = Plausible(0, 600)  # AC, bus and PV voltages
FREQUENCY = Plausible(40, 70, zero_ok=True)
TEMPERATURE = Plausible(-40, 150)
PERCENT = Plausible(0, 100)
LOAD_PERCENT = Plausible(0, 250)  # an overloaded output reads above 100 %
