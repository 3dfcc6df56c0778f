"""CRC-16/XMODEM as PI30 inverters compute it, with the reserved-byte adjust."""

from __future__ import annotations

import binascii
from typing import Literal

# Bytes an inverter would take for frame syntax if they appeared as a CRC byte: '(' CR LF.
RESERVED_CRC_BYTES = frozenset((0x28, 0x0D, 0x0A))


def crc16_xmodem(data: bytes) -> int:
    """CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor.

    ``binascii.crc_hqx`` is exactly this CRC (CCITT polynomial, caller-supplied init) in C.
    """
    return binascii.crc_hqx(data, 0)


def adjust_crc_byte(byte: int, *, adjust_zero: bool = False) -> int:
    """Shift a CRC byte off a reserved value the way the firmware expects (byte + 1)."""
    if byte in RESERVED_CRC_BYTES or (adjust_zero and byte == 0x00):
        return byte + 1
    return byte


def crc_bytes(data: bytes, *, adjust: bool = True, adjust_zero: bool = False) -> bytes:
    """The two CRC bytes to send after ``data``, high byte first."""
    crc = crc16_xmodem(data)
    high, low = crc >> 8, crc & 0xFF
    if adjust:
        high = adjust_crc_byte(high, adjust_zero=adjust_zero)
        low = adjust_crc_byte(low, adjust_zero=adjust_zero)
    return bytes((high, low))


CrcForm = Literal["raw", "adjusted", "zero_adjusted"]
CRC_FORMS: frozenset[CrcForm] = frozenset(("raw", "adjusted", "zero_adjusted"))
"""How a unit writes its answer CRC: raw (never adjusted), adjusted (reserved bytes + 1, as the
reference says units do) or zero-adjusted (0x00 adjusted too, as in requests)."""
_NO_FORM: frozenset[CrcForm] = frozenset()
_ADJUSTABLE = RESERVED_CRC_BYTES | {0x00}  # CRC bytes whose form differs


def crc_forms(data: bytes, received: bytes) -> frozenset[CrcForm]:
    """The CRC forms under which ``received`` is the CRC of ``data`` (empty: a CRC error).

    A CRC without a reserved or zero byte is the same in every form, so it matches all three.
    """
    if len(received) != 2:
        return _NO_FORM
    crc = crc16_xmodem(data)
    high, low = crc >> 8, crc & 0xFF
    if high not in _ADJUSTABLE and low not in _ADJUSTABLE:  # the usual case: one CRC for all
        return CRC_FORMS if received[0] == high and received[1] == low else _NO_FORM
    got = (received[0], received[1])
    forms: set[CrcForm] = set()
    if got == (high, low):
        forms.add("raw")
    if got == (adjust_crc_byte(high), adjust_crc_byte(low)):
        forms.add("adjusted")
    if got == (adjust_crc_byte(high, adjust_zero=True), adjust_crc_byte(low, adjust_zero=True)):
        forms.add("zero_adjusted")
    return frozenset(forms)


def crc_matches(data: bytes, received: bytes) -> bool:
    """Accept the raw CRC or the adjusted one (inverters send either; none adjusts 0x00, but
    a unit echoing a request-style CRC with 0x00 adjusted is accepted too)."""
    if len(received) != 2:
        return False
    crc = crc16_xmodem(data)
    high, low = crc >> 8, crc & 0xFF
    got_high, got_low = received[0], received[1]
    if got_high == high and got_low == low:
        return True
    for adjust_zero in (False, True):
        if got_high == adjust_crc_byte(high, adjust_zero=adjust_zero) and got_low == (
            adjust_crc_byte(low, adjust_zero=adjust_zero)
        ):
            return True
    return False
