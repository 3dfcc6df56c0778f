"""decode(): the reference's sample frames byte for byte, a realistic frame for every
catalogued query (both variants), every setter's ACK/NAK, and the field variations of
section 1 of the reference - tolerated, or refused with a precise error code."""

from __future__ import annotations

from typing import Any

import pytest
from protocol_samples import REALISTIC, REFERENCE_ACK, REFERENCE_FRAMES, REFERENCE_NAK

from pyworker.errors import (
    CrcError,
    MalformedError,
    NakError,
    ProtocolError,
    UnknownCommandError,
    UnsupportedError,
    WrongProtocolError,
)
from pyworker.protocol import (
    PROTOCOLS,
    Command,
    Decoded,
    build_response,
    crc_bytes,
    decode,
    encode,
    get_catalogue,
)

QPIGS_SAMPLE = REFERENCE_FRAMES[6][2]


def keys(cmd: Command) -> list[str]:
    return [k for f in cmd.fields for k in (f.flags or (f.key,))]


# -- the reference's sample frames, byte for byte ---------------------------------------------
REFERENCE_DECODED: dict[str, dict[str, Any]] = {
    "QPI": {"protocol_id": "PI30"},
    "QID": {"serial_number": "9293333010501"},
    "QVFW": {"main_cpu_firmware_version": "00072.70"},
    "QMOD": {"device_mode": "Battery"},
    "QFLAG": {
        "buzzer": True,
        "lcd_reset_to_default": True,
        "lcd_backlight": True,
        "primary_source_interrupt_alarm": True,
        "overload_bypass": False,
        "power_saving": False,
        "overload_restart": False,
        "over_temperature_restart": False,
        "record_fault_code": False,
    },
    # the reference's "Decoded QPIGS above", all of it
    "QPIGS": {
        "ac_output_voltage": 230.0,
        "ac_output_frequency": 49.9,
        "ac_output_apparent_power": 161,
        "ac_output_active_power": 119,
        "ac_output_load": 3,
        "bus_voltage": 460,
        "battery_voltage": 57.5,
        "battery_charging_current": 12,
        "battery_capacity": 100,
        "inverter_heat_sink_temperature": 69,
        "pv_input_current_for_battery": 14.0,
        "pv_input_voltage": 103.8,
        "battery_voltage_from_scc": 57.45,
        "battery_discharge_current": 0,
        "is_load_on": True,
        "is_charging_on": True,
        "is_scc_charging_on": True,
        "is_ac_charging_on": False,
        "pv_input_power": 856,
        "is_switched_on": True,
    },
    "QPIRI": {
        "ac_input_voltage": 230.0,
        "ac_input_current": 21.7,
        "ac_output_apparent_power": 5000,
        "ac_output_active_power": 4000,
        "battery_voltage": 48.0,
        "battery_recharge_voltage": 46.0,
        "battery_under_voltage": 42.0,
        "battery_bulk_charge_voltage": 56.4,
        "battery_float_charge_voltage": 54.0,
        "battery_type": "AGM",
        "max_ac_charging_current": 10,
        "max_charging_current": 10,
        "input_voltage_range": "UPS",
        "output_source_priority": "Utility first",
        "charger_source_priority": "Utility first",
        "max_parallel_units": 6,
        "machine_type": "Off Grid",
        "topology": "transformerless",
        "output_mode": "single machine output",
        "battery_redischarge_voltage": 54.0,
        "pv_ok_condition": "One unit with PV is OK",
    },
    "QMCHGCR": {
        "max_charging_current_options": [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    },
    "QPIGS2": {"pv2_input_current": 3.1, "pv2_input_voltage": 327.3, "pv2_charging_power": 1026},
    "QET": {"total_pv_generated_energy": 238800},
}


@pytest.mark.parametrize(("command", "protocol", "frame"), REFERENCE_FRAMES)
def test_reference_sample_frames(command: str, protocol: str, frame: bytes) -> None:
    decoded = decode(command, frame, protocol)
    assert decoded.command == command
    if command == "QPIWS":
        assert decoded.data["line_fail_warning"] is True
        assert decoded.data["overload_fault"] is True
        assert decoded.data["active_warnings"] == ["line_fail_warning"]
        assert decoded.data["active_faults"] == ["overload_fault"]
        assert sum(v is True for v in decoded.data.values()) == 2
        return
    expected = REFERENCE_DECODED[command]
    assert {k: decoded.data[k] for k in expected} == expected
    for key, value in expected.items():
        assert type(decoded.data[key]) is type(value), key


def test_reference_qpigs_sample_in_full() -> None:
    decoded = decode("QPIGS", QPIGS_SAMPLE)
    assert list(decoded.data) == keys(get_catalogue("PI30").get("QPIGS"))
    assert decoded.data["ac_input_voltage"] == 0.0
    assert decoded.data["is_scc_firmware_updated"] is True
    assert decoded.data["eeprom_version"] == "00"
    assert decoded.units["battery_voltage"] == "V"
    assert decoded.units["ac_output_apparent_power"] == "VA"
    assert decoded.units["inverter_heat_sink_temperature"] == "°C"
    assert "is_load_on" not in decoded.units  # booleans have no unit
    assert decoded.raw == QPIGS_SAMPLE[1:-3].decode()


def test_reference_ack_and_nak() -> None:
    assert decode("POP", REFERENCE_ACK) == Decoded("POP", {"ack": True}, {}, "ACK")
    with pytest.raises(NakError) as info:
        decode("POP", REFERENCE_NAK)
    assert info.value.code == "NAK"


# -- a realistic frame for every catalogued query ---------------------------------------------
def test_realistic_frames_cover_every_query_of_both_variants() -> None:
    for protocol in PROTOCOLS:
        covered = {
            get_catalogue(protocol).resolve(t)[0].name for p, t in REALISTIC if p == protocol
        }
        wire = {c.name for c in get_catalogue(protocol).queries if c.response != "worker"}
        assert covered == wire, protocol


def _check_types(cmd: Command, data: dict[str, Any]) -> None:
    for fld in cmd.fields:
        names = fld.flags or (fld.key,)
        for name in names:
            if name not in data:
                continue
            value = data[name]
            if fld.type == "flags" or fld.type == "bool":
                assert isinstance(value, bool), name
            elif fld.type == "float":
                assert isinstance(value, float) or value is None, name
            elif fld.type == "int":
                assert (isinstance(value, int) and not isinstance(value, bool)) or value is None
            elif fld.type == "enum":
                assert value in (fld.enum or {}).values(), f"{name}: {value!r}"
            else:
                assert isinstance(value, str) and value, name


@pytest.mark.parametrize(("protocol", "text"), sorted(REALISTIC))
def test_realistic_frame_decodes_every_documented_field(protocol: str, text: str) -> None:
    cmd = get_catalogue(protocol).resolve(text)[0]
    payload = REALISTIC[(protocol, text)]
    decoded = decode(text, build_response(payload), protocol)
    assert decoded.command == text
    data = decoded.data
    if cmd.response == "fields":
        assert len(payload.split()) == len(cmd.fields), "realistic frames have the documented count"
        assert list(data) == keys(cmd)
    elif cmd.response == "bits":
        assert len(payload) in (32, 36)
        assert list(data)[: len(payload)] == [f.key for f in cmd.fields][: len(payload)]
    elif cmd.response == "options":
        assert data[cmd.options_key or ""] == [int(v) for v in payload.split()]
        assert decoded.units == {cmd.options_key: "A"}
    else:
        assert set(data) <= set(keys(cmd))
    assert not any(k.startswith(("unknown_", "flag_")) for k in data)
    _check_types(cmd, data)
    for key, unit in decoded.units.items():
        fld = cmd.field(key)
        assert fld is None or fld.unit == unit


# Spot values of the realistic frames: labels, scales, '-' and the variant differences.
REALISTIC_VALUES: dict[tuple[str, str], dict[str, Any]] = {
    ("PI30", "QVFW2"): {"scc1_firmware_version": "00000.31"},
    ("PI30", "QMN"): {"model_name": "MKS2-8000"},
    ("PI30", "QGMN"): {"general_model_number": "044"},
    ("PI30", "QMOD"): {"device_mode": "Line"},
    ("PI30", "QFLAG"): {"data_log_popup": False, "record_fault_code": True},
    ("PI30", "QBOOT"): {"dsp_has_bootstrap": "No"},
    ("PI30", "QOPM"): {"output_mode": "single machine output"},
    ("PI30", "QCST"): {"charging_stage": "3-stage"},
    ("PI30", "QCVT"): {"cv_charging_time": 120},
    ("PI30", "QMUCHGCR"): {"max_ac_charging_current_options": [2, 10, 20, 30, 40, 50, 60]},
    ("PI30", "QMSCHGCR"): {"max_solar_charging_current_options": [10, 20, 30, 40, 50, 60, 70, 80]},
    ("PI30", "Q1"): {
        "scc_pwm_temperature": 59,
        "fan_lock_status": "Not locked",
        "fan_pwm_speed": 40,
        "scc_charge_power": 580,
        "sync_frequency": 50.0,
        "inverter_charge_status": "float",
    },
    ("PI30", "QBMS"): {
        "battery_connect_status": "Connected",
        "battery_capacity_from_bms": 86,
        "battery_bulk_charging_voltage_from_bms": 53.2,
        "battery_cut_off_voltage_from_bms": 45.0,
        "battery_max_discharge_current": 240,
    },
    ("PI30", "QPIGS"): {
        "ac_output_active_power": 987,
        "pv_input_power": 1598,
        "battery_voltage_offset_for_fans_on": 0,
        "eeprom_version": "02",
        "is_charging_to_float": True,
        "is_reserved": False,
    },
    ("PI30", "QPIRI"): {
        "battery_type": "Pylontech",
        "output_source_priority": "SBU first",
        "charger_source_priority": "Solar first",
        "max_parallel_units": None,  # '-' on single units
        "max_charging_time_for_cv_stage": 120,
        "operation_logic": "Automatic",
    },
    ("PI30", "QPIWS"): {
        "active_warnings": ["line_fail_warning"],
        "active_faults": ["overload_fault"],
    },
    ("PI30", "QDI"): {
        "max_ac_charging_current": 30,
        "buzzer": "Disabled",
        "lcd_backlight": "Enabled",
    },
    ("PI30", "QPGS0"): {
        "parallel_instance_number": "Valid",
        "work_mode": "Battery",
        "fault_code": "No fault",
        "is_scc_ok": True,
        "is_configuration_changed": False,
        "output_mode": "single machine output",
        "charger_source_priority": "Solar + Utility",
        "battery_discharge_current": 4,
    },
    ("PI30MAX", "QPIGS"): {
        "is_dustproof_installed": False,
        "solar_feed_to_grid": "Enabled",
        "country": "Germany",
        "solar_feed_to_grid_power": 250,
    },
    ("PI30MAX", "QPIRI"): {
        "battery_type": "3rd party Lithium",
        "output_source_priority": "Solar Battery Utility",
        "charger_source_priority": "Only solar charging permitted",
        "max_parallel_units": 9,
        "max_discharging_current": 150,
    },
    ("PI30MAX", "QPIWS"): {
        "active_warnings": [
            "pv_loss_warning",
            "battery_derating_warning",
            "battery_weak_31",
            "battery_equalisation_warning",
        ],
        "active_faults": [],
    },
    ("PI30MAX", "QDI"): {"max_charging_time_at_cv": 224, "max_discharging_current": 150},
    ("PI30MAX", "QPGS0"): {
        "parallel_instance_number": "Not valid",
        "pv2_input_voltage": 275.3,
        "pv2_input_current": 2,
        "output_mode": "single machine output",
    },
    ("PI30MAX", "QVFW3"): {"scc2_firmware_version": "00001.05"},
    ("PI30MAX", "QVFW4"): {"scc3_firmware_version": "00001.05"},
    ("PI30MAX", "QSID"): {"serial_number": "92932105105335"},
    ("PI30MAX", "QT"): {"device_time": "2024-06-11T14:25:30"},
    ("PI30MAX", "QEY2024"): {"pv_generated_energy_for_year": 1873400},
    ("PI30MAX", "QEM202406"): {"pv_generated_energy_for_month": 412300},
    ("PI30MAX", "QED20240611"): {"pv_generated_energy_for_day": 18700},
    ("PI30MAX", "QLT"): {"total_output_load_energy": 412900},
    ("PI30MAX", "QLY2024"): {"output_load_energy_for_year": 2011200},
    ("PI30MAX", "QLM202406"): {"output_load_energy_for_month": 351000},
    ("PI30MAX", "QLD20240611"): {"output_load_energy_for_day": 11650},
    ("PI30MAX", "QBEQI"): {
        "equalization_enabled": "Enabled",
        "equalization_voltage": 55.4,
        "equalization_active": "Inactive",
        "equalization_elapsed_time": 234,
    },
    ("PI30MAX", "QOPPT"): {
        "output_source_priority_00_hours": "Solar Battery Utility",
        "output_source_priority_06_hours": "Solar Utility Battery",
        "device_output_source_priority": "Solar Battery Utility",
        "selection_of_output_source_priority_order_1": "Utility Solar Battery",
    },
    ("PI30MAX", "QCHPT"): {
        "charger_source_priority_12_hours": "Only solar charging permitted",
        "selection_of_charger_source_priority_order_3": "Utility first",
    },
    ("PI30MAX", "QLED"): {
        "led_enabled": "Enabled",
        "led_speed": "Medium",
        "led_effect": "Solid",
        "led_brightness": 5,
        "led_number_of_colors": 3,
        "rgb": "148000211255255255000255255",
    },
}


@pytest.mark.parametrize(("protocol", "text"), sorted(REALISTIC_VALUES))
def test_realistic_frame_values(protocol: str, text: str) -> None:
    decoded = decode(text, build_response(REALISTIC[(protocol, text)]), protocol)
    expected = REALISTIC_VALUES[(protocol, text)]
    assert {k: decoded.data[k] for k in expected} == expected


# -- setters: ACK, NAK ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("protocol", "name"),
    [(p, c.name) for p in PROTOCOLS for c in get_catalogue(p).setters],
)
def test_every_setter_decodes_ack_and_refuses_nak(protocol: str, name: str) -> None:
    assert decode(name, REFERENCE_ACK, protocol).data == {"ack": True}
    for nak in (REFERENCE_NAK, b"(NAK\r", b"(NAK"):
        with pytest.raises(NakError):
            decode(name, nak, protocol)
    with pytest.raises(MalformedError):
        decode(name, build_response("230.0 50.0"), protocol)  # a setter answers ACK or NAK


def test_setter_given_whole_decodes() -> None:
    assert decode("POP02", REFERENCE_ACK).command == "POP"
    assert decode("PBCV44.0", REFERENCE_ACK).data == {"ack": True}
    assert decode("PEax", REFERENCE_ACK).data == {"ack": True}
    assert decode("pop", REFERENCE_ACK).command == "POP"


def test_bare_ack_without_crc_is_an_ack() -> None:
    assert decode("POP", b"(ACK\r").data == {"ack": True}


# -- variations from the field (reference section 1) ------------------------------------------
@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n", b""])
def test_terminators(terminator: bytes) -> None:
    frame = QPIGS_SAMPLE[:-1] + terminator
    assert decode("QPIGS", frame).data == decode("QPIGS", QPIGS_SAMPLE).data


def _payload_with_crc_byte(reserved: int, position: int) -> str:
    """A QCVT payload whose raw response CRC has ``reserved`` at ``position`` (0 high, 1 low)."""
    for n in range(100000):
        payload = f"{n:05d}"
        if crc_bytes(b"(" + payload.encode(), adjust=False)[position] == reserved:
            return payload
    raise AssertionError("no payload found")  # pragma: no cover


@pytest.mark.parametrize("reserved", [0x28, 0x0D, 0x0A])
@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("terminator", [b"\r", b"\r\n"])
def test_raw_or_adjusted_response_crc(
    reserved: int, position: int, adjust: bool, terminator: bytes
) -> None:
    payload = _payload_with_crc_byte(reserved, position)
    body = b"(" + payload.encode()
    crc = crc_bytes(body, adjust=adjust)
    assert (crc[position] == reserved) is not adjust
    frame = body + crc + terminator
    assert decode("QCVT", frame).data == {"cv_charging_time": int(payload)}


def test_qpigs_with_zero_crc_byte_is_not_adjusted_by_the_inverter() -> None:
    frame = next(
        f
        for f in (
            build_response(f"230.0 50.0 230.0 50.0 0100 0100 002 400 52.{n:02d}")
            for n in range(100)
        )
        if 0 in f[-3:-1]
    )
    assert decode("QPIGS", frame).data["ac_output_load"] == 2


def test_trailing_space_before_crc() -> None:
    decoded = decode("QPIGS2", b"(03.1 327.3 01026 \xc9\x8b\r", "PI30MAX")
    assert decoded.raw == "03.1 327.3 01026"


@pytest.mark.parametrize("noise", [b"\x00", b"\xff\xfe", b"garbage", b"QPIGS\xb7\xa9", b"(xx"])
def test_noise_before_the_frame(noise: bytes) -> None:
    assert decode("QPIGS", noise + QPIGS_SAMPLE).data == decode("QPIGS", QPIGS_SAMPLE).data


def test_hid_padding_after_the_terminator() -> None:
    assert decode("QMOD", b"(B\xe7\xc9\r\x00\x00\x00").data == {"device_mode": "Battery"}


def test_more_fields_than_documented_are_kept_as_unknown() -> None:
    payload = QPIGS_SAMPLE[1:-3].decode() + " 1 01 00250 ABC 7"
    data = decode("QPIGS", build_response(payload)).data  # PI30 documents 21 fields
    assert data["unknown_21"] == "1"
    assert data["unknown_22"] == "01"
    assert data["unknown_23"] == "00250"
    assert data["unknown_24"] == "ABC"
    assert data["unknown_25"] == "7"
    assert data["pv_input_power"] == 856


def test_more_fields_on_max_decode_as_named_fields_then_unknown() -> None:
    payload = REALISTIC[("PI30MAX", "QPIRI")] + " 1 2"
    data = decode("QPIRI", build_response(payload), "PI30MAX").data
    assert data["max_discharging_current"] == 150
    assert (data["unknown_28"], data["unknown_29"]) == ("1", "2")


def test_fewer_fields_than_documented() -> None:
    payload = " ".join(REALISTIC[("PI30", "QPIRI")].split()[:25])
    data = decode("QPIRI", build_response(payload)).data
    assert list(data) == keys(get_catalogue("PI30").get("QPIRI"))[:25]


def test_dash_in_numeric_fields() -> None:
    fields = REALISTIC[("PI30", "QPIRI")].split()
    fields[18], fields[1] = "-", "--"
    data = decode("QPIRI", build_response(" ".join(fields))).data
    assert data["max_parallel_units"] is None
    assert data["ac_input_current"] is None


def test_five_digit_power_fields_and_signs() -> None:
    fields = QPIGS_SAMPLE[1:-3].decode().split()
    fields[4], fields[5], fields[19], fields[9] = "12345", "10234", "11000", "-005"
    data = decode("QPIGS", build_response(" ".join(fields))).data
    assert (data["ac_output_apparent_power"], data["ac_output_active_power"]) == (12345, 10234)
    assert data["pv_input_power"] == 11000
    assert data["battery_charging_current"] == -5


def test_unknown_qflag_letters_are_kept() -> None:
    data = decode("QFLAG", build_response("EagxyDbjnuvz")).data
    assert data["flag_g"] is True and data["flag_n"] is False
    assert data["buzzer"] is True and data["power_saving"] is False
    # 'd' is a MAX flag: named there, kept as flag_d on PI30
    assert decode("QFLAG", build_response("EdDa")).data == {"flag_d": True, "buzzer": False}
    max_data = decode("QFLAG", build_response("EdDa"), "PI30MAX").data
    assert max_data == {"solar_feed_to_grid": True, "buzzer": False}


@pytest.mark.parametrize("letter", ["X", "Z", "Q", "1"])
def test_unknown_device_mode_letters_do_not_crash(letter: str) -> None:
    assert decode("QMOD", build_response(letter)).data == {"device_mode": f"Unknown ({letter})"}


def test_bypass_letters() -> None:
    assert decode("QMOD", build_response("Y")).data == {"device_mode": "Bypass"}
    assert decode("QMOD", build_response("C")).data == {"device_mode": "Bypass"}


def test_enum_codes_with_other_widths() -> None:
    fields = REALISTIC[("PI30", "QPIRI")].split()
    fields[16], fields[19] = "02", "1"  # "02" for "2"; "1" for machine type "01"
    data = decode("QPIRI", build_response(" ".join(fields))).data
    assert data["output_source_priority"] == "SBU first"
    assert data["machine_type"] == "Off Grid"
    fields[12] = "7"
    assert decode("QPIRI", build_response(" ".join(fields))).data["battery_type"] == "TBD"
    fields[12] = "12"
    assert decode("QPIRI", build_response(" ".join(fields))).data["battery_type"] == "Unknown (12)"


def test_qpiws_lengths() -> None:
    for length in (32, 36, 38):
        bits = "0" * (length - 1) + "1"
        data = decode("QPIWS", build_response(bits)).data
        assert sum(1 for k in data if k not in ("active_warnings", "active_faults")) == length
        last = f"unknown_{length - 1}" if length > 36 else f"reserved_{length - 1}"
        assert data[last] is True
        assert data["active_warnings"] == [last]


def test_parallel_query_reports_the_unit_in_command() -> None:
    decoded = decode("qpgs3", build_response(REALISTIC[("PI30", "QPGS0")]))
    assert decoded.command == "QPGS3"


# -- failures: precise codes ---------------------------------------------------------------------
def test_unsupported_command_echoed_back() -> None:
    for command in ("QPIGS", "QBMS", "POP"):
        echo = encode(command, "02" if command == "POP" else None)
        with pytest.raises(UnsupportedError) as info:
            decode(command, echo)
        assert info.value.code == "UNSUPPORTED"
    with pytest.raises(UnsupportedError):
        decode("QPGS1", encode("QPGS1"))


@pytest.mark.parametrize(
    "frame",
    [b"^0\x1b\xe3\r", b"^1\x0b\xc2\r", b"^D0251234\x00\x00\r", b"\x00^0\x1b\xe3\r", b"^0"],
)
def test_pi17_pi18_answers_are_wrong_protocol(frame: bytes) -> None:
    with pytest.raises(WrongProtocolError) as info:
        decode("QPIGS", frame)
    assert info.value.code == "WRONG_PROTOCOL"


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (b"", MalformedError),
        (b"\r", MalformedError),
        (b"\x00\x00\x00\x00\x00\x00\x00\x00", MalformedError),
        (b"(", MalformedError),
        (b"(2\r", MalformedError),
        (b"no parenthesis here\r", MalformedError),
        (QPIGS_SAMPLE[:60], MalformedError),  # cut short: no CRC at the end
        (QPIGS_SAMPLE[:-3] + b"\r", MalformedError),  # CRC missing
        (QPIGS_SAMPLE[:-2] + bytes([QPIGS_SAMPLE[-2] ^ 1]) + b"\r", CrcError),
        (QPIGS_SAMPLE.replace(b"230.0", b"231.0"), CrcError),  # payload damaged
        (build_response(""), MalformedError),
        (build_response("   "), MalformedError),
        (build_response("230.0 nan 230.0"), MalformedError),
        (build_response("230.0 1e3 230.0"), MalformedError),
        (build_response("230.0 1_0 230.0"), MalformedError),
        (
            build_response(
                "230.0 50.0 230.0 50.0 0100 0100 002 400 52.00 000 100 0030 0.0 0.0 "
                "52.00 00000 0011x110"
            ),
            MalformedError,
        ),
        (b"(" + "230.0 é".encode() + crc_bytes(b"(" + "230.0 é".encode()) + b"\r", MalformedError),
        (b"(230.0\x01 50.0" + crc_bytes(b"(230.0\x01 50.0") + b"\r", MalformedError),
    ],
)
def test_malformed_and_crc_failures(frame: bytes, error: type[ProtocolError]) -> None:
    with pytest.raises(error) as info:
        decode("QPIGS", frame)
    assert type(info.value) is error
    assert info.value.code in ("MALFORMED", "CRC")
    assert info.value.message


@pytest.mark.parametrize(
    ("command", "payload", "protocol"),
    [
        ("QPIWS", "0001x000", "PI30"),
        ("QFLAG", "akxy", "PI30"),
        ("QFLAG", "EAKDb", "PI30"),
        ("QMCHGCR", "010 020 abc", "PI30"),
        ("QSID", "x", "PI30MAX"),
        ("QSID", "209293", "PI30MAX"),  # says 20 characters, has 4
        ("QT", "2024061114253", "PI30MAX"),
        ("QET", "abc", "PI30MAX"),
    ],
)
def test_strict_about_everything_else(command: str, payload: str, protocol: str) -> None:
    with pytest.raises(MalformedError):
        decode(command, build_response(payload), protocol)


def test_unknown_command_is_a_request_error_not_a_protocol_error() -> None:
    with pytest.raises(UnknownCommandError):
        decode("QXYZ", REFERENCE_ACK)
    with pytest.raises(UnknownCommandError):
        decode("QPIGS2", REFERENCE_ACK, "PI30")  # MAX only
