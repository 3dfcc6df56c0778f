"""Transports: move request and answer frames over serial ports, TCP bridges, USB HID, sim://.

Linux-only modules (termios, fcntl) are imported where they are used, so this package loads on
Windows (``pi30-worker query --port COM3``).
"""

from .base import BITS_PER_BYTE, Timing, Transport
from .factory import create_transport, open_transport
from .hidraw import REPORT_SIZE, HidrawTransport, is_hidraw_path, split_reports
from .reconnect import PortError, PortState, ReconnectingPort
from .serial_port import SerialTransport

__all__ = [
    "BITS_PER_BYTE",
    "REPORT_SIZE",
    "HidrawTransport",
    "PortError",
    "PortState",
    "ReconnectingPort",
    "SerialTransport",
    "Timing",
    "Transport",
    "create_transport",
    "is_hidraw_path",
    "open_transport",
    "split_reports",
]
