"""The argparse pieces every ``pi30-worker`` sub-command shares: one spelling of each common
option (--port, --protocol, --profile, --baud, --no-adjust-zero) and of a sub-command itself.

A leaf under the command lines: it knows the protocol's names and nothing else of ours, so the
root CLI and the packages' sub-commands all import it and never each other.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .protocol import PROTOCOLS
from .protocol.profiles import PROFILE_IDS

T = TypeVar("T")
Run = Callable[[argparse.Namespace], int]
PORT_HELP = "/dev/ttyUSB0, COM3, /dev/hidraw0, socket://host:8899, rfc2217://host:port, sim://..."


def add_command(subparsers: Any, name: str, run: Run) -> argparse.ArgumentParser:
    """A sub-command ``name`` whose parsed arguments go to ``run``. Its docstring is its help:
    the first paragraph the one-line summary, the rest the description of ``NAME --help``."""
    summary, _, rest = inspect.cleandoc(run.__doc__ or "").partition("\n\n")
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=" ".join(summary.split()) or None, description=" ".join(rest.split()) or None
    )
    parser.set_defaults(func=run)
    return parser


def checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser that raises ValueError: the error shows its message."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise ValueError(f"must be at least {minimum}")
        return value

    return checked(parse)


def add_port_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, metavar="URL", help=PORT_HELP)


def add_protocol_option(
    parser: argparse.ArgumentParser,
    *,
    default: str | None,
    help: str,
    extra_choices: Sequence[str] = (),
) -> None:
    parser.add_argument(
        "--protocol",
        default=default,
        type=str.upper,
        choices=(*extra_choices, *PROTOCOLS),
        help=help,
    )


def add_profile_option(parser: argparse.ArgumentParser, *, help: str) -> None:
    parser.add_argument("--profile", type=str.lower, choices=PROFILE_IDS, help=help)


def add_baud_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baud", type=count(1), default=2400, help="serial speed (default 2400)")


def add_no_adjust_zero_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-adjust-zero",
        action="store_true",
        help="send a 0x00 request CRC byte as is (default: as 0x01)",
    )
