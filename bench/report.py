"""The rows of the bench table: what each compares, the JSON document, the markdown table, and
the check that a results file holds every row (the `make test` smoke run uses it).

    python -m bench.report --check FILE     # exit 1 unless FILE is a complete results document
    python -m bench.report FILE             # print its markdown table again
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 1

# Every row `make bench` must produce, in table order: (id, issue row, what is measured).
ROWS: tuple[tuple[str, int, str], ...] = (
    ("1.QMOD.python", 1, "QMOD, full stack, Python client"),
    ("1.QPIGS.python", 1, "QPIGS, full stack, Python client"),
    ("1.QPIRI.python", 1, "QPIRI, full stack, Python client"),
    ("1.setter.python", 1, "setter POP02 -> ACK, full stack, Python client"),
    ("1.QMOD.node", 1, "QMOD, full stack, Node.js lib/client.js"),
    ("1.QPIGS.node", 1, "QPIGS, full stack, Node.js lib/client.js"),
    ("1.QPIRI.node", 1, "QPIRI, full stack, Node.js lib/client.js"),
    ("1.setter.node", 1, "setter POP02 -> ACK, full stack, Node.js lib/client.js"),
    ("2.QMOD.cli", 2, "QMOD vs mpp-solar, one process per call"),
    ("2.QPIGS.cli", 2, "QPIGS vs mpp-solar, one process per call"),
    ("2.QPIRI.cli", 2, "QPIRI vs mpp-solar, one process per call"),
    ("2.setter.cli", 2, "setter vs mpp-solar, one process per call"),
    ("2.QMOD.api", 2, "QMOD vs mpp-solar, Python API in one process"),
    ("2.QPIGS.api", 2, "QPIGS vs mpp-solar, Python API in one process"),
    ("2.QPIRI.api", 2, "QPIRI vs mpp-solar, Python API in one process"),
    ("2.setter.api", 2, "setter vs mpp-solar, Python API in one process"),
    ("3.poll.floor", 3, "full poll (5 queries sent at once)"),
    ("3.poll.cli_per_call", 3, "full poll vs mpp-solar, 5 processes"),
    ("3.poll.cli_one_call", 3, "full poll vs mpp-solar, one process `-c A#B#C#D#E`"),
    ("3.poll.api", 3, "full poll vs mpp-solar, Python API in one process"),
    (
        "4.wire.shipped",
        4,
        "fan-out 10 clients, QPIGS/2 s: wire load (as shipped: polls on the clock)",
    ),
    ("4.latency.shipped", 4, "fan-out 10 clients: per-request latency (as shipped)"),
    ("4.wire.spread", 4, "fan-out 10 clients: wire load, polls spread over the period, max_age 0"),
    ("4.latency.spread", 4, "fan-out 10 clients: latency, polls spread, max_age 0"),
    ("4.wire.max_age", 4, "fan-out 10 clients: wire load with max_age_ms 2000"),
    ("4.latency.max_age", 4, "fan-out 10 clients: latency with max_age_ms 2000"),
    ("5.setter_during_poll", 5, "setter latency while a poll cycle is queued"),
    ("6.python.1", 6, "QMOD, pacing off, Python, 1 client"),
    ("6.python.10", 6, "QMOD, pacing off, Python, 10 clients"),
    ("6.python.50", 6, "QMOD, pacing off, Python, 50 clients"),
    ("6.node.1", 6, "QMOD, pacing off, Node.js, 1 client"),
    ("6.node.10", 6, "QMOD, pacing off, Node.js, 10 clients"),
    ("6.node.50", 6, "QMOD, pacing off, Node.js, 50 clients"),
    ("7.hid.floor", 7, "HID QPIGS (8-byte reports), ours"),
    ("7.hid.mppsolar", 7, "HID QPIGS vs mpp-solar's 0.15 s polling reader"),
    ("8.decode", 8, "QPIGS decode, frames/s, same process"),
    ("9.rss.idle", 9, "worker RSS, idle"),
    ("9.rss.after", 9, "worker RSS after polling"),
)
ROW_IDS = tuple(row_id for row_id, _, _ in ROWS)


@dataclass
class Row:
    id: str
    row: int
    what: str
    unit: str = ""
    ours: dict[str, Any] | None = None  # summary(): median, min, max, runs, values
    ours_note: str = ""  # extra figures shown next to ours (p50/p99, ...)
    reference_label: str = ""
    reference: dict[str, Any] | None = None
    ratio: float | None = None  # ours median / reference median
    target: str = ""  # e.g. "<= 1.03" on the ratio
    met: bool | None = None
    shortened: str = ""  # why this row ran shorter than the full run (QUICK)
    note: str = ""
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def blank_row(row_id: str) -> Row:
    for rid, number, what in ROWS:
        if rid == row_id:
            return Row(id=rid, row=number, what=what)
    raise KeyError(row_id)


def target_met(ratio: float | None, target: str) -> bool | None:
    if ratio is None or not target:
        return None
    op, value = target.split()
    limit = float(value)
    return {"<=": ratio <= limit, "<": ratio < limit, ">=": ratio >= limit}[op]


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value / 1000:.3f} s" if value >= 1000 else f"{value:.1f} ms"
    if unit in ("/s", "frames/s"):
        return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.2f} {unit}"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:g} {unit}".strip()


def fmt_summary(s: dict[str, Any] | None, unit: str) -> str:
    if not s:
        return "-"
    if s["min"] == s["max"]:
        return fmt(s["median"], unit)
    low, high = fmt(s["min"], unit).split()[0], fmt(s["max"], unit).split()[0]
    return f"{fmt(s['median'], unit)} ({low}-{high})"


def table(rows: list[Row], quick: bool) -> str:
    header = (
        "| # | measurement | ours: median (min-max) | compared with: median (min-max) "
        "| ratio | target | met | runs |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.error:
            lines.append(f"| {r.row} | {r.what} | error: {r.error[:120]} | | | {r.target} | | |")
            continue
        ours = fmt_summary(r.ours, r.unit) + (f"; {r.ours_note}" if r.ours_note else "")
        ref = "-"
        if r.reference is not None or r.reference_label:
            ref = f"{r.reference_label} {fmt_summary(r.reference, r.unit)}".strip()
        ratio = "-" if r.ratio is None else f"{r.ratio:.3f}" if r.ratio < 10 else f"{r.ratio:.1f}"
        met = {True: "yes", False: "**no**", None: "-"}[r.met]
        runs = str(r.ours["runs"]) if r.ours else "-"
        if r.ours and r.reference and r.reference.get("runs") != r.ours["runs"]:
            runs += f" / {r.reference['runs']}"  # ours / theirs
        if r.shortened:
            runs += " (shortened)"
        lines.append(
            f"| {r.row} | {r.what} | {ours} | {ref} | {ratio} | {r.target or '-'} | {met} "
            f"| {runs} |"
        )
    notes = [f"- {r.id}: {r.note}" for r in rows if r.note and not r.error]
    shortened = [f"- {r.id}: {r.shortened}" for r in rows if r.shortened]
    out = "\n".join(lines)
    if notes:
        out += "\n\nNotes:\n" + "\n".join(notes)
    if quick:
        out += "\n\nQUICK run (a smoke test of the harness): shortened rows:\n"
        out += "\n".join(shortened) if shortened else "- none"
    return out


def document(rows: list[Row], meta: dict[str, Any]) -> dict[str, Any]:
    return {"schema": SCHEMA, **meta, "rows": [asdict(r) for r in rows]}


def write(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    temporary.replace(path)


def problems(doc: Any) -> list[str]:
    """Why ``doc`` is not a complete results document (empty when it is)."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        return [f"not a schema {SCHEMA} results document"]
    found: list[str] = []
    for key in ("generated", "quick", "duration_s", "machine", "versions", "table_markdown"):
        if key not in doc:
            found.append(f"missing {key!r}")
    rows = {r.get("id"): r for r in doc.get("rows", []) if isinstance(r, dict)}
    for row_id in ROW_IDS:
        row = rows.get(row_id)
        if row is None:
            found.append(f"{row_id}: missing")
            continue
        if row.get("error"):
            found.append(f"{row_id}: {row['error']}")
            continue
        ours = row.get("ours") or {}
        median = ours.get("median")
        if not isinstance(median, int | float) or not math.isfinite(median):
            found.append(f"{row_id}: no median")
        if not isinstance(ours.get("runs"), int) or ours["runs"] < 1:
            found.append(f"{row_id}: no runs")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--check", action="store_true", help="validate instead of printing")
    args = parser.parse_args()
    try:
        doc = json.loads(args.file.read_text())
    except (OSError, ValueError) as exc:
        print(f"{args.file}: {exc}")
        return 1
    if args.check:
        found = problems(doc)
        for problem in found:
            print(f"{args.file}: {problem}")
        if not found:
            print(f"{args.file}: {len(doc['rows'])} rows, all measured")
        return 1 if found else 0
    print(doc.get("table_markdown", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
