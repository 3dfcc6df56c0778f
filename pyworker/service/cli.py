"""`pi30-worker serve | request | keygen`: registered into pyworker.cli."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from ..cli_args import (
    add_baud_option,
    add_command,
    add_no_adjust_zero_option,
    add_port_option,
    add_profile_option,
    add_protocol_option,
    count,
)
from ..errors import InvalidRequestError, NoReplyError, Pi30Error
from ..output import add_format_option, error_json, print_json

LOG_LEVELS = ("debug", "info", "warning", "error")


def register(subparsers: Any) -> None:
    from .server import DEFAULT_BIND

    p = add_command(subparsers, "serve", _cmd_serve)
    add_port_option(p)
    p.add_argument(
        "--bind",
        action="append",
        metavar="ENDPOINT",
        help=f"ZeroMQ endpoint to bind, repeatable (default {DEFAULT_BIND})",
    )
    add_protocol_option(
        p,
        default="AUTO",
        extra_choices=("AUTO",),
        help="protocol variant; auto (default) identifies the unit at connect",
    )
    add_profile_option(
        p, help="force a device profile (default: detected; see `pi30-worker profiles`)"
    )
    add_baud_option(p)
    add_no_adjust_zero_option(p)
    p.add_argument("--read-only", action="store_true", help="refuse every setter")
    p.add_argument(
        "--allow-set",
        action="append",
        default=[],
        metavar="CMD,...",
        help="dangerous setters to allow (PF, PBT, F, DAT, ...)",
    )
    p.add_argument(
        "--audit-log",
        metavar="PATH",
        help="append one JSON line per setter attempt (default: the log); created 0600",
    )
    p.add_argument(
        "--audit-log-group",
        metavar="GROUP",
        help="make the audit log 0640 and owned by GROUP (readable by its members)",
    )
    p.add_argument(
        "--energy-state",
        metavar="PATH",
        help="file keeping the ENERGY totals across restarts "
        "(default: next to --audit-log as NAME.energy.json; neither: kept in memory only)",
    )
    p.add_argument(
        "--energy-max-gap",
        type=float,
        default=300.0,
        metavar="S",
        help="readings further apart than this are not integrated into ENERGY (default 300)",
    )
    p.add_argument(
        "--curve-secret-key",
        metavar="FILE",
        help="the worker's secret key (keygen's .key_secret file)",
    )
    p.add_argument(
        "--curve-clients",
        metavar="DIR",
        help="directory of allowed clients' public keys (.key files)",
    )
    p.add_argument(
        "--insecure", action="store_true", help="allow a non-loopback TCP bind without CURVE"
    )
    p.add_argument(
        "--queue-size",
        type=count(1),
        default=64,
        help="queued wire transactions before BUSY (default 64)",
    )
    p.add_argument(
        "--retries",
        type=count(0),
        default=2,
        help="retries of a query after CRC/garbled/timeout (default 2)",
    )
    p.add_argument("--log-level", default="info", choices=LOG_LEVELS)

    p = add_command(subparsers, "request", _cmd_request)
    p.add_argument("op", choices=("query", "set", "catalogue", "health", "resolve"))
    p.add_argument("command", nargs="?", help="QPIGS, QPGS1, POP, MUCHGC, PE... (resolve: POP02)")
    p.add_argument(
        "value",
        nargs="?",
        help="setter value ('SBU first', 02, 46); JSON for lists/maps: '[\"a\",\"x\"]'",
    )
    p.add_argument("--connect", default=DEFAULT_BIND, metavar="ENDPOINT")
    p.add_argument("--timeout-ms", type=float, help="the request's deadline at the worker")
    p.add_argument("--max-age-ms", type=float, help="accept a cached answer this fresh")
    p.add_argument("--priority", choices=("interactive", "poll"))
    p.add_argument(
        "--always", action="store_true", help="set: write even when the unit already has the value"
    )
    p.add_argument("--no-verify", action="store_true", help="set: skip the read-back")
    p.add_argument("--source", default="cli", help="set: who asks (audit log)")
    p.add_argument(
        "--curve-server-key",
        metavar="KEY|FILE",
        help="the worker's public key (Z85 or its .key file)",
    )
    p.add_argument("--curve-secret-key", metavar="FILE", help="our .key_secret file")
    p.add_argument(
        "--connect-timeout-ms",
        type=float,
        default=3000,
        help="give up this soon when nothing answers on the endpoint (default 3000)",
    )
    add_format_option(p)

    p = add_command(subparsers, "keygen", _cmd_keygen)
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--name", default="worker")


def setup_logging(level: str) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _cmd_serve(args: argparse.Namespace) -> int:
    """own the inverter port and serve it over ZeroMQ

    Bind a ZeroMQ ROUTER (wire protocol v1, docs/protocol.md) and serve the inverter on --port.
    Loopback and ipc:// binds are open to local users; any other TCP bind needs CURVE
    (--curve-secret-key and --curve-clients) or --insecure.
    """
    from .server import DEFAULT_BIND, ServiceConfig, WorkerService

    setup_logging(args.log_level)
    log = logging.getLogger("pyworker.service")
    allow = tuple(name for item in args.allow_set for name in item.split(",") if name.strip())
    config = ServiceConfig(
        port_url=args.port,
        binds=args.bind or [DEFAULT_BIND],
        protocol=args.protocol,
        profile=args.profile,
        baud=args.baud,
        adjust_zero=not args.no_adjust_zero,
        read_only=args.read_only,
        allow_set=allow,
        audit_log=args.audit_log,
        audit_group=args.audit_log_group,
        curve_secret_key=args.curve_secret_key,
        curve_clients=args.curve_clients,
        insecure=args.insecure,
        queue_size=args.queue_size,
        retries=args.retries,
        energy_state=args.energy_state,
        energy_max_gap_s=args.energy_max_gap,
    )
    try:
        service = WorkerService(config)
    except (Pi30Error, OSError, ValueError) as exc:
        log.error("%s", exc)
        return 2
    return service.run()


def _request_value(text: str | None) -> Any:
    if text is not None and text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _cmd_request(args: argparse.Namespace) -> int:
    """send one request to a running worker and print the reply

    Exit 0 when the reply is ok, 1 when it is an error reply, 2 when no reply came (worker not
    running, wrong endpoint, or a CURVE key it does not accept).
    """
    from .client import WorkerClient
    from .security import SecurityError

    fields: dict[str, Any] = {}
    if args.op in ("query", "set", "resolve"):
        if not args.command:
            print_json(error_json(InvalidRequestError(f"{args.op} needs a COMMAND")))
            return 1
        fields["command"] = args.command
    if args.timeout_ms is not None:
        fields["timeout_ms"] = args.timeout_ms
    if args.op == "query":
        if args.max_age_ms is not None:
            fields["max_age_ms"] = args.max_age_ms
        if args.priority:
            fields["priority"] = args.priority
    if args.op == "set":
        fields["value"] = _request_value(args.value)
        fields["only_if_changed"] = not args.always
        fields["verify"] = not args.no_verify
        fields["source"] = args.source
    wait_s = (args.timeout_ms or 15_000) / 1000.0 + 1.0  # the worker answers by the deadline
    try:
        client = WorkerClient(
            args.connect, server_key=args.curve_server_key, secret_key=args.curve_secret_key
        )
    except (SecurityError, ValueError) as exc:
        print_json(error_json(InvalidRequestError(str(exc))))
        return 2
    with client:
        from .reachability import probe

        reach = probe(
            args.connect,
            timeout_s=min(args.connect_timeout_ms / 1000.0, wait_s),
            server_key=args.curve_server_key,
            secret_key=args.curve_secret_key,
            context=client.context,
        )
        if not reach.ok:  # fail fast: no use waiting out the whole deadline
            print_json(error_json(NoReplyError(reach.message)))
            return 2
        try:
            reply = client.request(args.op, timeout_s=wait_s, **fields)
        except NoReplyError as exc:
            print_json(error_json(exc))
            return 2
    print(json.dumps(reply, ensure_ascii=False, default=repr))
    return 0 if reply.get("ok") else 1


def _cmd_keygen(args: argparse.Namespace) -> int:
    """write a CURVE key pair (NAME.key, NAME.key_secret)

    Write NAME.key (public: copy it to the other side) and NAME.key_secret (keep it private) into
    DIR, as zmq certificate files.
    """
    from .security import SecurityError, keygen, load_public_key

    try:
        public_file, secret_file = keygen(args.directory, args.name)
    except SecurityError as exc:
        print_json(error_json(exc))
        return 2
    print(
        json.dumps(
            {
                "public_key_file": str(public_file),
                "secret_key_file": str(secret_file),
                "public_key": load_public_key(str(public_file)).decode("ascii"),
            }
        )
    )
    return 0
