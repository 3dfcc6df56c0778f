"""`pi30-worker` command line: catalogue listing, encode/decode, and the sub-commands that the
transport, simulator and service packages register (query, sim, serve, request, keygen)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .errors import Pi30Error, ProtocolError
from .protocol import PROTOCOLS, decode, encode, get_catalogue

# Packages that add sub-commands: each module has ``register(subparsers)`` which sets
# ``func`` on its parsers. Imported lazily by name so Linux-only parts load only where used.
SUBCOMMAND_MODULES: tuple[str, ...] = ()


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def error_json(exc: Pi30Error) -> dict[str, Any]:
    return {"error": exc.to_dict()}


def _cmd_commands(args: argparse.Namespace) -> int:
    catalogue = get_catalogue(args.protocol)
    if args.json:
        print_json(catalogue.to_dict())
        return 0
    rows = []
    for cmd in catalogue.commands.values():
        name = cmd.name + (
            f"<{cmd.arg_help.split()[0]}>" if cmd.arg_pattern and cmd.arg_help else ""
        )
        extra = ""
        if cmd.kind == "setter":
            from .protocol import allowed_values

            allowed = allowed_values(cmd)
            extra = ", ".join(str(a) for a in allowed[:6]) + (" ..." if len(allowed) > 6 else "")
            if cmd.dangerous:
                extra = "[dangerous] " + extra
        else:
            keys = [k for f in cmd.fields for k in (f.flags or (f.key,))]
            extra = ", ".join(keys[:5]) + (f" ... ({len(keys)} fields)" if len(keys) > 5 else "")
        rows.append((name, cmd.kind, cmd.description, extra))
    width = max(len(r[0]) for r in rows)
    for name, kind, desc, extra in rows:
        print(
            f"{name:<{width}}  {kind:<6}  {desc}"
            + (f"\n{'':<{width}}          {extra}" if extra else "")
        )
    queries = len(catalogue.queries)
    setters = len(catalogue.setters)
    print(f"\n{args.protocol}: {queries} queries, {setters} setters")
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    try:
        frame = encode(
            args.command,
            args.value,
            protocol=args.protocol,
            adjust_zero=not args.no_adjust_zero,
        )
    except Pi30Error as exc:
        print_json(error_json(exc))
        return 1
    print(frame.hex())
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
    try:
        frame = bytes.fromhex(args.hex.replace(" ", "").replace(":", ""))
    except ValueError:
        print_json({"error": {"code": "MALFORMED", "message": "--hex is not valid hexadecimal"}})
        return 1
    try:
        decoded = decode(args.command, frame, args.protocol)
    except ProtocolError as exc:
        print_json(error_json(exc))
        return 1
    except Pi30Error as exc:
        print_json(error_json(exc))
        return 2
    print_json({"command": decoded.command, "data": decoded.data, "units": decoded.units})
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pi30-worker",
        description="Own a PI30 (Voltronic / Axpert / MPP-Solar) inverter port and serve it.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)
    protocol_kw: dict[str, Any] = {
        "default": "PI30",
        "type": str.upper,
        "choices": PROTOCOLS,
        "help": "protocol variant (default PI30)",
    }

    p = sub.add_parser("commands", help="list the command catalogue")
    p.add_argument("--protocol", **protocol_kw)
    p.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    p.set_defaults(func=_cmd_commands)

    p = sub.add_parser(
        "encode",
        help="print a request frame as hex",
        description="Print the request frame as lowercase hex. Queries whose argument is part "
        "of the name are given whole (QPGS1, QED20260101); setters take the value apart "
        "(encode POP 02, encode PBCV 44.0, encode POP 'SBU first').",
    )
    p.add_argument("command")
    p.add_argument("value", nargs="?", default=None)
    p.add_argument("--protocol", **protocol_kw)
    p.add_argument(
        "--no-adjust-zero", action="store_true", help="send a 0x00 CRC byte as is (default: 0x01)"
    )
    p.set_defaults(func=_cmd_encode)

    p = sub.add_parser(
        "decode",
        help="decode an answer frame given as hex",
        description="Decode an inverter answer. Exit 0 and print {command, data, units}; on a "
        "protocol failure exit 1 and print {error: {code, message}}.",
    )
    p.add_argument("command", help="the command the answer belongs to (QPIGS, QPGS1, POP...)")
    p.add_argument("--hex", required=True, help="the answer bytes in hex (spaces allowed)")
    p.add_argument("--protocol", **protocol_kw)
    p.set_defaults(func=_cmd_decode)

    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
