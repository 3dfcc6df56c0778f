"""`pi30-worker ports` and the hints a port name that does not open gets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_runner import run_cli

from pyworker.output import table
from pyworker.transport.ports import PortInfo, hid_ports, list_ports, suggestion
from pyworker.transport.serial_port import SerialTransport

posix_only = pytest.mark.skipif(os.name != "posix", reason="device paths under /dev are POSIX")


def fake_hidraw_class(root: Path, entries: dict[str, str]) -> Path:
    """A sysfs hidraw class directory as the kernel lays it out (hidrawN/device/uevent)."""
    for name, uevent in entries.items():
        (root / name / "device").mkdir(parents=True)
        (root / name / "device" / "uevent").write_text(uevent)
    return root


def test_hid_devices_with_the_inverter_id_are_named(tmp_path: Path) -> None:
    class_dir = fake_hidraw_class(
        tmp_path,
        {
            "hidraw0": "DRIVER=hid-generic\nHID_ID=0003:0000046D:0000C52B\nHID_NAME=Logitech\n",
            "hidraw1": "DRIVER=hid-generic\nHID_ID=0003:00000665:00005161\nHID_NAME=MEC0003\n",
        },
    )
    ports = hid_ports(str(class_dir))
    assert [(p.device, p.usb_id) for p in ports] == [
        ("/dev/hidraw0", "046d:c52b"),
        ("/dev/hidraw1", "0665:5161"),
    ]
    assert ports[1].hint == "the inverter's own USB port (HID)"
    assert "not an inverter" in ports[0].hint
    assert hid_ports(str(tmp_path / "missing")) == []


def test_usb_serial_adapters_are_recognised() -> None:
    pl2303 = PortInfo("/dev/ttyUSB0", "serial", "USB-Serial Controller", 0x067B, 0x2303)
    assert pl2303.hint == "USB-serial adapter (Prolific PL2303)"
    assert pl2303.summary() == "/dev/ttyUSB0 (USB-serial adapter (Prolific PL2303), 067b:2303)"
    assert pl2303.to_dict()["usb_id"] == "067b:2303"


@posix_only
def test_a_bare_device_name_gets_its_path_and_the_ports_here() -> None:
    ports = [PortInfo("/dev/ttyUSB0", "serial", "", 0x067B, 0x2303)]
    text = suggestion("ttyUSB9", ports)
    assert text.startswith("a device name is a path: /dev/ttyUSB9")
    assert "ports here: /dev/ttyUSB0 (USB-serial adapter (Prolific PL2303), 067b:2303)" in text
    assert "`pi30-worker ports`" in text
    assert suggestion("null", []).startswith("did you mean /dev/null?")  # exists on every POSIX
    assert "no serial port or inverter HID device found here" in suggestion("/dev/nothing", [])


@posix_only
def test_opening_a_missing_port_says_which_name_was_meant() -> None:
    from pyworker.errors import PortUnavailableError

    with pytest.raises(PortUnavailableError) as caught:
        SerialTransport("ttyUSB9").open()
    message = str(caught.value)
    assert "a device name is a path: /dev/ttyUSB9" in message and "pi30-worker ports" in message

    done = run_cli("query", "QPIGS", "--port", "ttyUSB9")
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "PORT_UNAVAILABLE" and "/dev/ttyUSB9" in error["message"]


def test_ports_command_lists_what_pyserial_sees() -> None:
    done = run_cli("ports", "--format", "json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)
    assert [p["device"] for p in listed] == [p.device for p in list_ports()]
    shown = run_cli("ports", "--format", "table")
    assert shown.returncode == 0 and "0665:5161" in shown.stdout  # the HID hint, always
    if listed:
        assert shown.stdout.splitlines()[0].split()[:3] == ["PORT", "USB", "ID"]


def test_query_prints_a_table_or_the_json_it_always_printed() -> None:
    piped = run_cli("query", "QPIGS", "--port", "sim://?model=pi30max", "--protocol", "PI30MAX")
    assert piped.returncode == 0 and len(piped.stdout.strip().splitlines()) == 1
    result = json.loads(piped.stdout)
    shown = run_cli(
        "query",
        "QPIGS",
        "--port",
        "sim://?model=pi30max",
        "--protocol",
        "PI30MAX",
        "--format",
        "table",
    )
    lines = shown.stdout.splitlines()
    assert lines[0] == "QPIGS" and len(lines) == len(result["data"]) + 1
    assert any(
        line.startswith("Battery voltage ") and line.endswith(" battery_voltage") for line in lines
    )


def test_table_of_results_without_data() -> None:
    text = table({"v": 1, "id": "x", "ok": True, "port": {"state": "connected", "retry_in": None}})
    assert text.splitlines() == ["port.state     connected", "port.retry_in  -"]
    assert table({"error": {"code": "INVALID_VALUE", "message": "no", "allowed": [2, 10]}}) == (
        "error INVALID_VALUE: no\nallowed: 2, 10"
    )
