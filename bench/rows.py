"""From measurements to the rows of the bench table: one builder per row (or per family of rows
that differ only by a label), looked up by row id in BUILDERS; build_rows fills every row of
report.ROWS in order, and a row whose measurement failed carries the error instead."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .plan import CLIENT_COUNTS, FANOUT_CLIENTS, FULL, Plan
from .report import ROWS, Row, blank_row, target_met
from .stats import summary


class Missing(Exception):
    """A row needs a measurement that failed or did not run."""


@dataclass(frozen=True)
class Measured:
    """What a run measured (raw results by measurement name) and what failed, under its plan."""

    plan: Plan
    raw: dict[str, Any]
    failures: dict[str, str]

    def need(self, name: str) -> Any:
        if name not in self.raw:
            raise Missing(self.failures.get(name, f"{name} was not measured"))
        return self.raw[name]

    def shortened(self, text: str) -> str:
        """Why a QUICK row ran shorter than the full run ('' in the full run)."""
        return text if self.plan.quick else ""

    @property
    def mpp_short(self) -> str:
        return self.shortened(f"{self.plan.mpp_runs} runs of mpp-solar instead of {FULL.mpp_runs}")

    @property
    def fan_short(self) -> str:
        return self.shortened(
            f"{self.plan.fanout_s:g} s per client set instead of {FULL.fanout_s:g} s"
        )


Builder = Callable[[Measured, Row], None]


# -- the shapes rows share ----------------------------------------------------------------------
def compare(
    row: Row,
    unit: str,
    ours: list[float],
    label: str,
    reference: list[float],
    digits: int = 1,
    ratio_digits: int = 3,
) -> float:
    """Ours against a reference: both summarised, and the ratio of their medians (returned)."""
    row.unit = unit
    row.ours = summary(ours, digits)
    row.reference_label = label
    row.reference = summary(reference, digits)
    ratio = round(statistics.median(ours) / statistics.median(reference), ratio_digits)
    row.ratio = ratio
    return ratio


def vs_floor(row: Row, data: dict[str, list[float]], target: str) -> None:
    compare(row, "ms", data["ms"], "wire floor", data["floor_ms"])
    row.target = target


def vs_theirs(row: Row, ours: list[float], label: str, theirs: list[float]) -> None:
    compare(row, "ms", ours, label, theirs)
    row.target = "< 1"


def as_summary(lat: dict[str, Any]) -> dict[str, Any]:
    return {
        "median": lat["p50"],
        "min": lat["min"],
        "max": lat["max"],
        "runs": lat["count"],
        "p99": lat["p99"],
    }


# -- 1, 2: one transaction, full stack, against the wire floor and against mpp-solar ------------
E2E_LABELS = ("QMOD", "QPIGS", "QPIRI", "setter")


def e2e(label: str, client: str) -> Builder:
    def build(m: Measured, row: Row) -> None:
        vs_floor(row, m.need(f"e2e.{client}")[label], "<= 1.03")
        if label == "setter" and client == "python":
            row.note = (
                "POP02 with only_if_changed and verify off: one wire transaction, like "
                "mpp-solar's; the default adds a QPIRI read before and a read-back after"
            )

    return build


def e2e_vs_mppsolar(label: str, key: str, reference_label: str) -> Builder:
    def build(m: Measured, row: Row) -> None:
        ours = m.need("e2e.python")[label]["ms"]
        vs_theirs(row, ours, reference_label, m.need(key)[label])
        row.shortened = m.mpp_short

    return build


# -- 3: a full poll --------------------------------------------------------------------------
def poll_floor(m: Measured, row: Row) -> None:
    vs_floor(row, m.need("poll"), "")
    row.note = (
        "QPIGS QPIRI QMOD QPIWS QFLAG sent at once at poll priority; the floor counts the "
        "bytes of this simulator's answers (the reference's typical poll: 1.26 s)"
    )


def poll_vs(key: str, label: str) -> Builder:
    def build(m: Measured, row: Row) -> None:
        theirs = m.need(key)
        theirs = theirs["poll"] if isinstance(theirs, dict) else theirs
        vs_theirs(row, m.need("poll")["ms"], label, theirs)
        row.shortened = m.mpp_short

    return build


# -- 4: fan-out, wire load and latency against one client alone ------------------------------------
def fanout_wire(key: str) -> Builder:
    def build(m: Measured, row: Row) -> None:
        many, one = m.need(key), m.need("fanout.one")
        per_window = "wire_tx_per_s_by_window"
        compare(row, "/s", many[per_window], "1 client alone", one[per_window], digits=3)
        overall = many["wire_transactions"] / many["duration_s"]
        row.ours_note = (
            f"overall {overall:.2f}/s: {many['requests']} requests, "
            f"{many['wire_transactions']} wire transactions"
            + (f", {many['cached']} from the cache" if many["cached"] else "")
            + (f", {many['errors']} errors" if many["errors"] else "")
        )
        row.target = "<= 1"
        row.shortened = m.fan_short
        row.note = (
            f"wire transactions/s counted by the simulator per {many['window_s']:g} s window"
            " (runs = windows); "
            + (
                "clients poll on multiples of the period on the clock, as pi30-query does"
                if many.get("aligned")
                else f"clients start {2.0 / FANOUT_CLIENTS:g} s apart (the hardest case)"
            )
        )

    return build


def fanout_latency(key: str) -> Builder:
    def build(m: Measured, row: Row) -> None:
        many, one = m.need(key), m.need("fanout.one")
        row.unit = "ms"
        row.ours = as_summary(many["latency_ms"])
        row.ours_note = f"p99 {many['latency_ms']['p99']:.1f} ms"
        row.reference_label = "1 client alone"
        row.reference = as_summary(one["latency_ms"])
        row.ratio = round(many["latency_ms"]["p50"] / one["latency_ms"]["p50"], 3)
        row.shortened = m.fan_short
        row.note = "median (p50) of every request's latency; runs = requests"

    return build


# -- 5: a setter while a poll cycle is queued ---------------------------------------------------
def setter_during_poll(m: Measured, row: Row) -> None:
    data = m.need("setter_during_poll")
    bound = "bound: QPIGS in flight + setter floor"
    ratio = compare(row, "ms", data["ms"], bound, data["bound_ms"])
    row.target = "<= 1"
    ahead = data["ahead"]
    row.ours_note = f"wire transactions before it: {max(ahead)} at most"
    row.met = ratio <= 1 and max(ahead) <= 1
    row.note = (
        f"setter sent {data['offset_s'] * 1000:.0f} ms after a queued poll cycle started; "
        f"wire order seen by the simulator: {' '.join(data['order'][0])}"
    )


# -- 6: round trips per second, pacing off ------------------------------------------------------
def rate(client: str, count: int) -> Builder:
    def build(m: Measured, row: Row) -> None:
        data = m.need(f"rate.{client}")
        if client == "python":
            runs = data[count]
            rates, p50, p99 = runs["rate_per_s"], runs["p50_ms"], runs["p99_ms"]
            wire_note = f"; {runs['wire_transactions']} wire tx for {runs['requests']} requests"
        else:
            runs = data["results"][str(count)]
            rates = [r["rate_per_s"] for r in runs]
            p50 = [r["p50_ms"] for r in runs]
            p99 = [r["p99_ms"] for r in runs]
            wire_note = ""
        row.unit = "/s"
        row.ours = summary(rates, 1)
        row.ours_note = (
            f"p50 {statistics.median(p50):.2f} ms, p99 {statistics.median(p99):.2f} ms" + wire_note
        )
        row.detail = {"p50_ms": summary(p50, 3), "p99_ms": summary(p99, 3)}
        row.note = (
            f"round trips/s, closed loop, {m.plan.rate_seconds:g} s per run; "
            "identical queries coalesce as shipped"
            if count == CLIENT_COUNTS[-1]
            else ""
        )

    return build


# -- 7: HID ------------------------------------------------------------------------------------
def hid_floor(m: Measured, row: Row) -> None:
    vs_floor(row, m.need("hid.ours"), "<= 1.1")


def hid_mppsolar(m: Measured, row: Row) -> None:
    ours = m.need("hid.ours")["ms"]
    vs_theirs(row, ours, "mpp-solar HID reader", m.need("hid.mppsolar")["ms"])
    row.shortened = m.shortened(
        f"{m.plan.hid_mpp_runs} runs of mpp-solar instead of {FULL.hid_mpp_runs}"
    )


# -- 8: decoding -------------------------------------------------------------------------------
def decode(m: Measured, row: Row) -> None:
    data = m.need("decode")
    if not data["mppsolar"]:
        raise Missing("mppsolar is not importable here (run in bench/.venv-mpp)")
    ours, theirs = data["ours"], data["mppsolar"]
    compare(row, "frames/s", ours, "mpp-solar decoder", theirs, digits=0, ratio_digits=1)
    row.target = ">= 20"
    row.note = "the reference's sample QPIGS frame; both decoders in one process, interleaved"


# -- 9: memory ---------------------------------------------------------------------------------
def rss_idle(m: Measured, row: Row) -> None:
    data = m.need("memory")
    row.unit = "MiB"
    row.ours = summary(data["idle_mib"], 1)
    row.note = "sampled every second while the worker idled (connected, identity read)"


def rss_after(m: Measured, row: Row) -> None:
    data = m.need("memory")
    compare(row, "MiB", data["after_mib"], "idle", data["idle_mib"])
    row.ours_note = f"peak {data['peak_mib']:.1f} MiB"
    row.shortened = m.shortened(
        f"{data['polled_s']:g} s of polling instead of {FULL.rss_poll_s:g} s"
    )
    poll = data["poll"]
    row.note = (
        f"after {data['polled_s']:g} s of back-to-back full poll cycles ({poll['cycles']} "
        f"cycles, {poll['replies']} replies, {poll['errors']} errors, "
        f"{data['worker_transactions']} wire transactions); 5 samples"
    )


# -- the table ---------------------------------------------------------------------------------
BUILDERS: dict[str, Builder] = {
    **{
        f"1.{label}.{client}": e2e(label, client)
        for client in ("python", "node")
        for label in E2E_LABELS
    },
    **{
        f"2.{label}.cli": e2e_vs_mppsolar(label, "mpp.cli_per_call", "mpp-solar CLI")
        for label in E2E_LABELS
    },
    **{
        f"2.{label}.api": e2e_vs_mppsolar(label, "mpp.api", "mpp-solar API") for label in E2E_LABELS
    },
    "3.poll.floor": poll_floor,
    "3.poll.cli_per_call": poll_vs("mpp.cli_per_call", "mpp-solar 5 processes"),
    "3.poll.cli_one_call": poll_vs("mpp.cli_one_call", "mpp-solar one process"),
    "3.poll.api": poll_vs("mpp.api", "mpp-solar API"),
    **{
        f"4.{kind}.{case}": build(f"fanout.{case}")
        for case in ("shipped", "spread", "max_age")
        for kind, build in (("wire", fanout_wire), ("latency", fanout_latency))
    },
    "5.setter_during_poll": setter_during_poll,
    **{
        f"6.{client}.{count}": rate(client, count)
        for client in ("python", "node")
        for count in CLIENT_COUNTS
    },
    "7.hid.floor": hid_floor,
    "7.hid.mppsolar": hid_mppsolar,
    "8.decode": decode,
    "9.rss.idle": rss_idle,
    "9.rss.after": rss_after,
}


def build_row(measured: Measured, row_id: str) -> Row:
    row = blank_row(row_id)
    try:
        BUILDERS[row_id](measured, row)
    except Missing as exc:
        row = blank_row(row_id)
        row.error = str(exc)
    except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
        row = blank_row(row_id)
        row.error = f"cannot build the row: {type(exc).__name__}: {exc}"
    if row.met is None and row.error is None:
        row.met = target_met(row.ratio, row.target)
    return row


def build_rows(measured: Measured) -> list[Row]:
    """Every row of the table, in table order."""
    return [build_row(measured, row_id) for row_id, _, _ in ROWS]
