"""`pi30-worker query`: one direct transaction with an inverter, decoded like `decode`;
`pi30-worker ports`: the ports this machine has."""

from __future__ import annotations

import argparse
from typing import Any

from .. import cli_args
from ..errors import InvalidRequestError, Pi30Error, RequestError
from ..output import add_format_option, chosen_format, error_json, print_json, rows_table
from ..protocol import command_text, decode, encode_raw
from ..protocol.profiles import catalogue_for
from .factory import open_transport
from .ports import list_ports


def register(subparsers: Any) -> None:
    p = cli_args.add_command(subparsers, "query", run_query)
    p.add_argument("command", help="QPIGS, QPGS1, QED20260101, POP, PBCV...")
    p.add_argument("value", nargs="?", default=None, help="setter value (02, 'SBU first', 44.0)")
    cli_args.add_port_option(p)
    cli_args.add_protocol_option(p, default="PI30", help="protocol variant (default PI30)")
    cli_args.add_profile_option(
        p, help="the unit's device profile: its codes and layouts (see `pi30-worker profiles`)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="overall deadline in seconds (default: sized from the answer length at the baud)",
    )
    cli_args.add_baud_option(p)
    cli_args.add_no_adjust_zero_option(p)
    add_format_option(p)

    p = cli_args.add_command(subparsers, "ports", run_ports)
    add_format_option(p)


def query(
    port: str,
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    timeout: float | None = None,
    baud: int = 2400,
    adjust_zero: bool = True,
    profile: str | None = None,
) -> dict[str, Any]:
    """One transaction on a port opened for it; the JSON-safe result. Raises Pi30Error."""
    # validated: POP02, QPGS1, PBCV44.0 (POP01 for "SBU first" with --profile vmii)
    text = command_text(command, value, protocol=protocol, profile=profile)
    entry = catalogue_for(protocol, profile).resolve(text)[0]
    if entry.response == "worker":
        # never sent: the unit does not know it (it would answer NAK)
        raise InvalidRequestError(
            f"{entry.name} is answered by a running worker from its readings, not by the unit; "
            f"ask the worker: pi30-worker request {entry.name}"
        )
    is_setter = entry.kind == "setter"
    request = encode_raw(text, adjust_zero=adjust_zero)
    transport = open_transport(port, baud=baud, adjust_zero=adjust_zero)
    try:
        frame = transport.transact(
            request, expected_bytes=entry.expected_response_bytes, timeout=timeout
        )
    finally:
        transport.close()
    if is_setter:
        decoded = decode(entry.name, frame, protocol, profile)
        return {"command": entry.name, "sent": text, "data": decoded.data}
    decoded = decode(text, frame, protocol, profile)
    return {"command": decoded.command, "data": decoded.data, "units": decoded.units}


def run_query(args: argparse.Namespace) -> int:
    """send one command to an inverter and print the decoded answer

    Send one query (query QPIGS --port /dev/ttyUSB0) or setter (query POP 'SBU first' --port ...)
    and print the answer as JSON. Exit 0 with {command, data, units} (setters: {command, sent,
    data}); exit 1 with {error: {code, message}} when the unit or the port fails (CRC, NAK,
    UNSUPPORTED, WRONG_PROTOCOL, MALFORMED, TIMEOUT, PORT_UNAVAILABLE); exit 2 when the request
    itself is invalid (nothing is sent). Do not run it on a port a worker already owns.
    """
    try:
        result = query(
            args.port,
            args.command,
            args.value,
            protocol=args.protocol,
            timeout=args.timeout,
            baud=args.baud,
            adjust_zero=not args.no_adjust_zero,
            profile=args.profile,
        )
    except RequestError as exc:
        print_json(error_json(exc))
        return 2
    except Pi30Error as exc:
        print_json(error_json(exc))
        return 1
    print_json(result)
    return 0


def run_ports(args: argparse.Namespace) -> int:
    """list the serial ports and inverter USB HID devices of this machine

    List what --port can open here: serial ports (pyserial's listing, with USB vendor:product ids
    and what the adapter is) and the inverter's own USB port, which appears as a HID device
    (0665:5161) at /dev/hidrawN, not as a serial port.
    """
    ports = list_ports()
    if chosen_format(args.format) == "json":
        print_json([port.to_dict() for port in ports])
        return 0
    if ports:
        rows = [(p.device, p.usb_id or "-", p.description, p.hint) for p in ports]
        print(rows_table(("PORT", "USB ID", "DESCRIPTION", "WHAT IT IS"), rows))
    else:
        print("no serial port and no inverter USB HID device found on this machine")
    print(
        "The inverter's own USB port is a HID device (USB id 0665:5161): use --port "
        "/dev/hidrawN. RS232 through a USB adapter: --port /dev/ttyUSB0 (COM3 on Windows)."
    )
    return 0
