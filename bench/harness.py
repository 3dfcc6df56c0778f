"""`make bench`: every row of the bench table measured in one run, on simulated ports paced at
2400 baud (unit latency 0), median of several runs with min and max, compared with the wire
floor, with mpp-solar and with one client alone. Writes a JSON document and prints the table.

    bench/.venv-mpp/bin/python -m bench [--quick] [--out bench/results/latest.json]

Order: the memory row's own worker starts first and idles (idle RSS) while the CPU-bound rows run
(decode, pacing off); then it polls in the background for --rss-seconds while the wire-bound rows
run on their own simulator and worker; the run ends when that polling ends.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zmq

from . import decode_throughput, fanout, fullstack, hid, memory, mppsolar_rows, service_rate
from .processes import ROOT, SimProcess, WorkerProcess, node_binary, run_node_script
from .report import ROWS, Row, blank_row, document, table, target_met, write
from .stats import summary, wire_floor_ms

DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"
CLIENT_COUNTS = (1, 10, 50)
FANOUT_CLIENTS = 10
FANOUT_MAX_AGE_MS = 2000.0


@dataclass(frozen=True)
class Plan:
    quick: bool
    runs: int  # rows 1, 3, 5 (ours)
    mpp_runs: int  # mpp-solar, rows 2 and 3
    fanout_s: float
    hid_ours_runs: int
    hid_mpp_runs: int
    decode_runs: int
    decode_frames: int
    mpp_decode_frames: int
    rate_runs: int
    rate_seconds: float
    rss_poll_s: float


FULL = Plan(False, 9, 9, 60.0, 9, 7, 7, 20000, 2000, 7, 1.5, 600.0)
QUICK = Plan(True, 5, 3, 6.0, 5, 3, 5, 5000, 500, 5, 0.3, 20.0)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.raw: dict[str, Any] = {}
        self.failures: dict[str, str] = {}
        self.started = time.monotonic()

    def measure(self, name: str, fn: Callable[[], Any]) -> None:
        """Run one measurement; a failure is recorded for its rows, the run goes on."""
        t0 = time.monotonic()
        log(f"{name} ...")
        try:
            self.raw[name] = fn()
        except Exception as exc:  # noqa: BLE001 - one broken row must not sink the others
            self.failures[name] = f"{type(exc).__name__}: {exc}"
            log(f"{name} FAILED: {self.failures[name]}")
            traceback.print_exc(file=sys.stderr)
        else:
            log(f"{name} done in {time.monotonic() - t0:.1f} s")

    def fail(self, name: str, exc: BaseException) -> None:
        self.failures.setdefault(name, f"{type(exc).__name__}: {exc}")
        log(f"{name} FAILED: {self.failures[name]}")

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> None:
        plan = self.plan
        mem: memory.MemoryRow | None = None
        try:
            mem = memory.MemoryRow()
        except Exception as exc:  # noqa: BLE001
            self.fail("memory", exc)
        try:
            self.measure(
                "decode",
                lambda: decode_throughput.measure(
                    plan.decode_runs, plan.decode_frames, plan.mpp_decode_frames
                ),
            )
            self._rate_rows()
            if mem is not None:
                mem.start_polling(plan.rss_poll_s)
            self._paced_rows()
            self.measure("hid.ours", lambda: hid.ours(plan.hid_ours_runs))
            self.measure("hid.mppsolar", lambda: hid.mppsolar_reader(plan.hid_mpp_runs))
            if mem is not None:
                left = mem.remaining_s()
                if left > 1:
                    log(f"memory row: {left:.0f} s of polling left")
                self.measure("memory", mem.finish)
                mem = None
        finally:
            if mem is not None:
                mem.abort()

    def _rate_rows(self) -> None:
        plan = self.plan
        try:
            with SimProcess(pacing=False) as sim, WorkerProcess(sim.path) as worker:
                self.measure(
                    "rate.python",
                    lambda: service_rate.measure(
                        worker, CLIENT_COUNTS, plan.rate_runs, plan.rate_seconds
                    ),
                )

                def node_rate() -> dict[str, Any]:
                    before = worker.health()["counters"]
                    out = run_node_script(
                        "closed_loop.js",
                        worker.endpoint,
                        str(plan.rate_seconds),
                        str(plan.rate_runs),
                        ",".join(str(c) for c in CLIENT_COUNTS),
                    )
                    after = worker.health()["counters"]
                    if out.get("errors"):
                        raise RuntimeError("; ".join(out["errors"])[:400])
                    out["wire_transactions"] = after["transactions"] - before["transactions"]
                    return out

                self.measure("rate.node", node_rate)
        except Exception as exc:  # noqa: BLE001
            self.fail("rate.python", exc)
            self.fail("rate.node", exc)

    def _paced_rows(self) -> None:
        plan = self.plan
        names = (
            *("e2e.python", "e2e.node", "poll", "setter_during_poll"),
            *("fanout.one", "fanout.shipped", "fanout.spread", "fanout.max_age"),
            *("mpp.cli_per_call", "mpp.cli_one_call", "mpp.api"),
        )
        try:
            with SimProcess() as sim:
                with WorkerProcess(sim.path) as worker:
                    ep = worker.endpoint
                    self.measure("e2e.python", lambda: fullstack.transaction_times(ep, plan.runs))
                    self.measure("e2e.node", lambda: self._node_e2e(ep))
                    self.measure("poll", lambda: fullstack.full_poll_times(ep, plan.runs))
                    self.measure(
                        "setter_during_poll",
                        lambda: fullstack.setter_during_poll(ep, sim.control, plan.runs),
                    )
                    for name, clients, max_age, aligned in (
                        ("fanout.one", 1, None, True),
                        ("fanout.shipped", FANOUT_CLIENTS, None, True),
                        ("fanout.spread", FANOUT_CLIENTS, None, False),
                        ("fanout.max_age", FANOUT_CLIENTS, FANOUT_MAX_AGE_MS, False),
                    ):
                        self.measure(
                            name,
                            lambda c=clients, m=max_age, a=aligned: fanout.fanout(  # type: ignore[misc]
                                ep,
                                sim.control,
                                clients=c,
                                duration_s=plan.fanout_s,
                                max_age_ms=m,
                                aligned=a,
                            ),
                        )
                # our worker is gone: mpp-solar has the port to itself, as it would
                port = sim.path
                self.measure(
                    "mpp.cli_per_call", lambda: mppsolar_rows.cli_per_call(port, plan.mpp_runs)
                )
                self.measure(
                    "mpp.cli_one_call", lambda: mppsolar_rows.cli_one_call(port, plan.mpp_runs)
                )
                self.measure("mpp.api", lambda: mppsolar_rows.api_one_process(port, plan.mpp_runs))
        except Exception as exc:  # noqa: BLE001
            for name in names:
                if name not in self.raw:
                    self.fail(name, exc)

    def _node_e2e(self, endpoint: str) -> dict[str, dict[str, list[float]]]:
        out = run_node_script("e2e_latency.js", endpoint, str(self.plan.runs))
        if out.get("errors"):
            raise RuntimeError("; ".join(out["errors"])[:400])
        grouped: dict[str, dict[str, list[float]]] = {}
        for sample in out["samples"]:
            entry = grouped.setdefault(sample["label"], {"ms": [], "floor_ms": []})
            entry["ms"].append(sample["ms"])
            if sample["label"] == "setter":
                entry["floor_ms"].append(wire_floor_ms(sample["sent"], "ACK"))
            else:
                entry["floor_ms"].append(wire_floor_ms(sample["command"], sample["raw"]))
        return grouped


# -- from measurements to rows ------------------------------------------------------------------
class Missing(Exception):
    """A row needs a measurement that failed or did not run."""


def build_rows(bench: Bench) -> list[Row]:
    plan = bench.plan

    def need(name: str) -> Any:
        if name not in bench.raw:
            raise Missing(bench.failures.get(name, f"{name} was not measured"))
        return bench.raw[name]

    def shortened(text: str) -> str:
        return text if plan.quick else ""

    mpp_short = shortened(f"{plan.mpp_runs} runs of mpp-solar instead of {FULL.mpp_runs}")

    def vs_floor(row: Row, data: dict[str, list[float]], target: str) -> None:
        row.unit = "ms"
        row.ours = summary(data["ms"], 1)
        row.reference_label = "wire floor"
        row.reference = summary(data["floor_ms"], 1)
        row.ratio = round(statistics.median(data["ms"]) / statistics.median(data["floor_ms"]), 3)
        row.target = target

    def vs_theirs(row: Row, ours: list[float], label: str, theirs: list[float]) -> None:
        row.unit = "ms"
        row.ours = summary(ours, 1)
        row.reference_label = label
        row.reference = summary(theirs, 1)
        row.ratio = round(statistics.median(ours) / statistics.median(theirs), 3)
        row.target = "< 1"

    def as_summary(lat: dict[str, Any]) -> dict[str, Any]:
        return {
            "median": lat["p50"],
            "min": lat["min"],
            "max": lat["max"],
            "runs": lat["count"],
            "p99": lat["p99"],
        }

    builders: dict[str, Callable[[Row], None]] = {}
    for label in ("QMOD", "QPIGS", "QPIRI", "setter"):
        for client in ("python", "node"):

            def e2e(row: Row, label: str = label, client: str = client) -> None:
                vs_floor(row, need(f"e2e.{client}")[label], "<= 1.03")
                if label == "setter" and client == "python":
                    row.note = (
                        "POP02 with only_if_changed and verify off: one wire transaction, like "
                        "mpp-solar's; the default adds a QPIRI read before and a read-back after"
                    )

            builders[f"1.{label}.{client}"] = e2e

        def cli(row: Row, label: str = label) -> None:
            ours = need("e2e.python")[label]["ms"]
            vs_theirs(row, ours, "mpp-solar CLI", need("mpp.cli_per_call")[label])
            row.shortened = mpp_short

        def api(row: Row, label: str = label) -> None:
            ours = need("e2e.python")[label]["ms"]
            vs_theirs(row, ours, "mpp-solar API", need("mpp.api")[label])
            row.shortened = mpp_short

        builders[f"2.{label}.cli"] = cli
        builders[f"2.{label}.api"] = api

    def poll_floor(row: Row) -> None:
        vs_floor(row, need("poll"), "")
        row.note = (
            "QPIGS QPIRI QMOD QPIWS QFLAG sent at once at poll priority; the floor counts the "
            "bytes of this simulator's answers (the reference's typical poll: 1.26 s)"
        )

    def poll_vs(key: str, label: str) -> Callable[[Row], None]:
        def build(row: Row) -> None:
            theirs = need(key)
            theirs = theirs["poll"] if isinstance(theirs, dict) else theirs
            vs_theirs(row, need("poll")["ms"], label, theirs)
            row.shortened = mpp_short

        return build

    builders["3.poll.floor"] = poll_floor
    builders["3.poll.cli_per_call"] = poll_vs("mpp.cli_per_call", "mpp-solar 5 processes")
    builders["3.poll.cli_one_call"] = poll_vs("mpp.cli_one_call", "mpp-solar one process")
    builders["3.poll.api"] = poll_vs("mpp.api", "mpp-solar API")

    fan_short = shortened(f"{plan.fanout_s:g} s per client set instead of {FULL.fanout_s:g} s")

    def wire(key: str) -> Callable[[Row], None]:
        def build(row: Row) -> None:
            many, one = need(key), need("fanout.one")
            row.unit = "/s"
            row.ours = summary(many["wire_tx_per_s_by_window"], 3)
            overall = many["wire_transactions"] / many["duration_s"]
            row.ours_note = (
                f"overall {overall:.2f}/s: {many['requests']} requests, "
                f"{many['wire_transactions']} wire transactions"
                + (f", {many['cached']} from the cache" if many["cached"] else "")
                + (f", {many['errors']} errors" if many["errors"] else "")
            )
            row.reference_label = "1 client alone"
            row.reference = summary(one["wire_tx_per_s_by_window"], 3)
            ref = statistics.median(one["wire_tx_per_s_by_window"])
            row.ratio = round(statistics.median(many["wire_tx_per_s_by_window"]) / ref, 3)
            row.target = "<= 1"
            row.shortened = fan_short
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

    def latency(key: str) -> Callable[[Row], None]:
        def build(row: Row) -> None:
            many, one = need(key), need("fanout.one")
            row.unit = "ms"
            row.ours = as_summary(many["latency_ms"])
            row.ours_note = f"p99 {many['latency_ms']['p99']:.1f} ms"
            row.reference_label = "1 client alone"
            row.reference = as_summary(one["latency_ms"])
            row.ratio = round(many["latency_ms"]["p50"] / one["latency_ms"]["p50"], 3)
            row.shortened = fan_short
            row.note = "median (p50) of every request's latency; runs = requests"

        return build

    builders["4.wire.shipped"] = wire("fanout.shipped")
    builders["4.latency.shipped"] = latency("fanout.shipped")
    builders["4.wire.spread"] = wire("fanout.spread")
    builders["4.latency.spread"] = latency("fanout.spread")
    builders["4.wire.max_age"] = wire("fanout.max_age")
    builders["4.latency.max_age"] = latency("fanout.max_age")

    def setter_poll(row: Row) -> None:
        data = need("setter_during_poll")
        row.unit = "ms"
        row.ours = summary(data["ms"], 1)
        row.reference_label = "bound: QPIGS in flight + setter floor"
        row.reference = summary(data["bound_ms"], 1)
        row.ratio = round(statistics.median(data["ms"]) / statistics.median(data["bound_ms"]), 3)
        row.target = "<= 1"
        ahead = data["ahead"]
        row.ours_note = f"wire transactions before it: {max(ahead)} at most"
        row.met = row.ratio <= 1 and max(ahead) <= 1
        row.note = (
            f"setter sent {data['offset_s'] * 1000:.0f} ms after a queued poll cycle started; "
            f"wire order seen by the simulator: {' '.join(data['order'][0])}"
        )

    builders["5.setter_during_poll"] = setter_poll

    for client in ("python", "node"):
        for count in CLIENT_COUNTS:

            def rate(row: Row, client: str = client, count: int = count) -> None:
                data = need(f"rate.{client}")
                if client == "python":
                    runs = data[count]
                    rates, p50, p99 = runs["rate_per_s"], runs["p50_ms"], runs["p99_ms"]
                    wire_note = (
                        f"; {runs['wire_transactions']} wire tx for {runs['requests']} requests"
                    )
                else:
                    runs = data["results"][str(count)]
                    rates = [r["rate_per_s"] for r in runs]
                    p50 = [r["p50_ms"] for r in runs]
                    p99 = [r["p99_ms"] for r in runs]
                    wire_note = ""
                row.unit = "/s"
                row.ours = summary(rates, 1)
                row.ours_note = (
                    f"p50 {statistics.median(p50):.2f} ms, p99 {statistics.median(p99):.2f} ms"
                    + wire_note
                )
                row.detail = {"p50_ms": summary(p50, 3), "p99_ms": summary(p99, 3)}
                row.note = (
                    f"round trips/s, closed loop, {plan.rate_seconds:g} s per run; "
                    "identical queries coalesce as shipped"
                    if count == CLIENT_COUNTS[-1]
                    else ""
                )

            builders[f"6.{client}.{count}"] = rate

    def hid_floor(row: Row) -> None:
        vs_floor(row, need("hid.ours"), "<= 1.1")

    def hid_mpp(row: Row) -> None:
        ours = need("hid.ours")["ms"]
        vs_theirs(row, ours, "mpp-solar HID reader", need("hid.mppsolar")["ms"])
        row.shortened = shortened(
            f"{plan.hid_mpp_runs} runs of mpp-solar instead of {FULL.hid_mpp_runs}"
        )

    builders["7.hid.floor"] = hid_floor
    builders["7.hid.mppsolar"] = hid_mpp

    def decode_row(row: Row) -> None:
        data = need("decode")
        if not data["mppsolar"]:
            raise Missing("mppsolar is not importable here (run in bench/.venv-mpp)")
        row.unit = "frames/s"
        row.ours = summary(data["ours"], 0)
        row.reference_label = "mpp-solar decoder"
        row.reference = summary(data["mppsolar"], 0)
        row.ratio = round(statistics.median(data["ours"]) / statistics.median(data["mppsolar"]), 1)
        row.target = ">= 20"
        row.note = "the reference's sample QPIGS frame; both decoders in one process, interleaved"

    builders["8.decode"] = decode_row

    def rss_idle(row: Row) -> None:
        data = need("memory")
        row.unit = "MiB"
        row.ours = summary(data["idle_mib"], 1)
        row.note = "sampled every second while the worker idled (connected, identity read)"

    def rss_after(row: Row) -> None:
        data = need("memory")
        row.unit = "MiB"
        row.ours = summary(data["after_mib"], 1)
        row.reference_label = "idle"
        row.reference = summary(data["idle_mib"], 1)
        row.ratio = round(
            statistics.median(data["after_mib"]) / statistics.median(data["idle_mib"]), 3
        )
        row.ours_note = f"peak {data['peak_mib']:.1f} MiB"
        row.shortened = shortened(
            f"{data['polled_s']:g} s of polling instead of {FULL.rss_poll_s:g} s"
        )
        poll = data["poll"]
        row.note = (
            f"after {data['polled_s']:g} s of back-to-back full poll cycles ({poll['cycles']} "
            f"cycles, {poll['replies']} replies, {poll['errors']} errors, "
            f"{data['worker_transactions']} wire transactions); 5 samples"
        )

    builders["9.rss.idle"] = rss_idle
    builders["9.rss.after"] = rss_after

    rows: list[Row] = []
    for row_id, _, _ in ROWS:
        row = blank_row(row_id)
        try:
            builders[row_id](row)
        except Missing as exc:
            row = blank_row(row_id)
            row.error = str(exc)
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
            row = blank_row(row_id)
            row.error = f"cannot build the row: {type(exc).__name__}: {exc}"
        if row.met is None and row.error is None:
            row.met = target_met(row.ratio, row.target)
        rows.append(row)
    return rows


# -- metadata -----------------------------------------------------------------------------------
def _command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(
            cmd, check=False, capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def metadata(plan: Plan, load_start: tuple[float, ...]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    zeromq_js = ROOT / "node_modules" / "zeromq" / "package.json"
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": plan.quick,
        "plan": asdict(plan),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "node": _command_output([node_binary(), "--version"]),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {
            "pi30-worker": pkg("pi30-worker"),
            "mppsolar": pkg("mppsolar"),
            "pyzmq": zmq.pyzmq_version(),
            "libzmq": zmq.zmq_version(),
            "zeromq (node)": json.loads(zeromq_js.read_text())["version"]
            if zeromq_js.exists()
            else "not installed",
        },
        "setup": {
            "baud": 2400,
            "unit_latency_ms": 0,
            "simulator": "pi30-worker sim --pty --model pi30 --seed 1 (paced unless a row says)",
            "worker": "pi30-worker serve, defaults (tcp://127.0.0.1, retries 2, queue 64)",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the < 2 min smoke run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON")
    parser.add_argument("--rss-seconds", type=float, help="override the memory row's polling")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rss_seconds is not None:
        plan = Plan(**{**asdict(plan), "rss_poll_s": args.rss_seconds})
    load_start = os.getloadavg()
    bench = Bench(plan)
    log(f"{'QUICK' if plan.quick else 'full'} run, results to {args.out}")
    bench.run()
    rows = build_rows(bench)
    meta = metadata(plan, load_start)
    meta["duration_s"] = round(time.monotonic() - bench.started, 1)
    meta["failures"] = bench.failures
    markdown = table(rows, plan.quick)
    meta["table_markdown"] = markdown
    write(document(rows, meta), args.out)
    print(markdown)
    print(f"\n{len(rows)} rows in {meta['duration_s']:.0f} s; results in {args.out}")
    errors = [r.id for r in rows if r.error]
    if errors:
        print(f"rows that could not be measured: {', '.join(errors)}", file=sys.stderr)
    return 1 if errors else 0
