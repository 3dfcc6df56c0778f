"""``pi30-worker sim``: run the simulator where any serial program can reach it."""

from __future__ import annotations

import argparse
import sys
from copy import copy
from pathlib import Path
from typing import Any

from ..cli_args import add_command, checked
from .clock import parse_time
from .config import OPTION_BY_KEY, OPTIONS, SimConfig
from .faults import parse_fault_spec
from .profiles import PROFILES
from .simulator import Simulator


def _fault(text: str) -> str:
    parse_fault_spec(text)
    return text


def _from_table(key: str) -> dict[str, Any]:
    """The default and help of a ``sim://`` option, so the two spellings never drift."""
    option = OPTION_BY_KEY[key]
    shown = "" if option.shown == "-" else f" (default {option.shown})"
    return {"default": option.default, "help": option.help.replace("%", "%%") + shown}


def register(sub: Any) -> None:
    p = add_command(sub, "sim", run)
    p.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (POSIX)")
    p.add_argument("--link", type=Path, help="also make a symlink to the pty at this path")
    p.add_argument("--model", choices=sorted(PROFILES), **_from_table("model"))
    p.add_argument("--latency-ms", type=float, **_from_table("latency_ms"))
    p.add_argument(
        "--no-pacing",
        dest="pacing",
        action="store_false",
        default=OPTION_BY_KEY["pacing"].default,
        help="answer at once instead of at 2400 baud",
    )
    p.add_argument("--seed", type=int, **_from_table("seed"))
    p.add_argument("--speed", type=float, **_from_table("speed"))
    p.add_argument("--start", type=parse_time, **_from_table("start"))
    p.add_argument(
        "--fault",
        dest="faults",
        action="append",
        type=checked(_fault),
        metavar="SPEC",
        **_from_table("fault"),
    )
    p.add_argument("--control", metavar="ENDPOINT", **_from_table("control"))
    p.add_argument("--soc", type=float, **_from_table("soc"))
    p.add_argument("--weather", type=float, **_from_table("weather"))
    p.add_argument("--load-w", type=float, **_from_table("load_w"))
    p.add_argument("--lat", dest="latitude", metavar="LAT", type=float, **_from_table("lat"))


def run(args: argparse.Namespace) -> int:
    """run the inverter simulator on a pseudo-terminal

    Run a simulated PI30 inverter. With --pty, create a raw pseudo-terminal, print its device path
    as the first line of stdout and serve until SIGTERM/SIGINT. Any serial program (mpp-solar,
    minicom, pi30-worker query --port PATH) can open it. See docs/simulator.md.
    """
    if not args.pty:
        sys.stderr.write("pi30-worker sim: choose a front: --pty\n")
        return 2
    # the options given here are SimConfig's fields by name (the rest keep their defaults)
    given = {o.attr: copy(getattr(args, o.attr)) for o in OPTIONS if o.attr in vars(args)}
    config = SimConfig(**given)
    try:
        config.validate()
    except ValueError as exc:
        sys.stderr.write(f"pi30-worker sim: {exc}\n")
        return 2
    sim = Simulator(config)
    control = None
    if config.control:
        from .control import ControlServer

        try:
            control = ControlServer(sim, config.control)
        except OSError as exc:
            sys.stderr.write(f"pi30-worker sim: {exc}\n")
            return 2
        control.start()
        sys.stderr.write(f"pi30-worker sim: control endpoint {control.bound}\n")
    from .pty_front import serve_pty  # POSIX only: imported where used

    try:
        return serve_pty(sim, args.link)
    finally:
        if control is not None:
            control.stop()
