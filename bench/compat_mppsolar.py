#!/usr/bin/env python3
"""Compatibility check: does mpp-solar, software we did not write, take our simulator for a
real PI30 inverter? Not part of `make test` (it installs mppsolar from PyPI).

    .venv/bin/python bench/compat_mppsolar.py [--model pi30|pi30max] [--remove-venv]

Creates bench/.venv-mpp (pip install mppsolar) on first use, starts `pi30-worker sim --pty`
(paced at 2400 baud, 50 ms latency), runs mpp-solar reading QPIGS, QPIRI, QMOD, QPIWS, QFLAG
and setting POP02, prints what it got, and exits 1 if any answer was refused or unparsed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MPP_VENV = ROOT / "bench" / ".venv-mpp"
# POP00 then POP02, each read back, so the set is seen to take effect (the unit starts in SBU)
COMMANDS = ("QPIGS", "QPIRI", "QMOD", "QPIWS", "QFLAG", "POP00", "QPIRI", "POP02", "QPIRI")


def repo_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def ensure_mppsolar() -> Path:
    tool = MPP_VENV / "bin" / "mpp-solar"
    if not tool.exists():
        print(f"creating {MPP_VENV} and installing mppsolar from PyPI ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(MPP_VENV)
        subprocess.run(
            [str(MPP_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "mppsolar"],
            check=True,
        )
    return tool


def start_simulator(model: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [repo_python(), "-m", "pyworker.cli", "sim", "--pty", "--model", model, "--seed", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    if not path:
        proc.kill()
        raise SystemExit("the simulator did not start")
    return proc, path


def run_mpp(tool: Path, port: str, protocol: str, command: str) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    result = subprocess.run(
        [
            str(tool),
            "-p",
            port,
            "--porttype",
            "serial",
            "-P",
            protocol,
            "-c",
            command,
            "-o",
            "json",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        return {
            "ERROR": f"rc={result.returncode} {result.stdout[-300:]} {result.stderr[-300:]}"
        }, elapsed
    parsed: dict[str, object] = json.loads(lines[-1])
    return parsed, elapsed


def verdict(command: str, data: dict[str, object]) -> str | None:
    """Why mpp-solar did not accept the answer, or None when it did."""
    text = json.dumps(data).lower()
    if "error" in data or "ERROR" in data:
        return f"error: {data}"
    for bad in ("invalid response", "nak", "crc error", "no valid response"):
        if bad in text:
            return f"mpp-solar says {bad!r}: {data}"
    if command.startswith("POP"):
        return None if "acknowledged" in text or "ack" in text else f"no ACK: {data}"
    return None if len(data) > 1 else f"nothing decoded: {data}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("pi30", "pi30max"), default="pi30")
    parser.add_argument(
        "--remove-venv", action="store_true", help="delete bench/.venv-mpp afterwards"
    )
    args = parser.parse_args()
    protocol = "PI30MAX" if args.model == "pi30max" else "PI30"
    tool = ensure_mppsolar()
    about = subprocess.run([str(tool), "-v"], check=False, capture_output=True, text=True)
    version = about.stdout.strip()
    proc, port = start_simulator(args.model)
    failures = 0
    print(f"mpp-solar {version.splitlines()[-1] if version else '?'} -> {port} ({protocol})\n")
    try:
        for command in COMMANDS:
            data, elapsed = run_mpp(tool, port, protocol, command)
            problem = verdict(command, data)
            failures += problem is not None
            status = "OK  " if problem is None else "FAIL"
            shown = {k: v for k, v in list(data.items())[:8]}
            if command == "QPIRI":
                shown = {"output_source_priority": data.get("output_source_priority")} | shown
            print(f"{status} {command:<6} {elapsed:5.2f} s  {json.dumps(shown)[:300]}")
            if problem:
                print(f"     {problem}")
    finally:
        proc.terminate()
        proc.wait(10)
        if args.remove_venv:
            shutil.rmtree(MPP_VENV, ignore_errors=True)
    print(f"\n{len(COMMANDS) - failures}/{len(COMMANDS)} accepted by mpp-solar")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
