"""Encode requests and decode answers for a catalogued command: the catalogue (with the unit's
profile) + argument rules + framing + payload decoding. Pure functions over bytes: no I/O."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidValueError, MalformedError
from .arguments import SetterContext, allowed_values, format_argument
from .catalogue import Catalogue, Command
from .catalogue.profiles import catalogue_for
from .crc import CrcForm, crc_bytes
from .decoding import decode_payload
from .frames import payload_and_forms


@dataclass(frozen=True)
class Decoded:
    command: str
    data: dict[str, Any]
    units: dict[str, str]
    raw: str
    crc_forms: frozenset[CrcForm] = field(default=frozenset(), compare=False)
    """The CRC forms the answer's CRC verified under (empty for a bare ACK without CRC)."""


def encode_raw(text: str, *, adjust_zero: bool = True) -> bytes:
    """Frame any command text, catalogued or not: the explicit escape hatch."""
    if not (text.isascii() and text.isprintable()):
        raise InvalidValueError(f"{text[:40]!r}: a command is printable ASCII only", allowed=[])
    body = text.encode("ascii")
    return body + crc_bytes(body, adjust=True, adjust_zero=adjust_zero) + b"\r"


def encode(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    adjust_zero: bool = True,
    profile: str | None = None,
) -> bytes:
    """The request frame for a catalogued query (``QPGS1``) or setter (``POP``, value 2)."""
    text = command_text(command, value, protocol=protocol, context=context, profile=profile)
    return encode_raw(text, adjust_zero=adjust_zero)


def _given(value: Any) -> bool:
    return value is not None and value != ""


def command_text(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    profile: str | None = None,
) -> str:
    """The validated command text: ``QPGS1``, ``POP02``, ``PBCV46.0``...

    Queries whose argument is part of the name come whole (``QPGS1``) or as name + value
    (``QPGS``, 1). Setters come as name + value (``POP``, "SBU first") or whole (``POP02``).
    """
    catalogue = catalogue_for(protocol, profile)
    text = command.strip()
    entry = catalogue.commands.get(text.upper())
    if entry is not None and entry.kind == "setter":
        return normalize_setter(
            entry.name, value, protocol=protocol, context=context, profile=profile
        )
    if entry is not None and entry.arg_pattern and _given(value):
        # ("QPGS", 1) -> "QPGS1"; resolve() checks the argument
        text += str(value).strip()
        value = None
    cmd, arg = catalogue.resolve(text)
    if cmd.kind == "setter":
        if _given(value):
            raise InvalidValueError(
                f"{command.strip()!r} already carries its value; give {cmd.name} and the value "
                "apart or the whole text alone",
                allowed=allowed_values(cmd, context),
            )
        return normalize_setter(cmd.name, arg, protocol=protocol, context=context, profile=profile)
    if _given(value):
        raise InvalidValueError(f"{cmd.name} is a query and takes no value", allowed=[])
    return cmd.name + (arg or "")


def normalize_setter(
    command: str,
    value: Any = None,
    *,
    protocol: str = "PI30",
    context: SetterContext | None = None,
    profile: str | None = None,
) -> str:
    """Validate a friendly setter value and return the exact command text (``POP02``).

    ``profile`` applies a device profile (catalogue.profiles): its codes and formats.
    """
    catalogue = catalogue_for(protocol, profile)
    cmd = catalogue.get(command)
    if cmd.kind != "setter" or cmd.arg is None:
        raise InvalidValueError(f"{cmd.name} is not a setter", allowed=[])
    return cmd.name + format_argument(cmd, cmd.arg, value, context or SetterContext())


def decode(
    command: str,
    frame: bytes,
    protocol: str = "PI30",
    profile: str | None = None,
    *,
    crc_accept: Collection[CrcForm] | None = None,
) -> Decoded:
    """Decode one answer frame to a flat ``data`` dict and its ``units``.

    ``command`` is what was sent: a name (``QPIGS``, ``POP``) or the whole text (``QPGS1``,
    ``POP02``); ``crc_accept`` narrows the CRC forms taken (see split_frame). Raises
    UnknownCommandError for a command outside the catalogue, else only ProtocolError
    subclasses. ``profile`` applies a device profile's layouts and labels.
    """
    catalogue = catalogue_for(protocol, profile)
    cmd = _lookup(catalogue, command)
    request = command.strip().upper()
    payload, forms = payload_and_forms(frame, request, crc_accept=crc_accept)
    if cmd.kind == "setter" or payload == "ACK":
        if payload == "ACK":
            return Decoded(cmd.name, {"ack": True}, {}, payload, forms)
        raise MalformedError(f"{request}: expected ACK or NAK, got {payload[:40]!r}")
    data, units = decode_payload(cmd, payload)
    return Decoded(request if cmd.arg_pattern else cmd.name, data, units, payload, forms)


def _lookup(catalogue: Catalogue, command: str) -> Command:
    exact = catalogue.commands.get(command.strip().upper())
    if exact is not None and exact.arg_pattern is None:
        return exact
    return catalogue.resolve(command)[0]
