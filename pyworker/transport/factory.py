"""Pick the transport a port URL needs."""

from __future__ import annotations

from .base import Timing, Transport
from .hidraw import HidrawTransport, is_hidraw_path
from .serial_port import SerialTransport


def create_transport(
    url: str,
    *,
    baud: int = 2400,
    adjust_zero: bool = True,
    timing: Timing | None = None,
) -> Transport:
    """A transport for ``url``, not yet opened.

    ``/dev/hidrawN`` (or a symlink to one) is USB HID; everything else goes through pyserial:
    ``/dev/ttyUSB0``, ``COM3``, ``socket://host:port``, ``rfc2217://host:port``, ``sim://``.
    """
    url = url.strip()
    if not url:
        raise ValueError("empty port URL")
    if is_hidraw_path(url):
        return HidrawTransport(url, baud=baud, timing=timing, adjust_zero=adjust_zero)
    return SerialTransport(url, baud=baud, timing=timing, adjust_zero=adjust_zero)


def open_transport(
    url: str,
    *,
    baud: int = 2400,
    adjust_zero: bool = True,
    timing: Timing | None = None,
) -> Transport:
    """Create and open the transport for ``url``. Raises PortUnavailableError.

    ``adjust_zero`` (send a 0x00 request CRC byte as 0x01) is kept on the transport for the
    caller to encode with: the transport itself only moves bytes.
    """
    transport = create_transport(url, baud=baud, adjust_zero=adjust_zero, timing=timing)
    transport.open()
    return transport
