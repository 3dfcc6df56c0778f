"""The ports this machine has, for people choosing ``--port``, and what to say when a port name
does not open: serial ports from pyserial's listing (with their USB ids) and the inverter's own
USB port, a HID device (0665:5161) that Linux shows as ``/dev/hidrawN``."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

INVERTER_HID = (0x0665, 0x5161)
# USB-serial adapters seen on inverter cables
USB_SERIAL_CHIPS = {
    (0x067B, 0x2303): "USB-serial adapter (Prolific PL2303)",
    (0x067B, 0x23A3): "USB-serial adapter (Prolific PL2303GC)",
    (0x0403, 0x6001): "USB-serial adapter (FTDI FT232)",
    (0x0403, 0x6015): "USB-serial adapter (FTDI FT230X)",
    (0x1A86, 0x7523): "USB-serial adapter (WCH CH340)",
    (0x1A86, 0x55D4): "USB-serial adapter (WCH CH9102)",
    (0x10C4, 0xEA60): "USB-serial adapter (Silicon Labs CP210x)",
}
HIDRAW_CLASS = "/sys/class/hidraw"


@dataclass(frozen=True)
class PortInfo:
    device: str
    kind: str  # "serial" or "hid"
    description: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None

    @property
    def usb_id(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}" if self.vid is not None and self.pid else ""

    @property
    def hint(self) -> str:
        ids = (self.vid, self.pid)
        if ids == INVERTER_HID:
            return "the inverter's own USB port (HID)" if self.kind == "hid" else "inverter USB"
        if self.vid is not None and self.pid is not None and ids in USB_SERIAL_CHIPS:
            return USB_SERIAL_CHIPS[ids]
        if self.kind == "hid":
            return "a HID device (not an inverter id)"
        return "USB serial port" if self.vid is not None else "serial port"

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "usb_id": self.usb_id, "hint": self.hint}

    def summary(self) -> str:
        details = ", ".join(part for part in (self.hint, self.usb_id) if part)
        return f"{self.device} ({details})" if details else self.device


def serial_ports() -> list[PortInfo]:
    from serial.tools import list_ports

    found = []
    for port in list_ports.comports():
        description = port.description if port.description not in (None, "n/a") else ""
        found.append(
            PortInfo(
                device=port.device,
                kind="serial",
                description=description,
                vid=port.vid,
                pid=port.pid,
                serial_number=port.serial_number,
            )
        )
    return found


def _uevent(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def hid_ports(class_dir: str = HIDRAW_CLASS, dev_dir: str = "/dev") -> list[PortInfo]:
    """``/dev/hidrawN`` devices from sysfs, with the USB ids the kernel gives them."""
    root = Path(class_dir)
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        event = _uevent(entry / "device" / "uevent")
        # HID_ID=0003:00000665:00005161 (bus:vendor:product)
        match = re.fullmatch(r"[0-9A-Fa-f]+:([0-9A-Fa-f]+):([0-9A-Fa-f]+)", event.get("HID_ID", ""))
        vid, pid = (int(match[1], 16), int(match[2], 16)) if match else (None, None)
        found.append(
            PortInfo(
                device=os.path.join(dev_dir, entry.name),
                kind="hid",
                description=event.get("HID_NAME", ""),
                vid=vid,
                pid=pid,
                serial_number=event.get("HID_UNIQ") or None,
            )
        )
    return found


def list_ports() -> list[PortInfo]:
    """Serial ports, then HID devices, each sorted by name."""
    return sorted(serial_ports(), key=lambda p: p.device) + hid_ports()


def suggestion(url: str, ports: Sequence[PortInfo] | None = None) -> str:
    """What to add when ``url`` did not open: the name probably meant, and the ports here."""
    parts = []
    bare = url.strip()
    if (
        os.name == "posix"
        and bare
        and "://" not in bare
        and not bare.startswith(("/", "."))
        and os.path.exists(os.path.join("/dev", bare))
    ):
        parts.append(f"did you mean /dev/{bare}?")
    elif os.name == "posix" and re.fullmatch(r"(?i)(tty|hidraw)\w+", bare):
        parts.append(f"a device name is a path: /dev/{bare}")
    known = list_ports() if ports is None else list(ports)
    if known:
        shown = ", ".join(p.summary() for p in known[:8])
        parts.append(f"ports here: {shown}" + (" ..." if len(known) > 8 else ""))
    else:
        parts.append("no serial port or inverter HID device found here")
    parts.append("`pi30-worker ports` lists them")
    return "; ".join(parts)
