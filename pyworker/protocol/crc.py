"""CRC-16/XMODEM as PI30 inverters compute it, with the reserved-byte adjust."""

from __future__ import annotations

# Bytes an inverter would take for frame syntax if they appeared as a CRC byte: '(' CR LF.
RESERVED_CRC_BYTES = frozenset((0x28, 0x0D, 0x0A))


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _make_table()


def crc16_xmodem(data: bytes) -> int:
    """CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ byte) & 0xFF]
    return crc


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


def crc_matches(data: bytes, received: bytes) -> bool:
    """Accept the raw CRC or the adjusted one (inverters send either; none adjusts 0x00)."""
    if len(received) != 2:
        return False
    return received in (
        crc_bytes(data, adjust=False),
        crc_bytes(data, adjust=True),
        crc_bytes(data, adjust=True, adjust_zero=True),
    )
