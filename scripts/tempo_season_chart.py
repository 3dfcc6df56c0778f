"""Chart of a Tempo season replay (scripts/tempo-season.js writes season.json): cumulative
euros per strategy over the season, red days shaded, and the season totals as bars.

    python scripts/tempo_season_chart.py season.json out.png
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLOURS = {"none": "#7f8c8d", "rule": "#e67e22", "optimise": "#2980b9", "perfect": "#27ae60"}


def chart(report: dict[str, Any], out: Path) -> None:
    results = report["results"]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2.2, 1]}, constrained_layout=True
    )
    days = sorted(results[0]["daily"])
    x = [date.fromisoformat(d) for d in days]
    for d, when in zip(days, x, strict=True):
        if results[0]["daily"][d]["colour"] == "red":
            left.axvspan(
                when, when.fromordinal(when.toordinal() + 1), color="#e74c3c", alpha=0.12, lw=0
            )
    for r in results:
        total = 0.0
        series = []
        for d in days:
            total += r["daily"][d]["eur"]
            series.append(total)
        left.plot(
            x, series, label=f"{r['label']}: {r['euros']:.0f} EUR", color=COLOURS.get(r["strategy"])
        )
    period = report["period"]
    left.set_title(f"Tempo {period['from']} to {period['to']}: euros so far (red days shaded)")
    left.set_ylabel("EUR")
    left.legend(loc="upper left", fontsize=8)
    left.grid(alpha=0.3)
    names = [r["label"].split(" ", 1)[0] for r in results]
    bars = right.bar(
        names,
        [r["redPeakImportKwh"] for r in results],
        color=[COLOURS.get(r["strategy"]) for r in results],
    )
    right.bar_label(bars, fmt="%.0f", fontsize=8)
    right.set_title("kWh from the grid in red peak hours")
    right.grid(axis="y", alpha=0.3)
    fig.text(
        0.01,
        -0.02,
        "Load: a real household (EDFComparateur consoexemple.csv, Enedis export), CC BY-SA 4.0. "
        "Colours: RTE. Sun: modelled, 5 kWp, day-to-day weather. Battery 10 kWh 48 V (simulator plant).",
        fontsize=7,
    )
    fig.savefig(out, dpi=110, bbox_inches="tight")


def main(argv: list[str]) -> int:
    report = json.loads(Path(argv[1]).read_text())
    chart(report, Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
