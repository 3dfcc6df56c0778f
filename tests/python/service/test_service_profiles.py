"""Each simulated model through a real worker process (--protocol auto): identified with the
right variant and profile, decoded with its own labels, and written by label with its own
code on the wire, read back as the same label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from service_helpers import Clients, SimWorker, call, health

from pyworker.profile_cli import identify_port
from pyworker.sim import PROFILES as SIM_MODELS

StartWorker = Callable[..., SimWorker]

# model -> (variant, setter, label in, text on the wire, read-back query, field)
ROUND_TRIPS: dict[str, tuple[str, str, Any, str, str, str]] = {
    "generic": ("PI30", "POP", "Utility first", "POP00", "QPIRI", "output_source_priority"),
    "vmii": ("PI30", "POP", "Solar first", "POP02", "QPIRI", "output_source_priority"),
    "lv6548": ("PI30MAX", "PCP", "Solar + Utility", "PCP01", "QPIRI", "charger_source_priority"),
    "mks2-7200": ("PI30MAX", "PCP", "Solar first", "PCP01", "QPIRI", "charger_source_priority"),
    "mks-iv": ("PI30", "MUCHGC", 20, "MUCHGC0020", "QPIRI", "max_ac_charging_current"),
    "pip-mst": (
        "PI30MAX",
        "POP",
        "Solar Utility Battery",
        "POP01",
        "QPIRI",
        "output_source_priority",
    ),
    "max": ("PI30MAX", "POP", "Utility Solar Battery", "POP00", "QPIRI", "output_source_priority"),
    "revo": ("PI30", "POP", "Solar first", "POP01", "QPIRI", "output_source_priority"),
}


def set_(sock: Any, rid: str, command: str, value: object, **options: Any) -> dict[str, Any]:
    return call(sock, id=rid, op="set", command=command, value=value, source="profiles", **options)


@pytest.mark.parametrize("model", list(ROUND_TRIPS))
def test_each_model_is_identified_and_round_trips_a_label(
    sim_worker: StartWorker, clients: Clients, model: str
) -> None:
    variant, setter, label, wire, query, key = ROUND_TRIPS[model]
    worker = sim_worker(f"prof-{model}", model=model)
    sock = clients.dealer(worker.endpoint)
    h = health(sock)
    assert (h["variant"], h["profile"]) == (variant, model), h["why"]
    assert h["protocol"] == variant and h["why"]
    assert h["identity"]["model_name"] == SIM_MODELS[model].model_name
    assert h["identity"]["scc_firmware"] == SIM_MODELS[model].scc_firmware
    reply = set_(sock, f"{model}-set", setter, label)
    assert reply["ok"], reply
    assert (reply["sent"], reply["changed"], reply["verified"]) == (wire, True, True)
    assert reply["profile"] == model
    assert worker.wire_count(setter) >= 1  # the unit took exactly `wire` (it NAKs others)
    back = call(sock, id=f"{model}-back", op="query", command=query)
    assert back["ok"] and back["profile"] == model
    assert back["data"][key] == label
    again = set_(sock, f"{model}-again", setter, label)
    assert (again["sent"], again["changed"]) == (None, False)  # the read-back matched


def test_vmii_catalogue_offers_the_units_own_choices_and_refuses_others(
    sim_worker: StartWorker, clients: Clients
) -> None:
    worker = sim_worker("prof-vmii-cat", model="vmii")
    sock = clients.dealer(worker.endpoint)
    catalogue = call(sock, id="cat", op="catalogue")
    assert catalogue["profile"] == "vmii" and catalogue["catalogue"]["profile"] == "vmii"
    commands = {c["name"]: c for c in catalogue["catalogue"]["commands"]}
    assert commands["POP"]["arg"]["choices"] == {
        "00": "Utility first",
        "01": "SBU first",
        "02": "Solar first",
    }
    assert "QBEQI" in commands and "QPIGS2" not in commands
    sbu = set_(sock, "sbu", "POP", "SBU first", only_if_changed=False)
    assert sbu["sent"] == "POP01" and sbu["verified"] is True
    refused = set_(sock, "pcp", "PCP", "Utility first")
    assert refused["error"]["code"] == "INVALID_VALUE"
    assert refused["error"]["allowed"] == [
        "00 (Solar first)",
        "01 (Solar + Utility)",
        "02 (Only solar charging permitted)",
    ]
    q1 = call(sock, id="q1", op="query", command="Q1")
    assert q1["ok"] and "inverter_temperature" not in q1["data"]
    assert q1["data"]["q1_field_6"] == "5472"
    absent = call(sock, id="pv2", op="query", command="QPIGS2")
    assert absent["error"]["code"] == "UNKNOWN_COMMAND"


@pytest.mark.parametrize(
    ("model", "command", "keys"),
    [
        (
            "pip-mst",
            "QPIGS2",
            {"pv3_input_voltage", "pv_total_charging_power", "ac_charging_power"},
        ),
        ("revo", "QPIGS", {"pv_power", "pv_energy_today"}),
        ("vmii", "QBEQI", {"equalization_voltage", "equalization_active"}),
    ],
)
def test_a_units_own_layout_through_the_worker(
    sim_worker: StartWorker, clients: Clients, model: str, command: str, keys: set[str]
) -> None:
    worker = sim_worker(f"prof-layout-{model}", model=model)
    reply = call(clients.dealer(worker.endpoint), id="q", op="query", command=command)
    assert reply["ok"], reply
    assert keys <= set(reply["data"]) and reply["profile"] == model
    assert not [k for k in reply["data"] if k.startswith("unknown_")]


def test_explicit_protocol_and_forced_profile(sim_worker: StartWorker, clients: Clients) -> None:
    fixed = sim_worker("prof-fixed", "--protocol", "PI30", model="pi30")
    h = health(clients.dealer(fixed.endpoint))
    assert (h["variant"], h["profile"]) == ("PI30", "generic")
    assert "--protocol PI30 given" in h["why"]
    assert h["identity"]["probes"] == {}  # an explicit variant sends no probe
    assert fixed.close() == 0, fixed.process.log
    forced = sim_worker("prof-forced", "--profile", "mks-iv", model="pi30")
    sock = clients.dealer(forced.endpoint)
    h = health(sock)
    assert (h["variant"], h["profile"], h["why"]) == (
        "PI30",
        "mks-iv",
        ["--profile mks-iv given"],
    )
    # the classic unit NAKs the 4-digit form the forced profile writes
    reply = set_(sock, "mu", "MUCHGC", 20)
    assert reply["error"]["code"] == "NAK"


@pytest.mark.parametrize("model", list(ROUND_TRIPS))
def test_identify_reports_the_simulated_identity(model: str) -> None:
    result = identify_port(f"sim://?model={model}&pacing=0&latency_ms=0&seed=3")
    assert result["detected"]["profile"] == model
    assert result["identity"]["model_name"] == SIM_MODELS[model].model_name
    assert result["answers"]["QPI"]["payload"] == "PI30"
    assert "hex" in result["answers"]["QPIGS"] and result["answers"]["QPIRI"]["fields"] >= 25


def test_a_known_nak_says_why(sim_worker: StartWorker, clients: Clients) -> None:
    # the 10.2 kW MAX class answers QPIGS2 with NAK: the error says what is known about it
    worker = sim_worker("prof-max-nak", model="max-10k2")
    sock = clients.dealer(worker.endpoint)
    h = health(sock)
    assert h["profile"] == "max" and h["identity"]["model_name"] == "NM-MAX-10.2KW"
    reply = call(sock, id="pv2", op="query", command="QPIGS2")
    assert reply["error"]["code"] == "NAK"
    assert "10.2 kW" in reply["error"]["message"] and reply["profile"] == "max"
    assert call(sock, id="pv1", op="query", command="QPIGS")["ok"]  # the rest reads on
