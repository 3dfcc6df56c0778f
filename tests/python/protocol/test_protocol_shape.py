"""Shape checks: an answer with a valid CRC is taken only if it looks like an answer to the
command sent - counts, types and plausible ranges all derived from the catalogue."""

from __future__ import annotations

from dataclasses import replace

import pytest
from protocol_samples import REALISTIC

from pyworker.errors import CrcError, MalformedError, ShapeError
from pyworker.protocol import (
    Field,
    check_shape,
    crc16_xmodem,
    crc_forms,
    decode,
    field_count_range,
    get_catalogue,
)
from pyworker.protocol.catalogue.fields import hertz, temperature

PI30 = get_catalogue("PI30")
MAX = get_catalogue("PI30MAX")
QPIGS = REALISTIC["PI30", "QPIGS"]
QPIRI = REALISTIC["PI30", "QPIRI"]


@pytest.mark.parametrize(("protocol", "text"), sorted(REALISTIC))
def test_every_realistic_answer_has_its_own_shape(protocol: str, text: str) -> None:
    cmd = get_catalogue(protocol).resolve(text)[0]
    check_shape(cmd, REALISTIC[protocol, text], 48)


def test_counts_derive_from_the_field_list() -> None:
    assert field_count_range(PI30.get("QPIGS")) == (17, 25)
    assert field_count_range(PI30.get("QPIRI")) == (25, 31)
    assert field_count_range(MAX.get("QPIRI")) == (25, 32)
    assert field_count_range(PI30.get("QPIWS")) == (32, 40)
    # A profile that substitutes a query definition gets its checks with it.
    q1 = PI30.get("Q1")
    longer = replace(q1, fields=(*q1.fields, temperature("extra_temperature")))
    assert field_count_range(longer) == (18, 22)
    with pytest.raises(ShapeError, match="extra_temperature: expected -40 to 150"):
        check_shape(longer, REALISTIC["PI30", "Q1"] + " 999")


@pytest.mark.parametrize(
    ("command", "payload", "expected"),
    [
        ("QPIRI", QPIGS, "QPIRI: expected 25 to 31 fields, got 21"),
        ("QPIGS", QPIRI, "QPIGS: expected 17 to 25 fields, got 27"),
        ("QMOD", QPIGS, "device_mode: expected one of P, S, L"),
        ("QMOD", "Q", "device_mode: expected one of"),
        ("QID", "B", "serial_number: expected text matching"),
        ("QID", "VERFW:00072.70", "serial_number"),
        ("QPI", "92932004102453", "protocol_id"),
        ("QVFW", "92932004102453", "expected text starting 'VERFW:'"),
        ("QMOD", "ACK", "got ACK"),
        ("QPGS0", QPIRI, "parallel_instance_number: expected a 1-digit code"),
        ("QPIWS", "0000", "expected 32 to 40 bits"),
    ],
)
def test_another_commands_answer_is_refused(command: str, payload: str, expected: str) -> None:
    cmd = PI30.resolve(command)[0]
    with pytest.raises(ShapeError, match=expected):
        check_shape(cmd, payload)


def test_plausible_ranges() -> None:
    qpigs = PI30.get("QPIGS")
    fields = QPIGS.split()
    bad_frequency = " ".join([fields[0], "21.7", *fields[2:]])
    with pytest.raises(ShapeError, match="ac_input_frequency: expected 40 to 70 Hz or 0"):
        check_shape(qpigs, bad_frequency)
    check_shape(qpigs, " ".join([fields[0], "00.0", *fields[2:]]))  # no grid: 0 Hz
    battery = fields[8]
    assert 40 < float(battery) < 60
    check_shape(qpigs, QPIGS, 48)
    with pytest.raises(ShapeError, match="battery_voltage: expected 0 to 36 V"):
        check_shape(qpigs, QPIGS, 24)  # a 48 V reading on a 24 V unit
    high = " ".join([*fields[:8], "418", *fields[9:]])
    with pytest.raises(ShapeError, match="battery_voltage"):
        check_shape(qpigs, high)
    hot = " ".join([*fields[:11], "0400", *fields[12:]])
    with pytest.raises(ShapeError, match="inverter_heat_sink_temperature"):
        check_shape(qpigs, hot)


def test_enum_codes_of_the_catalogued_width() -> None:
    q1 = PI30.get("Q1")
    fields = REALISTIC["PI30", "Q1"].split()
    fields[-1] = "19"  # inverter_charge_status: unknown but 2 digits, as its codes
    check_shape(q1, " ".join(fields))
    fields[-1] = "192"
    with pytest.raises(ShapeError, match="2-digit code"):
        check_shape(q1, " ".join(fields))


def test_number_fields_and_not_applicable() -> None:
    field = hertz("f")
    cmd = replace(PI30.get("QMOD"), response="fields", fields=(field, Field("t", "T", "str")))
    check_shape(cmd, "50.0 x")
    check_shape(cmd, "- x")
    with pytest.raises(ShapeError, match="expected a number"):
        check_shape(cmd, "5O.0 x")


def frame(payload: bytes, high: int, low: int) -> bytes:
    return payload + bytes((high, low)) + b"\r"


def test_crc_forms_tell_raw_adjusted_and_zero_adjusted_apart() -> None:
    reserved = b"(VERFW:00089.70"  # CRC 0x2841: its high byte is '('
    assert crc16_xmodem(reserved) == 0x2841
    assert crc_forms(reserved, b"\x28\x41") == {"raw"}
    assert crc_forms(reserved, b"\x29\x41") == {"adjusted", "zero_adjusted"}
    zero = b"(VERFW:00167.70"  # CRC 0x0013
    assert crc16_xmodem(zero) == 0x0013
    assert crc_forms(zero, b"\x00\x13") == {"raw", "adjusted"}
    assert crc_forms(zero, b"\x01\x13") == {"zero_adjusted"}
    plain = decode("QVFW", frame(b"(VERFW:00072.70", 0x53, 0xA7))
    assert plain.crc_forms == {"raw", "adjusted", "zero_adjusted"}
    # once a port has learnt "adjusted", a raw reserved byte is a CRC error
    assert decode("QVFW", frame(reserved, 0x28, 0x41)).raw == "VERFW:00089.70"
    with pytest.raises((CrcError, MalformedError)):  # "(A" is printable: taken as cut short
        decode("QVFW", frame(reserved, 0x28, 0x41), crc_accept={"adjusted"})
    assert decode("QVFW", frame(reserved, 0x29, 0x41), crc_accept={"adjusted"}).crc_forms == {
        "adjusted"
    }
