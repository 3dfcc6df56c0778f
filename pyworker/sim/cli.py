"""``pi30-worker sim``: run the simulator where any serial program can reach it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .clock import parse_time
from .faults import parse_fault_spec
from .profiles import PROFILES
from .simulator import SimConfig, Simulator


def _fault(text: str) -> str:
    try:
        parse_fault_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sim",
        help="run the inverter simulator on a pseudo-terminal",
        description="Run a simulated PI30 inverter. With --pty, create a raw pseudo-terminal, "
        "print its device path as the first line of stdout and serve until SIGTERM/SIGINT. "
        "Any serial program (mpp-solar, minicom, pi30-worker query --port PATH) can open it. "
        "See docs/simulator.md.",
    )
    p.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (POSIX)")
    p.add_argument("--link", type=Path, help="also make a symlink to the pty at this path")
    p.add_argument("--model", choices=sorted(PROFILES), default="pi30", help="model profile")
    p.add_argument(
        "--latency-ms", type=float, default=50.0, help="processing time before answering (50)"
    )
    p.add_argument(
        "--no-pacing", action="store_true", help="answer at once instead of at 2400 baud"
    )
    p.add_argument("--seed", type=int, help="seed for a repeatable run")
    p.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second (0: stopped)"
    )
    p.add_argument("--start", type=parse_time, help="simulated start time, e.g. 2026-01-15T05:00")
    p.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="SPEC",
        help="KIND[:WHEN[:PARAM]], e.g. crc:0.1, nak:once, late:0.2:2000, unplug:once:5",
    )
    p.add_argument("--control", metavar="ENDPOINT", help="ZeroMQ control endpoint to bind")
    p.add_argument("--soc", type=float, default=80.0, help="initial battery state of charge %%")
    p.add_argument("--weather", type=float, default=1.0, help="sun factor, 1 = clear sky")
    p.add_argument("--load-w", type=float, help="a fixed household load instead of the profile")
    p.add_argument("--lat", type=float, default=48.0, help="latitude of the site (sun curve)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.pty:
        sys.stderr.write("pi30-worker sim: choose a front: --pty\n")
        return 2
    config = SimConfig(
        model=args.model,
        latency_ms=args.latency_ms,
        pacing=not args.no_pacing,
        seed=args.seed,
        speed=args.speed,
        start=args.start,
        faults=list(args.fault),
        control=args.control,
        soc=args.soc,
        weather=args.weather,
        latitude=args.lat,
        load_w=args.load_w,
    )
    try:
        config.validate()
    except ValueError as exc:
        sys.stderr.write(f"pi30-worker sim: {exc}\n")
        return 2
    sim = Simulator(config)
    if config.control:
        from .control import ControlServer

        try:
            sim.control_server = ControlServer(sim, config.control)
        except OSError as exc:
            sys.stderr.write(f"pi30-worker sim: {exc}\n")
            return 2
        sim.control_server.start()
        sys.stderr.write(f"pi30-worker sim: control endpoint {sim.control_server.bound}\n")
    from .pty_front import serve_pty  # POSIX only: imported where used

    return serve_pty(sim, args.link)
