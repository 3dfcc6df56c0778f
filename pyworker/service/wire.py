"""Wire protocol v1: parse request frames and build reply maps. Sans-IO (no sockets, no clocks).

One ZeroMQ frame holds one msgpack map. See docs/protocol.md for the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgpack

from ..errors import InvalidRequestError, Pi30Error

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
OPS: tuple[str, ...] = ("query", "set", "catalogue", "health", "resolve")
PRIORITIES: tuple[str, ...] = ("interactive", "poll")
MAX_TIMEOUT_MS = 600_000
# A setter value is a scalar, or a small list / map of scalars ([unit, value], {"buzzer": true}):
# checked before anything formats, logs or audits it, so no value can exhaust the stack or memory.
MAX_VALUE_DEPTH = 2
MAX_VALUE_ITEMS = 16
MAX_TEXT_CHARS = 256

RequestId = str | int | None
Op = Literal["query", "set", "catalogue", "health", "resolve"]


@dataclass(frozen=True)
class Request:
    """A request that passed the wire checks. Command names are not resolved yet."""

    id: RequestId
    op: Op
    command: str | None = None
    value: Any = None
    timeout_ms: float | None = None
    max_age_ms: float | None = None
    only_if_changed: bool = True
    verify: bool = True
    source: str | None = None
    priority: str = "interactive"


class WireError(InvalidRequestError):
    """INVALID_REQUEST that still knows the request id (None when it could not be read)."""

    def __init__(self, message: str, request_id: RequestId = None) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.op: str | None = None  # known when the op was valid but a field was not


def pack(reply: dict[str, Any]) -> bytes:
    data: bytes = msgpack.packb(reply, use_bin_type=True, default=_fallback)
    return data


def _fallback(obj: Any) -> Any:
    # Replies carry only plain data; anything else (a stray tuple subclass...) goes as text.
    return str(obj)


def unpack(frame: bytes) -> Any:
    """Decode one msgpack object; any failure is INVALID_REQUEST."""
    try:
        return msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise WireError(f"not a msgpack message ({type(exc).__name__})") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(msg: dict[str, Any], key: str, rid: RequestId, minimum: float) -> float | None:
    value = msg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireError(f"{key!r} must be a number of milliseconds", rid)
    if not minimum <= value <= MAX_TIMEOUT_MS:
        raise WireError(f"{key!r} must be between {minimum:g} and {MAX_TIMEOUT_MS}", rid)
    return float(value)


def _flag(msg: dict[str, Any], key: str, rid: RequestId, default: bool) -> bool:
    value = msg.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise WireError(f"{key!r} must be true or false", rid)
    return value


def _command(msg: dict[str, Any], rid: RequestId) -> str:
    command = msg.get("command")
    if not isinstance(command, str) or not command.strip():
        raise WireError("'command' must be a non-empty string", rid)
    if len(command) > 64:
        raise WireError("'command' is too long", rid)
    command = command.strip()
    if not (command.isascii() and command.isprintable()):
        raise WireError("'command' must be printable ASCII", rid)
    return command.upper()


def _value(value: Any, rid: RequestId, depth: int = 0) -> Any:
    """The setter value if its type, size and depth are acceptable (see MAX_VALUE_*)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            raise WireError(f"'value' text is longer than {MAX_TEXT_CHARS} characters", rid)
        return value
    if isinstance(value, list | dict):
        if depth >= MAX_VALUE_DEPTH:
            raise WireError(f"'value' is nested deeper than {MAX_VALUE_DEPTH} levels", rid)
        if len(value) > MAX_VALUE_ITEMS:
            raise WireError(f"'value' holds more than {MAX_VALUE_ITEMS} items", rid)
        items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        for key, item in items:
            if key is not None and not isinstance(key, str):
                raise WireError("'value' map keys must be strings", rid)
            _value(key, rid, depth + 1)
            _value(item, rid, depth + 1)
        return value
    raise WireError(f"'value' cannot be a {type(value).__name__}", rid)


def _text(msg: dict[str, Any], key: str, rid: RequestId) -> str | None:
    value = msg.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS:
        raise WireError(f"{key!r} must be a string of at most {MAX_TEXT_CHARS} characters", rid)
    return value


def parse_request(frame: bytes) -> Request:
    """Turn one frame into a Request or raise WireError (INVALID_REQUEST)."""
    msg = unpack(frame)
    if not isinstance(msg, dict):
        raise WireError(f"a request is a msgpack map, not {type(msg).__name__}")
    raw_id = msg.get("id")
    rid: RequestId = raw_id if isinstance(raw_id, str) or _is_int(raw_id) else None
    if isinstance(rid, str) and len(rid) > MAX_TEXT_CHARS:
        rid = None
    if rid is None:
        raise WireError(
            f"'id' must be a string (at most {MAX_TEXT_CHARS} characters) or an integer"
        )
    if msg.get("v") != PROTOCOL_VERSION or isinstance(msg.get("v"), bool):
        raise WireError(f"'v' must be {PROTOCOL_VERSION}", rid)
    op = msg.get("op")
    if op not in OPS:
        raise WireError(f"unknown op {op!r}; known: {', '.join(OPS)}", rid)
    try:
        return _parse_op(msg, rid, op)
    except WireError as exc:
        exc.op = op
        raise


def _parse_op(msg: dict[str, Any], rid: RequestId, op: Op) -> Request:
    if op == "query":
        priority = msg.get("priority", "interactive")
        if priority not in PRIORITIES:
            raise WireError(f"'priority' must be one of {', '.join(PRIORITIES)}", rid)
        return Request(
            rid,
            "query",
            command=_command(msg, rid),
            timeout_ms=_number(msg, "timeout_ms", rid, 1),
            max_age_ms=_number(msg, "max_age_ms", rid, 0),
            priority=priority,
        )
    if op == "set":
        return Request(
            rid,
            "set",
            command=_command(msg, rid),
            value=_value(msg.get("value"), rid),
            timeout_ms=_number(msg, "timeout_ms", rid, 1),
            only_if_changed=_flag(msg, "only_if_changed", rid, True),
            verify=_flag(msg, "verify", rid, True),
            source=_text(msg, "source", rid),
        )
    if op == "resolve":
        return Request(
            rid,
            "resolve",
            command=_command(msg, rid),
            timeout_ms=_number(msg, "timeout_ms", rid, 1),
        )
    return Request(rid, op)


def ok_reply(request_id: RequestId, **fields: Any) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": True, **fields}


def error_reply(request_id: RequestId, error: Pi30Error) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": False, "error": error.to_dict()}
