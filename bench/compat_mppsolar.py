#!/usr/bin/env python3
"""Compatibility check: does mpp-solar, software we did not write, take our simulator for a
real PI30 inverter? Not part of `make test` (it installs mppsolar from PyPI).

    .venv/bin/python -m bench.compat_mppsolar [--model pi30|pi30max] [--remove-venv]

Creates bench/.venv-mpp (bench/requirements-bench.txt) on first use, starts
`pi30-worker sim --pty` (paced at 2400 baud, 50 ms latency), runs mpp-solar reading QPIGS, QPIRI,
QMOD, QPIWS, QFLAG and setting POP00/POP02 with read-backs, prints what it got, and exits 1 if
any answer was refused or unparsed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/compat_mppsolar.py`
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.mppsolar_env import (
    MPP_VENV,
    ensure_bench_venv,
    mppsolar_version,
    run_mpp,
    verdict,
)
from bench.processes import SimProcess

# POP00 then POP02, each read back, so the set is seen to take effect (the unit starts in SBU)
COMMANDS = ("QPIGS", "QPIRI", "QMOD", "QPIWS", "QFLAG", "POP00", "QPIRI", "POP02", "QPIRI")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--model", choices=("pi30", "pi30max"), default="pi30")
    parser.add_argument(
        "--remove-venv", action="store_true", help="delete bench/.venv-mpp afterwards"
    )
    args = parser.parse_args()
    protocol = "PI30MAX" if args.model == "pi30max" else "PI30"
    ensure_bench_venv()
    failures = 0
    with SimProcess(latency_ms=50, model=args.model) as sim:
        print(f"mpp-solar {mppsolar_version()} -> {sim.path} ({protocol})\n")
        for command in COMMANDS:
            results, elapsed = run_mpp(sim.path, protocol, command)
            data = results[-1]
            problem = verdict(command, data)
            failures += problem is not None
            status = "OK  " if problem is None else "FAIL"
            shown = {k: v for k, v in list(data.items())[:8]}
            if command == "QPIRI":
                shown = {"output_source_priority": data.get("output_source_priority")} | shown
            print(f"{status} {command:<6} {elapsed:5.2f} s  {json.dumps(shown)[:300]}")
            if problem:
                print(f"     {problem}")
    if args.remove_venv:
        shutil.rmtree(MPP_VENV, ignore_errors=True)
    print(f"\n{len(COMMANDS) - failures}/{len(COMMANDS)} accepted by mpp-solar")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
