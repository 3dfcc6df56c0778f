"""Framing: the streaming splitter (bytes in as they arrive, whole frames out), the check of one
frame (terminator, noise, CRC, NAK/echo/PI18 answers) down to its payload text, and the frame an
inverter sends. Sans-IO."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..errors import CrcError, MalformedError, NakError, UnsupportedError, WrongProtocolError
from .crc import CRC_FORMS, CrcForm, crc_bytes, crc_forms

TERMINATORS = b"\r\n"
# Payload bytes after the CRC check: printable ASCII only.
_PRINTABLE = re.compile(rb"[\x20-\x7e]*")


class FrameSplitter:
    """Cuts a byte stream into frames ending in CR or LF.

    A frame is returned with its terminator stripped. CRC bytes never take the value CR or LF
    (the firmware adjusts them), so the first CR/LF ends the frame; a LF right after a CR
    (a CRLF terminator) and HID report padding (NUL bytes between frames) are dropped.
    ``max_frame`` bounds the buffer so a stream of noise cannot grow it without limit: a frame
    longer than that is dropped whole (up to its terminator), ``overflowed`` tells it happened.
    """

    def __init__(self, max_frame: int = 4096) -> None:
        if max_frame < 1:
            raise ValueError("max_frame must be at least 1")
        self._buffer = bytearray()
        self._discarding = False  # inside an over-long frame: drop until its terminator
        self.max_frame = max_frame
        self.overflowed = False

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        buffer = self._buffer
        for byte in data:
            if byte == 0x0D or byte == 0x0A:
                if self._discarding:
                    self._discarding = False
                elif buffer:
                    frames.append(bytes(buffer))
                    buffer.clear()
                continue
            if self._discarding:
                continue
            if byte == 0 and not buffer:
                continue  # padding between frames, not data
            if len(buffer) >= self.max_frame:
                buffer.clear()
                self.overflowed = True
                self._discarding = True
                continue
            buffer.append(byte)
        return frames

    @property
    def pending(self) -> bytes:
        """Bytes of a frame not yet terminated (what a timeout would leave behind)."""
        return bytes(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()
        self._discarding = False
        self.overflowed = False


def build_response(payload: str, *, terminator: bytes = b"\r", adjust: bool = True) -> bytes:
    """What an inverter sends: ``(`` + payload + CRC + terminator (CRC 0x00 not adjusted)."""
    body = b"(" + payload.encode("ascii")
    return body + crc_bytes(body, adjust=adjust, adjust_zero=False) + terminator


def _strip_terminator(frame: bytes) -> bytes:
    """Drop CR / LF / CRLF, and HID report padding (NULs) after the terminator."""
    if frame.endswith(b"\x00"):
        unpadded = frame.rstrip(b"\x00")
        if unpadded.endswith((b"\r", b"\n")):
            frame = unpadded
    return frame.rstrip(b"\r\n")


def split_frame(
    frame: bytes, request: str | None = None, *, crc_accept: Collection[CrcForm] | None = None
) -> str:
    """Check framing and CRC; return the payload text (after ``(``, before the CRC).

    Tolerates CR/LF/CRLF, noise before ``(``, a raw or adjusted CRC and a trailing space;
    ``crc_accept`` narrows the CRC forms taken (a port that learnt its unit's form).
    Raises NAK, UNSUPPORTED (request echoed), WRONG_PROTOCOL (``^`` answers), CRC, MALFORMED.
    """
    return payload_and_forms(frame, request, crc_accept=crc_accept)[0]


def payload_and_forms(
    frame: bytes, request: str | None = None, *, crc_accept: Collection[CrcForm] | None = None
) -> tuple[str, frozenset[CrcForm]]:
    """``split_frame`` and the CRC forms the frame verified under (none for a bare ACK)."""
    return _split(frame, request, _accepted(crc_accept))


def _accepted(crc_accept: Collection[CrcForm] | None) -> frozenset[CrcForm]:
    if crc_accept is None:
        return CRC_FORMS
    return crc_accept if isinstance(crc_accept, frozenset) else frozenset(crc_accept)


def _split(
    frame: bytes, request: str | None, accept: frozenset[CrcForm]
) -> tuple[str, frozenset[CrcForm]]:
    body = _strip_terminator(frame)
    start = body.find(b"(")
    valid = _valid_frame(body, start, accept)
    for extra in (1, 2):
        # unadjusted CR/LF CRC bytes were taken for part of the terminator: put them back
        if valid is not None or len(frame) - len(body) <= extra:
            break
        if frame[len(body) + extra - 1] in b"\r\n":
            valid = _valid_frame(frame[: len(body) + extra], start, accept)
    if valid is not None:
        return _payload_text(valid[0], request), valid[1]

    if not body.strip(b"\x00 \t\r\n"):
        raise MalformedError("empty answer")
    if start >= 0 and body.find(b"(NAK", start) >= 0:
        raise NakError(f"{request or 'command'}: the unit refused it (NAK)")
    if start >= 0 and body.endswith(b"(ACK"):
        return "ACK", frozenset()  # a bare ACK without CRC is still an unmistakable ACK
    caret = body.find(b"^")
    if caret >= 0 and (start < 0 or caret < start):
        raise WrongProtocolError(
            "the unit answered in PI17/PI18 style (^...): it does not speak PI30",
            raw=body.decode("latin-1"),
        )
    if start < 0:
        if request and request.encode("ascii", "replace") in body:
            raise UnsupportedError(f"{request}: the unit echoed the command back (not supported)")
        raise MalformedError(f"no '(' in the answer {body[:40]!r}")
    candidate = body[start:]
    if len(candidate) < 3:
        raise MalformedError(f"answer too short: {candidate!r}")
    if _PRINTABLE.fullmatch(candidate):
        # No binary CRC at the end: the answer was cut short (or never had a CRC).
        raise MalformedError(
            f"truncated answer (no CRC at the end): {candidate[:60]!r}",
            raw=candidate.decode("ascii"),
        )
    content, crc = candidate[:-2], candidate[-2:]
    raise CrcError(
        f"CRC mismatch: got {crc.hex()}, expected {crc_bytes(content, adjust=False).hex()}",
        raw=candidate.decode("latin-1"),
    )


def _valid_frame(
    body: bytes, start: int, accept: frozenset[CrcForm]
) -> tuple[bytes, frozenset[CrcForm]] | None:
    """The payload of the first '(' whose CRC matches the last two bytes in an accepted form,
    if any, and the forms it matched."""
    position = start  # the common case: the frame starts at the first '('
    while position >= 0:
        if len(body) - position >= 3:
            forms = crc_forms(body[position:-2], body[-2:]) & accept
            if forms:
                return body[position + 1 : -2], forms
        position = body.find(b"(", position + 1)  # noise may hold a '(' too
    return None


def _payload_text(payload: bytes, request: str | None) -> str:
    if not _PRINTABLE.fullmatch(payload):
        raise MalformedError(f"non-printable bytes in the payload {payload[:40]!r}")
    text = payload.decode("ascii").rstrip(" ")
    if text == "NAK":
        raise NakError(f"{request or 'command'}: the unit refused it (NAK)")
    return text
