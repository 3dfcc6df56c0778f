"""Every device profile has its simulated unit, reachable as `pi30-worker sim --model ID` and
`sim://?model=ID`, answering with that family's identity, layouts and codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cli_runner import PtySimulator
from sim_helpers import Unit

from pyworker.profile_cli import identify_port
from pyworker.protocol.profiles import PROFILE_IDS
from pyworker.sim import PROFILES


def test_every_profile_names_a_simulated_unit_of_that_profile() -> None:
    for profile_id in PROFILE_IDS:
        assert PROFILES[profile_id].device_profile == profile_id
        # every unit answers QPI with PI30: the profiles differ by their other answers
    assert len({(p.model_name, p.general_model_number) for p in PROFILES.values()}) == len(
        {p.key for p in PROFILES.values()}
    )


@pytest.mark.parametrize(
    ("model", "setter", "value", "wire", "field", "label"),
    [
        ("vmii", "POP", "SBU first", b"POP01", "output_source_priority", "SBU first"),
        ("lv6548", "PCP", "Solar first", b"PCP00", "charger_source_priority", "Solar first"),
        (
            "mks2-7200",
            "PCP",
            "Solar + Utility",
            b"PCP02",
            "charger_source_priority",
            "Solar + Utility",
        ),
    ],
)
def test_the_unit_stores_its_own_code_and_reads_back_the_label(
    make_unit: Callable[..., Unit],
    model: str,
    setter: str,
    value: str,
    wire: bytes,
    field: str,
    label: str,
) -> None:
    unit = make_unit(model=model)
    assert unit.send(setter, value) == b"(ACK\x39\x20\r"  # the label, encoded with the profile
    assert unit.query("QPIRI")[field] == label
    # the raw wire text is the unit's own code for it
    assert unit.send_text(wire.decode()) == b"(ACK\x39\x20\r"
    assert unit.query("QPIRI")[field] == label


def test_mks_iv_and_lv6548_take_muchgc_with_four_digits(make_unit: Callable[..., Unit]) -> None:
    for model in ("mks-iv", "lv6548"):
        unit = make_unit(model=model)
        assert unit.send_text("MUCHGC020") == b"(NAK\x73\x73\r"
        assert unit.send_text("MUCHGC0020") == b"(ACK\x39\x20\r"
        assert unit.query("QPIRI")["max_ac_charging_current"] == 20
    classic = make_unit(model="generic")
    assert classic.send_text("MUCHGC0020") == b"(NAK\x73\x73\r"
    assert classic.send_text("MUCHGC020") == b"(ACK\x39\x20\r"


def test_sim_model_on_a_pty_is_identified(pty_sim: Callable[..., PtySimulator]) -> None:
    sim = pty_sim("--model", "vmii", "--no-pacing", "--latency-ms", "0", "--seed", "4")
    result = identify_port(sim.path)
    assert result["detected"]["profile"] == "vmii"
    assert result["answers"]["Q1"]["fields"] == 18
