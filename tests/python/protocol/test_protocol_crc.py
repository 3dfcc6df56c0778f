"""CRC-16/XMODEM, the reserved-byte adjust, and the reference's request frames byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from protocol_samples import REFERENCE_REQUESTS

from pyworker.protocol import build_response, crc16_xmodem, crc_bytes, crc_matches, encode
from pyworker.protocol.crc import adjust_crc_byte


def bitwise_xmodem(data: bytes) -> int:
    """The textbook definition, bit by bit: the oracle for the table/C implementation."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_check_value_of_the_standard() -> None:
    assert crc16_xmodem(b"123456789") == 0x31C3  # CRC-16/XMODEM catalogue check value


@given(st.binary(max_size=300))
def test_crc_equals_the_bitwise_definition(data: bytes) -> None:
    assert crc16_xmodem(data) == bitwise_xmodem(data)


@pytest.mark.parametrize(("text", "frame_hex"), sorted(REFERENCE_REQUESTS.items()))
def test_reference_request_frames_byte_for_byte(text: str, frame_hex: str) -> None:
    protocol = "PI30MAX" if text == "QT" else "PI30"
    assert encode(text, protocol=protocol) == bytes.fromhex(frame_hex)


def test_pop02_crc_is_adjusted_off_line_feed() -> None:
    # raw CRC of POP02 is 0xE20A: 0x0A is LF, sent as 0x0B
    assert crc16_xmodem(b"POP02") == 0xE20A
    assert crc_bytes(b"POP02", adjust=False) == b"\xe2\x0a"
    assert crc_bytes(b"POP02") == b"\xe2\x0b"


@pytest.mark.parametrize(
    ("byte", "adjust_zero", "expected"),
    [(0x28, False, 0x29), (0x0D, False, 0x0E), (0x0A, False, 0x0B), (0x00, False, 0x00)]
    + [(0x00, True, 0x01), (0x27, True, 0x27), (0xFF, True, 0xFF)],
)
def test_reserved_byte_adjust(byte: int, adjust_zero: bool, expected: int) -> None:
    assert adjust_crc_byte(byte, adjust_zero=adjust_zero) == expected


def test_request_zero_byte_adjust_is_an_option_on_by_default() -> None:
    # find a request whose CRC has a 0x00 byte (QED dates are the known case)
    text = next(
        f"QED2026{month:02d}{day:02d}"
        for month in range(1, 13)
        for day in range(1, 29)
        if 0 in crc_bytes(f"QED2026{month:02d}{day:02d}".encode(), adjust=False)
    )
    raw = crc_bytes(text.encode(), adjust=False)
    default = encode(text, protocol="PI30MAX")
    plain = encode(text, protocol="PI30MAX", adjust_zero=False)
    assert 0 not in default[-3:-1]
    assert plain[-3:-1] == crc_bytes(text.encode(), adjust=True, adjust_zero=False)
    assert 0 in plain[-3:-1] and 0 in raw


def _first_body_whose_crc_has(reserved: set[int]) -> bytes:
    return next(
        body
        for body in (b"(" + str(n).encode() for n in range(100000))
        if set(crc_bytes(body, adjust=False)) & reserved
    )


def test_crc_matches_accepts_raw_and_adjusted_but_nothing_else() -> None:
    body = _first_body_whose_crc_has({0x0A, 0x0D, 0x28})
    raw = crc_bytes(body, adjust=False)
    adjusted = crc_bytes(body, adjust=True)
    assert raw != adjusted
    assert crc_matches(body, raw)
    assert crc_matches(body, adjusted)
    assert not crc_matches(body, bytes((raw[0] ^ 0x40, raw[1])))
    assert not crc_matches(body, raw[:1])
    assert not crc_matches(body, raw + b"\x00")


def test_responses_do_not_adjust_zero() -> None:
    # a real QPIGS ends "... 0000\x00\xE7\r": inverters leave 0x00 alone in answers
    body = _first_body_whose_crc_has({0x00})
    frame = build_response(body[1:].decode())
    assert 0x00 in frame[-3:-1]
    assert crc_matches(body, frame[-3:-1])
    # a unit that adjusts 0x00 like a request is accepted as well
    assert crc_matches(body, crc_bytes(body, adjust=True, adjust_zero=True))
