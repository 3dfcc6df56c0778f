"""`pi30-worker` command line: catalogue listing, encode/decode, and the sub-commands that the
transport, simulator and service packages register (query, sim, serve, request, keygen)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from . import __version__
from .cli_args import (
    add_command,
    add_no_adjust_zero_option,
    add_profile_option,
    add_protocol_option,
)
from .errors import Pi30Error, ProtocolError
from .output import add_format_option, error_json, formatted, print_json
from .protocol import Command, allowed_values, decode, encode
from .protocol.catalogue.profiles import catalogue_for, get_profile
from .protocol.served import data_keys, served_catalogue

# Packages that add sub-commands: each module has ``register(subparsers)`` which sets
# ``func`` on its parsers. Imported lazily by name so Linux-only parts load only where used.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "pyworker.transport.cli",
    "pyworker.service.cli",
    "pyworker.sim.cli",
    "pyworker.profile_cli",
)


def _command_row(cmd: Command) -> tuple[str, str, str, str]:
    """One row of the human table: name (with its argument), kind, description, details."""
    name = cmd.name
    if cmd.arg_pattern and cmd.arg_help:
        name += f"<{cmd.arg_help.split()[0]}>"
    if cmd.kind == "setter":
        allowed = [str(a) for a in allowed_values(cmd)]
        details = ", ".join(allowed[:6]) + (" ..." if len(allowed) > 6 else "")
        if cmd.dangerous:
            details = ("[dangerous] " + details).strip()
    elif cmd.options_key:
        details = f"{cmd.options_key} (list, {cmd.options_unit or ''})".replace(", )", ")")
    else:
        keys = list(data_keys(cmd))
        details = ", ".join(keys[:5]) + (f" ... ({len(keys)} keys)" if len(keys) > 5 else "")
    return name, cmd.kind, cmd.description, details


def _protocol_and_profile(args: argparse.Namespace) -> tuple[str, str | None]:
    """--protocol (default: the profile's own variant, else PI30) and --profile."""
    profile = getattr(args, "profile", None)
    if args.protocol is None:
        return (get_profile(profile).protocol if profile else "PI30"), profile
    return args.protocol, profile


def _cmd_commands(args: argparse.Namespace) -> int:
    """list the command catalogue

    A table on a terminal, the catalogue as one JSON document when piped (--format picks).
    """
    catalogue = catalogue_for(*_protocol_and_profile(args))
    print_json(served_catalogue(catalogue))
    return 0


def _commands_table(document: Mapping[str, Any]) -> str:
    """The catalogue as people read it: a line per command, details below, a count at the end."""
    catalogue = catalogue_for(document["protocol"], document.get("profile"))
    rows = [_command_row(cmd) for cmd in catalogue.commands.values()]
    width = max(len(row[0]) for row in rows)
    lines = []
    for name, kind, description, details in rows:
        lines.append(f"{name:<{width}}  {kind:<6}  {description}")
        if details:
            lines.append(f"{'':<{width}}  {'':<6}  {details}")
    lines.append("")
    profile = "" if catalogue.profile == "generic" else f" (profile {catalogue.profile})"
    lines.append(
        f"{catalogue.protocol}{profile}: {len(catalogue.queries)} queries, "
        f"{len(catalogue.setters)} setters"
    )
    return "\n".join(lines)


def _cmd_encode(args: argparse.Namespace) -> int:
    """print a request frame as hex

    Print the request frame as lowercase hex. Queries whose argument is part of the name are given
    whole (QPGS1, QED20260101); setters take the value apart (encode POP 02, encode PBCV 44.0,
    encode POP 'SBU first').
    """
    protocol, profile = _protocol_and_profile(args)
    try:
        frame = encode(
            args.command,
            args.value,
            protocol=protocol,
            adjust_zero=not args.no_adjust_zero,
            profile=profile,
        )
    except Pi30Error as exc:
        print_json(error_json(exc))  # with "allowed" when a value was refused
        return 1
    print(frame.hex())
    return 0


def parse_hex(text: str) -> bytes:
    """Hex as users paste it: spaces, colons and an optional 0x prefix allowed."""
    cleaned = "".join(text.split()).replace(":", "")
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    return bytes.fromhex(cleaned)


def _cmd_decode(args: argparse.Namespace) -> int:
    """decode an answer frame given as hex

    Decode an inverter answer. Exit 0 and print {command, data, units}; on a protocol failure exit 1
    and print {error: {code, message}}.
    """
    try:
        frame = parse_hex(args.hex)
    except ValueError:
        print_json({"error": {"code": "MALFORMED", "message": "--hex is not valid hexadecimal"}})
        return 1
    try:
        decoded = decode(args.command, frame, *_protocol_and_profile(args))
    except Pi30Error as exc:
        # exactly {code, message}; 1 for what the inverter answered, 2 for what was asked
        print_json({"error": {"code": exc.code, "message": exc.message}})
        return 1 if isinstance(exc, ProtocolError) else 2
    print_json({"command": decoded.command, "data": decoded.data, "units": decoded.units})
    return 0


# The protocol sub-commands need no other package: skipping the others' imports (zmq, the
# simulator) keeps `pi30-worker decode`, which users run by hand on pasted frames, quick.
PROTOCOL_SUBCOMMANDS = frozenset(("commands", "encode", "decode"))


def _add_protocol_and_profile(parser: argparse.ArgumentParser) -> None:
    add_protocol_option(
        parser, default=None, help="protocol variant (default: the profile's, else PI30)"
    )
    add_profile_option(
        parser, help="apply a device profile's codes and layouts (see `pi30-worker profiles`)"
    )


def build_parser(*, with_registered: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pi30-worker",
        description="Own a PI30 (Voltronic / Axpert / MPP-Solar) inverter port and serve it.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)

    p = add_command(sub, "commands", _cmd_commands)
    _add_protocol_and_profile(p)
    add_format_option(p)
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    p.set_defaults(table=_commands_table)

    p = add_command(sub, "encode", _cmd_encode)
    p.add_argument("command", metavar="COMMAND", help="a catalogued command (QPIGS, QPGS1, POP...)")
    p.add_argument(
        "value",
        metavar="VALUE",
        nargs="?",
        default=None,
        help="the setter's value: a code, a number or a label (02, 44.0, 'SBU first')",
    )
    _add_protocol_and_profile(p)
    add_no_adjust_zero_option(p)

    p = add_command(sub, "decode", _cmd_decode)
    p.add_argument(
        "command",
        metavar="COMMAND",
        help="the command the answer belongs to (QPIGS, QPGS1, POP...)",
    )
    p.add_argument("--hex", required=True, help="the answer bytes in hex (spaces allowed)")
    add_format_option(p)
    _add_protocol_and_profile(p)

    for module_name in SUBCOMMAND_MODULES if with_registered else ():
        importlib.import_module(module_name).register(sub)
    return parser


def register_url_handlers() -> None:
    """Let ports open ``sim://`` URLs: the simulator plugs into pyserial here, at the top,
    as pyserial's own URL handlers do, so the transport never knows it."""
    from .sim import register_url_handler

    register_url_handler()


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    with_registered = not (words and words[0] in PROTOCOL_SUBCOMMANDS)
    parser = build_parser(with_registered=with_registered)
    args = parser.parse_args(words)
    if with_registered:  # the sub-commands that open ports
        register_url_handlers()
    func = args.func
    if "format" in vars(args):  # --format table|json: tables for people, JSON for pipes
        func = formatted(func, getattr(args, "table", None))
    try:
        result: int = func(args)
    except BrokenPipeError:  # `pi30-worker commands | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
