"""Streaming frame splitter: bytes in as they arrive, whole frames out. Sans-IO."""

from __future__ import annotations

TERMINATORS = b"\r\n"


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
