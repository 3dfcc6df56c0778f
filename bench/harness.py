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
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zmq

from . import decode_throughput, fanout, fullstack, hid, memory, mppsolar_rows, service_rate
from .plan import CLIENT_COUNTS, FANOUT_CLIENTS, FANOUT_MAX_AGE_MS, FULL, QUICK, Plan
from .processes import ROOT, SimProcess, WorkerProcess, node_binary, run_node_script
from .report import document, table, write
from .rows import Measured, build_rows
from .stats import wire_floor_ms

DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"


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
    rows = build_rows(Measured(plan, bench.raw, bench.failures))
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
