"""Streaming frame splitter: bytes in as they arrive, whole frames out. Sans-IO."""

from __future__ import annotations

TERMINATORS = b"\r\n"


class FrameSplitter:
    """Cuts a byte stream into frames ending in CR or LF.

    A frame is returned with its terminator stripped. CRC bytes never take the value CR or LF
    (the firmware adjusts them), so the first CR/LF ends the frame; a LF right after a CR
    (a CRLF terminator) and HID report padding (NUL bytes between frames) are dropped.
    ``max_frame`` bounds the buffer so a stream of noise cannot grow it without limit.
    """

    def __init__(self, max_frame: int = 4096) -> None:
        self._buffer = bytearray()
        self.max_frame = max_frame
        self.overflowed = False

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        for byte in data:
            if byte in TERMINATORS:
                if self._buffer:
                    frames.append(bytes(self._buffer))
                    self._buffer.clear()
                continue
            if byte == 0 and not self._buffer:
                continue  # padding between frames, not data
            if len(self._buffer) >= self.max_frame:
                self._buffer.clear()
                self.overflowed = True
            self._buffer.append(byte)
        return frames

    @property
    def pending(self) -> bytes:
        """Bytes of a frame not yet terminated (what a timeout would leave behind)."""
        return bytes(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()
        self.overflowed = False
