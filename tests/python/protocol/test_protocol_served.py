"""The served catalogue: what the Node-RED side reads instead of computing it."""

from __future__ import annotations

import pytest
from protocol_samples import REFERENCE_FRAMES

from pyworker.protocol import PROTOCOLS, decode, get_catalogue
from pyworker.protocol.catalogue.fields import label_from_key
from pyworker.protocol.served import (
    NOMINAL_VOLTAGES,
    data_keys,
    served_catalogue,
    setter_values,
)


def test_a_key_without_a_declared_label_reads_as_words_without_is() -> None:
    assert label_from_key("is_load_on") == "Load on"
    assert label_from_key("max_charging_current_options") == "Max charging current options"
    assert label_from_key("active_warnings") == "Active warnings"


@pytest.mark.parametrize(("command", "protocol", "frame"), REFERENCE_FRAMES)
def test_every_key_of_a_decoded_reading_is_served(
    command: str, protocol: str, frame: bytes
) -> None:
    decoded = decode(command, frame, protocol)
    cmd = get_catalogue(protocol).resolve(command)[0]
    keys = data_keys(cmd)
    for key in decoded.data:
        assert key in keys, f"{command}.{key}"
        assert keys[key]["label"], f"{command}.{key}"
        if isinstance(decoded.data[key], bool):
            assert keys[key]["type"] == "bool", f"{command}.{key}"
        if isinstance(decoded.data[key], list):
            assert keys[key]["type"] == "list", f"{command}.{key}"


def test_flags_options_and_enums_carry_their_metadata() -> None:
    catalogue = get_catalogue("PI30")
    qpigs = data_keys(catalogue.commands["QPIGS"])
    assert qpigs["is_load_on"] == {"label": "Load on", "type": "bool", "group": "device_status"}
    assert qpigs["battery_voltage"]["unit"] == "V"
    assert qpigs["battery_voltage"]["device_class"] == "voltage"
    qmod = data_keys(catalogue.commands["QMOD"])["device_mode"]
    enum = catalogue.commands["QMOD"].fields[0].enum or {}
    assert qmod["options"] == list(dict.fromkeys(enum.values()))  # one option per label
    assert qmod["options"][0] == "Power on"
    assert data_keys(catalogue.commands["QMCHGCR"])["max_charging_current_options"]["unit"] == "A"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_setter_values_follow_the_units_facts(protocol: str) -> None:
    catalogue = get_catalogue(protocol)
    pbcv = catalogue.commands["PBCV"]
    rule = pbcv.arg
    assert rule is not None and rule.values_by_battery is not None
    for volts in NOMINAL_VOLTAGES:
        served = setter_values(pbcv, volts)
        assert served["source"] == "unit"
        assert [float(v["value"]) for v in served["values"]] == list(rule.values_by_battery[volts])
    assert setter_values(pbcv)["source"] == "catalogue"  # 48 V until the unit is known
    muchgc = catalogue.commands["MUCHGC"]
    unit = setter_values(muchgc, None, {"QMUCHGCR": [2, 10, 20]})
    assert (unit["source"], [v["value"] for v in unit["values"]]) == ("unit", ["2", "10", "20"])
    assert setter_values(muchgc)["source"] == "catalogue"
    pop_rule = catalogue.commands["POP"].arg
    assert pop_rule is not None and pop_rule.choices is not None
    pop = setter_values(catalogue.commands["POP"])
    assert [v["value"] for v in pop["values"]] == list(pop_rule.choices.values())
    assert pop["values"][0]["label"].endswith("(00)")


def test_the_served_catalogue_lists_values_per_voltage_and_the_fact_queries() -> None:
    served = served_catalogue(get_catalogue("PI30"))
    by_name = {c["name"]: c for c in served["commands"]}
    assert set(by_name["PBCV"]["values_by_voltage"]) == {"12", "24", "48"}
    assert "values_by_voltage" not in by_name["POP"]
    assert "keys" in by_name["QPIGS"] and "values" in by_name["POP"]
    assert served["fact_queries"][0] == "QPIRI"
    assert "QMCHGCR" in served["fact_queries"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_label_rule_declared_keys_never_start_with_is(protocol: str) -> None:
    # One rule labels both a field without a declared label and a flag bit; only flag bits
    # start with ``is_`` (the rule drops it).
    for cmd in get_catalogue(protocol).commands.values():
        for fld in cmd.fields:
            assert not fld.key.startswith("is_"), f"{cmd.name}.{fld.key}"
            for flag in fld.flags or ():
                assert data_keys(cmd)[flag]["label"] == label_from_key(flag)
