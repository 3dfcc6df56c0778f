"""The one exception hierarchy of the worker: every class carries its wire error code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class Pi30Error(Exception):
    """Base class. ``code`` is what clients see in ``{"error": {"code": ...}}``."""

    code: ClassVar[str] = "ERROR"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        out.update(self.details)
        return out


# -- codec (what the inverter answered) ---------------------------------------------------
class ProtocolError(Pi30Error):
    """The answer could not be taken as a valid reply to the request."""


class CrcError(ProtocolError):
    code = "CRC"


class NakError(ProtocolError):
    code = "NAK"


class UnsupportedError(ProtocolError):
    """The unit echoed the request back: it does not know the command."""

    code = "UNSUPPORTED"


class WrongProtocolError(ProtocolError):
    """A PI17/PI18-style answer (``^0``...): the unit does not speak PI30."""

    code = "WRONG_PROTOCOL"


class MalformedError(ProtocolError):
    code = "MALFORMED"


class ShapeError(MalformedError):
    """A frame with a valid CRC whose content is not the shape of an answer to the request
    (field count, types, plausible ranges): most often another request's answer."""


# -- transport -----------------------------------------------------------------------------
class TransportError(Pi30Error):
    pass


class ResponseTimeout(TransportError):
    code = "TIMEOUT"


class PortUnavailableError(TransportError):
    code = "PORT_UNAVAILABLE"


# -- requests (what a client asked) --------------------------------------------------------
class RequestError(Pi30Error):
    pass


class InvalidRequestError(RequestError):
    code = "INVALID_REQUEST"


class UnknownCommandError(RequestError):
    code = "UNKNOWN_COMMAND"


class InvalidValueError(RequestError):
    """A setter value outside the catalogue's (or the unit's) rules; ``allowed`` says what is."""

    code = "INVALID_VALUE"

    def __init__(self, message: str, allowed: Sequence[Any] | str | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed
        if allowed is not None:
            self.details["allowed"] = list(allowed) if not isinstance(allowed, str) else allowed


class NotAllowedError(RequestError):
    code = "NOT_ALLOWED"


class BusyError(RequestError):
    code = "BUSY"


class ShuttingDownError(RequestError):
    code = "SHUTTING_DOWN"


# -- the worker itself ---------------------------------------------------------------------
class InternalError(Pi30Error):
    """A bug met while handling a request: logged with its traceback, the worker goes on."""

    code = "INTERNAL"


# -- a client of the worker ----------------------------------------------------------------
class NoReplyError(Pi30Error):
    """No reply from the worker in time: not running, wrong endpoint, or CURVE refused us.

    The request may or may not have reached the inverter: for a setter, "maybe written" (read the
    setting back before trying again), unlike TIMEOUT, which the worker itself answers.
    """

    code = "NO_REPLY"


def _codes() -> tuple[str, ...]:
    """The codes the classes above carry, in the order they are defined (each code once)."""
    # A subclass that only narrows the meaning (ShapeError) defines no code of its own.
    classes = [v for v in globals().values() if isinstance(v, type) and issubclass(v, Pi30Error)]
    return tuple(dict.fromkeys(c.code for c in classes if c is not Pi30Error and "code" in vars(c)))


ERROR_CODES: tuple[str, ...] = _codes()
