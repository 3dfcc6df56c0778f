"""Device profiles: realistic frames decode with each unit's own layouts and labels, setters
write each unit's own codes, and detection picks the profile from the identity answers."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from cli_runner import run_cli

from pyworker.errors import InvalidValueError, NakError, ShapeError, UnknownCommandError
from pyworker.protocol import build_response, decode, get_catalogue, normalize_setter
from pyworker.protocol.catalogue.profiles import (
    PROBE_COMMANDS,
    PROFILE_IDS,
    PROFILES,
    Identity,
    catalogue_for,
    detect,
    probes_needed,
    setting_code,
)
from pyworker.protocol.shape import check_shape

# QPIRI of a 48 V unit with output priority code 1 and charger priority code 2 (the two
# settings whose meaning differs between families), otherwise the reference's values.
QPIRI_1_2 = (
    "230.0 21.7 230.0 50.0 21.7 5000 5000 48.0 46.0 42.0 56.4 54.0 0 30 060 0 1 2 6 01 0 0 "
    "54.0 0 1 120 0"
)
# A VM II Q1 (18 fields): read with the classic 17-field table it shows 5472 as °C and as Hz.
VMII_Q1 = "00000 00000 01 01 05 036 5472 031 030 00 00 000 0045 0610 0000 5472 12 010"
# The LV6548 class's QPGS0 sample (mpp-solar's pi30m045 test response): charger code 1.
LV6548_QPGS0 = (
    "0 92932105105315 B 00 000.0 00.00 230.0 50.00 0989 0907 012 53.2 009 090 349.8 009 "
    "00989 00907 011 10100110 0 1 100 120 030 02 000 275.3 02"
)
# The 3-tracker QPIGS2 (12 fields in mpp-solar's pi30mst order).
PIP_MST_QPIGS2 = "03.1 327.3 54.1 01026 00000000 00.0 00000 02.0 310.2 54.1 00620 01646"


def frame(payload: str) -> bytes:
    return build_response(payload)


def test_every_required_profile_exists_with_its_evidence() -> None:
    required = {"generic", "vmii", "lv6548", "mks2-7200", "mks-iv", "pip-mst", "max", "revo"}
    assert required <= set(PROFILE_IDS)
    for profile in PROFILES.values():
        assert profile.evidence and profile.description
        assert profile.protocol in ("PI30", "PI30MAX")
        assert catalogue_for(profile.protocol, profile.id).profile == profile.id


# -- decode --------------------------------------------------------------------------------
def test_generic_decodes_the_documented_labels() -> None:
    data = decode("QPIRI", frame(QPIRI_1_2), "PI30").data
    assert data["output_source_priority"] == "Solar first"
    assert data["charger_source_priority"] == "Solar + Utility"


def test_vmii_decodes_its_own_priority_codes() -> None:
    data = decode("QPIRI", frame(QPIRI_1_2), "PI30", "vmii").data
    assert data["output_source_priority"] == "SBU first"  # checked on the unit's LCD
    assert data["charger_source_priority"] == "Only solar charging permitted"


def test_vmii_q1_is_not_read_with_the_classic_table() -> None:
    classic = decode("Q1", frame(VMII_Q1), "PI30").data
    assert classic["inverter_temperature"] == 5472  # the bug: a wrong value that looks right
    # the shape checks derived from the classic table refuse it; the VM II layout passes
    with pytest.raises(ShapeError):
        check_shape(get_catalogue("PI30").get("Q1"), VMII_Q1)
    check_shape(catalogue_for("PI30", "vmii").get("Q1"), VMII_Q1)
    data = decode("Q1", frame(VMII_Q1), "PI30", "vmii")
    assert len([k for k in data.data if k.startswith("q1_field_")]) == 16
    assert "inverter_temperature" not in data.data and "sync_frequency" not in data.data
    assert not [k for k in data.data if k.startswith("unknown_")]
    assert "q1_field_6" not in data.units  # raw text: no unit claimed
    assert data.data["time_until_end_of_absorb_charging"] == 0


def test_vmii_qpiws_bit_0_is_pv_loss_and_qmod_c_is_charging() -> None:
    bits = "1" + "0" * 31
    data = decode("QPIWS", frame(bits), "PI30", "vmii").data
    assert data["pv_loss_warning"] is True and data["active_warnings"] == ["pv_loss_warning"]
    assert decode("QPIWS", frame(bits), "PI30").data["reserved_0"] is True
    assert decode("QMOD", frame("C"), "PI30", "vmii").data["device_mode"] == "Charging, output off"
    assert decode("QMOD", frame("C"), "PI30").data["device_mode"] == "Bypass"


def test_vmii_answers_qbeqi_the_generic_pi30_does_not_know() -> None:
    payload = "0 030 030 060 030 58.40 224 030 0 0000"
    data = decode("QBEQI", frame(payload), "PI30", "vmii").data
    assert data["equalization_voltage"] == 58.4
    with pytest.raises(UnknownCommandError):
        decode("QBEQI", frame(payload), "PI30")


def test_lv6548_qpgs_numbers_the_charger_priorities_without_utility_first() -> None:
    data = decode("QPGS0", frame(LV6548_QPGS0), "PI30MAX", "lv6548").data
    assert data["charger_source_priority"] == "Solar + Utility"
    assert data["pv2_input_voltage"] == 275.3
    # QPIRI keeps the PI30 numbering on this class (1 = Solar first)
    qpiri = decode("QPIRI", frame(QPIRI_1_2 + " 030"), "PI30MAX", "lv6548").data
    assert qpiri["charger_source_priority"] == "Solar + Utility"


def test_mks2_7200_charger_code_0_is_undefined() -> None:
    payload = QPIRI_1_2.replace(" 0 1 2 6 01", " 0 1 0 6 01") + " 030"
    data = decode("QPIRI", frame(payload), "PI30MAX", "mks2-7200").data
    assert data["charger_source_priority"] == "Undefined"
    assert "QOPPT" in catalogue_for("PI30MAX", "mks2-7200").commands


def test_pip_mst_qpigs2_has_twelve_fields() -> None:
    decoded = decode("QPIGS2", frame(PIP_MST_QPIGS2), "PI30MAX", "pip-mst")
    data = decoded.data
    assert data["pv2_input_voltage"] == 327.3 and data["pv2_charging_power"] == 1026
    assert data["pv3_input_voltage"] == 310.2 and data["pv3_charging_power"] == 620
    assert data["battery_voltage_from_scc2"] == 54.1 and data["pv_total_charging_power"] == 1646
    assert decoded.units["pv3_charging_power"] == "W"
    assert not [k for k in data if k.startswith("unknown_")]
    # the MAX table would keep 9 of them as unknown_ fields and call SCC2 volts PV2 power
    generic = decode("QPIGS2", frame(PIP_MST_QPIGS2), "PI30MAX").data
    assert generic["pv2_charging_power"] == 54.1  # SCC2 volts shown as watts: hence the profile
    with pytest.raises(ShapeError):  # 12 fields are beyond what the 3-field table admits
        check_shape(get_catalogue("PI30MAX").get("QPIGS2"), PIP_MST_QPIGS2)
    check_shape(catalogue_for("PI30MAX", "pip-mst").get("QPIGS2"), PIP_MST_QPIGS2)


def test_max_qpigs2_decodes_and_the_10kw_nak_is_a_known_answer() -> None:
    data = decode("QPIGS2", frame("03.1 327.3 01026 "), "PI30MAX", "max").data
    assert data == {
        "pv2_input_current": 3.1,
        "pv2_input_voltage": 327.3,
        "pv2_charging_power": 1026,
    }
    with pytest.raises(NakError):
        decode("QPIGS2", b"(NAK\x73\x73\r", "PI30MAX", "max")
    assert "10.2 kW" in PROFILES["max"].known_answers["QPIGS2"]


def test_revo_qpigs_carries_pv_power_and_todays_energy() -> None:
    payload = (
        "230.1 50.0 230.0 50.0 0437 0402 010 395 53.20 008 092 0031 0512 285.4 53.15 01870 "
        "00010110 00 00 00512 110"
    )
    decoded = decode("QPIGS", frame(payload), "PI30", "revo")
    assert decoded.data["pv_power"] == 512 and decoded.units["pv_power"] == "W"
    assert decoded.data["pv_energy_today"] == 1870 and decoded.units["pv_energy_today"] == "Wh"
    assert "battery_discharge_current" not in decoded.data
    classic = decode("QPIGS", frame(payload), "PI30").data
    assert classic["battery_discharge_current"] == 1870  # 1.87 kA: the classic table misreads it
    # the profile's own plausible range goes with its field into the shape checks
    revo_qpigs = catalogue_for("PI30", "revo").get("QPIGS")
    check_shape(revo_qpigs, payload)
    with pytest.raises(ShapeError):  # 20.5 kW of PV on a 4 kW unit: not this layout
        check_shape(revo_qpigs, payload.replace(" 0512 285.4 ", " 20512 285.4 "))


# -- setters -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("profile", "command", "value", "sent"),
    [
        ("generic", "POP", "SBU first", "POP02"),
        ("generic", "PCP", "Solar + Utility", "PCP02"),
        ("vmii", "POP", "SBU first", "POP01"),
        ("vmii", "POP", "sbu", "POP01"),
        ("vmii", "POP", "Solar Battery Utility", "POP01"),
        ("vmii", "PCP", "Only solar", "PCP02"),
        ("lv6548", "PCP", "Solar first", "PCP00"),
        ("lv6548", "PCP", "solar only", "PCP02"),
        ("lv6548", "PPCP", [1, "Solar + Utility"], "PPCP101"),
        ("lv6548", "MUCHGC", 20, "MUCHGC0020"),
        ("mks2-7200", "PCP", "Solar first", "PCP01"),
        ("mks-iv", "MUCHGC", 20, "MUCHGC0020"),
        ("mks-iv", "MUCHGC", "0020", "MUCHGC0020"),
        ("pip-mst", "POP", "SBU first", "POP02"),
        ("max", "POP", "SBU first", "POP02"),
    ],
)
def test_a_label_writes_the_units_own_code(
    profile: str, command: str, value: object, sent: str
) -> None:
    protocol = PROFILES[profile].protocol
    assert normalize_setter(command, value, protocol=protocol, profile=profile) == sent


def test_a_label_the_unit_lacks_lists_the_units_own_choices() -> None:
    with pytest.raises(InvalidValueError) as info:
        normalize_setter("PCP", "Utility first", protocol="PI30MAX", profile="lv6548")
    assert info.value.details["allowed"] == [
        "00 (Solar first)",
        "01 (Solar + Utility)",
        "02 (Only solar charging permitted)",
    ]
    with pytest.raises(InvalidValueError) as info:
        normalize_setter("PCP", 0, protocol="PI30MAX", profile="mks2-7200")
    assert "00 (" not in " ".join(info.value.details["allowed"])


def test_muchgc_given_whole_keeps_its_width_and_the_classic_default_is_three_digits() -> None:
    assert normalize_setter("MUCHGC", 20) == "MUCHGC020"
    assert normalize_setter("MUCHGC", "0020") == "MUCHGC0020"  # was cut to MUCHGC020


def test_lv6548_dat_takes_twelve_digits() -> None:
    when = datetime(2026, 3, 1, 12, 30, 5)
    assert normalize_setter("DAT", when, protocol="PI30MAX", profile="lv6548") == "DAT260301123005"
    with pytest.raises(InvalidValueError):
        normalize_setter("DAT", "20260301123005", protocol="PI30MAX", profile="lv6548")
    assert normalize_setter("DAT", when, protocol="PI30MAX") == "DAT20260301123005"


def test_the_readback_code_follows_the_label() -> None:
    lv = catalogue_for("PI30MAX", "lv6548")
    assert setting_code(lv, lv.get("PCP"), "00") == "1"  # PCP00 reads back as QPIRI 1
    vm = catalogue_for("PI30", "vmii")
    assert setting_code(vm, vm.get("POP"), "01") == "1"


# -- detection -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("identity", "variant", "profile"),
    [
        (Identity(model_name="VMII-NXPW5KW"), "PI30", "vmii"),
        (Identity(model_name="VM II 4000"), "PI30", "vmii"),
        (Identity(model_name="VMIII-5000", field_counts={"Q1": 17}), "PI30", "generic"),
        (Identity(field_counts={"Q1": 18}), "PI30", "vmii"),
        (Identity(model_code="045"), "PI30MAX", "lv6548"),
        (Identity(model_name="EG4-6500EX-48"), "PI30MAX", "lv6548"),
        (Identity(model_code="044"), "PI30MAX", "mks2-7200"),
        (Identity(model_name="Axpert MKS IV 5600"), "PI30", "mks-iv"),
        (Identity(model_name="PIP4048MST"), "PI30MAX", "pip-mst"),
        (Identity(model_name="REVO HES 4.2KW"), "PI30", "revo"),
        (Identity(field_counts={"QPIGS2": 12}), "PI30MAX", "pip-mst"),
        (Identity(field_counts={"QPIGS": 24}), "PI30MAX", "max"),
        # a classic firmware that appends QPIRI fields is not taken for a MAX
        (Identity(field_counts={"QPIRI": 29, "QPIGS": 21, "Q1": 17}), "PI30", "generic"),
        (
            Identity(
                model_name="POW-HVM10.2M", probes={"QPIGS2": "nak"}, field_counts={"QPIGS": 28}
            ),
            "PI30MAX",
            "max",
        ),
        (
            Identity(model_name="MKS2-5000", model_code="031", field_counts={"QPIRI": 25}),
            "PI30",
            "generic",
        ),
    ],
)
def test_detect_picks_the_profile_and_says_why(
    identity: Identity, variant: str, profile: str
) -> None:
    detection = detect(identity)
    assert (detection.variant, detection.profile.id) == (variant, profile)
    assert detection.reasons and all(detection.reasons)


def test_explicit_protocol_and_profile_win() -> None:
    vm = Identity(model_name="VMII-NXPW5KW")
    assert detect(vm, protocol="PI30MAX").profile.id == "generic"
    assert detect(vm, protocol="PI30MAX").variant == "PI30MAX"
    assert detect(vm, protocol="PI30").profile.id == "vmii"
    forced = detect(vm, profile="mks-iv")
    assert (forced.variant, forced.profile.id) == ("PI30", "mks-iv")
    assert forced.reasons == ("--profile mks-iv given",)
    unknown = detect(Identity(model_name="X-1"))
    assert unknown.profile.id == "generic" and "no profile matched" in unknown.reasons[0]


def test_probes_stop_once_a_name_or_code_decides() -> None:
    assert probes_needed(Identity(model_code="045")) == ()
    assert probes_needed(Identity(model_name="Some unit")) == PROBE_COMMANDS
    partly = Identity(model_name="Some unit", field_counts={"Q1": 17}, probes={"QPIGS2": "nak"})
    assert probes_needed(partly) == ("QPIGS", "QPIRI", "QBEQI")


# -- CLI -----------------------------------------------------------------------------------


def test_cli_profiles_decode_and_encode_with_a_profile() -> None:
    listed = run_cli("profiles", "--json")
    assert listed.returncode == 0, listed.stderr
    ids = [p["id"] for p in json.loads(listed.stdout)["profiles"]]
    assert ids == list(PROFILE_IDS)
    table = run_cli("profiles")
    assert "vmii" in table.stdout and "selected when" in table.stdout
    hexed = frame(QPIRI_1_2).hex()
    decoded = run_cli("decode", "QPIRI", "--hex", hexed, "--profile", "vmii")
    assert decoded.returncode == 0, decoded.stderr
    assert json.loads(decoded.stdout)["data"]["output_source_priority"] == "SBU first"
    encoded = run_cli("encode", "POP", "SBU first", "--profile", "vmii")
    assert bytes.fromhex(encoded.stdout.strip())[:5] == b"POP01"
    refused = run_cli("encode", "PCP", "Utility first", "--profile", "lv6548")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "INVALID_VALUE"


def test_cli_query_sends_the_profiles_code_to_the_simulated_unit() -> None:
    port = "sim://?model=vmii&pacing=0&latency_ms=0&seed=2"
    sent = run_cli("query", "POP", "SBU first", "--port", port, "--profile", "vmii")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout) == {"command": "POP", "sent": "POP01", "data": {"ack": True}}


def test_cli_identify_prints_a_bug_report_ready_json() -> None:
    port = "sim://?model=mks2-7200&pacing=0&latency_ms=0&seed=5"
    result = run_cli("identify", "--port", port)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["detected"]["profile"] == "mks2-7200"
    assert report["identity"]["model_code"] == "044"
    qpiri = report["answers"]["QPIRI"]
    assert bytes.fromhex(qpiri["hex"]).startswith(b"(" + qpiri["payload"].encode())
    assert {"QPI", "QID", "QMN", "QGMN", "QVFW", "QVFW2", "QPIGS", "QPIGS2", "QMOD"} <= set(
        report["answers"]
    )
    missing = run_cli("identify", "--port", "/dev/nonexistent-pi30")
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "PORT_UNAVAILABLE"


@pytest.mark.parametrize(
    ("protocol", "profile", "pop", "pcp"),
    [
        ("PI30", None, {"utility": "00", "sbu": "02"}, {"utility": "00", "solar_only": "03"}),
        (
            "PI30",
            "vmii",
            {"utility": "00", "sbu": "01"},
            {"solar_utility": "01", "solar_only": "02"},
        ),
        (
            "PI30MAX",
            "lv6548",
            {"utility": "00", "sbu": "02"},
            {"solar_utility": "01", "solar_only": "02"},
        ),
        (
            "PI30MAX",
            "mks2-7200",
            {"utility": "00", "sbu": "02"},
            {"solar_utility": "02", "solar_only": "03"},
        ),
    ],
)
def test_served_choices_carry_their_meaning_per_unit(
    protocol: str, profile: str | None, pop: dict[str, str], pcp: dict[str, str]
) -> None:
    """Programs choose settings by meaning: each unit's own code for it is served with it."""
    catalogue = catalogue_for(protocol, profile)
    for name, expected in (("POP", pop), ("PCP", pcp)):
        rule = catalogue.commands[name].arg
        assert rule is not None
        served = rule.to_dict()
        by_meaning = {meaning: code for code, meaning in served["meanings"].items()}
        for meaning, code in expected.items():
            assert by_meaning[meaning] == code
        assert set(served["meanings"]) <= set(served["choices"])
    pcp_meanings = catalogue.commands["PCP"].arg.to_dict()["meanings"]  # type: ignore[union-attr]
    assert ("utility" in pcp_meanings.values()) == (profile in (None, "generic"))
