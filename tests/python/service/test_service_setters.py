"""Setter policy and read-back comparison against answers decoded by the real codec."""

from __future__ import annotations

import pytest

from pyworker.errors import NotAllowedError, UnknownCommandError
from pyworker.protocol import build_response, decode, get_catalogue, normalize_setter
from pyworker.service.setters import (
    SetterPolicy,
    battery_dependent,
    depends_on_unit,
    options_query,
    readback_matches,
)

QPIRI = (
    "230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 6 01 0 0 54.0 0 1"
)
CAT = get_catalogue("PI30")
MAX = get_catalogue("PI30MAX")


def qpiri(protocol: str = "PI30") -> dict[str, object]:
    return decode("QPIRI", build_response(QPIRI), protocol).data


@pytest.mark.parametrize(
    ("command", "value", "expected"),
    [
        ("POP", "Utility first", True),  # QPIRI says output_source_priority 0
        ("POP", "SBU first", False),
        ("POP", 2, False),
        ("PCP", "00", True),
        ("PBCV", 46, True),  # battery_recharge_voltage 46.0
        ("PBCV", "47.0", False),
        ("PBDV", 54, True),
        ("PBFT", 54.0, True),
        ("PCVV", 56.4, True),
        ("PSDV", 42.0, True),
        ("MCHGC", 10, True),
        ("MUCHGC", 20, False),
        ("PGR", "UPS", True),
        ("PBT", "AGM", True),
        ("F", 50, True),
        ("F", 60, False),
        ("PSPB", "1", True),
        ("PPVOKC", 1, False),
    ],
)
def test_readback_matches_qpiri(command: str, value: object, expected: bool) -> None:
    text = normalize_setter(command, value, protocol="PI30")
    assert readback_matches(CAT, CAT.commands[command], text, qpiri()) is expected


def test_readback_uses_the_max_labels() -> None:
    data = qpiri("PI30MAX")
    assert data["output_source_priority"] == "Utility Solar Battery"
    text = normalize_setter("POP", 0, protocol="PI30MAX")
    assert readback_matches(MAX, MAX.commands["POP"], text, data) is True


def test_qflag_readback_for_pe_and_pd() -> None:
    flags = decode("QFLAG", build_response("EakxyDbjuvz")).data
    pe, pd = CAT.commands["PE"], CAT.commands["PD"]
    assert readback_matches(CAT, pe, normalize_setter("PE", "ax"), flags) is True
    assert readback_matches(CAT, pe, normalize_setter("PE", ["a", "b"]), flags) is False
    assert readback_matches(CAT, pd, normalize_setter("PD", "overload_bypass"), flags) is True
    assert readback_matches(CAT, pd, normalize_setter("PD", "a"), flags) is False
    del flags["buzzer"]  # a unit that does not report a flag: cannot tell
    assert readback_matches(CAT, pe, normalize_setter("PE", "a"), flags) is None


def test_unknowable_readbacks_are_none() -> None:
    data = qpiri()
    assert readback_matches(CAT, CAT.commands["PF"], "PF", data) is None  # no read-back
    data["output_source_priority"] = "Unknown (7)"
    assert readback_matches(CAT, CAT.commands["POP"], "POP02", data) is None
    del data["battery_recharge_voltage"]
    assert readback_matches(CAT, CAT.commands["PBCV"], "PBCV46.0", data) is None


def test_policy() -> None:
    policy = SetterPolicy.build(CAT, read_only=False, allow=["pf", " "])
    policy.check(CAT.commands["POP"])
    policy.check(CAT.commands["PF"])
    with pytest.raises(NotAllowedError, match="--allow-set PBT"):
        policy.check(CAT.commands["PBT"])
    read_only = SetterPolicy.build(CAT, read_only=True, allow=["PF"])
    with pytest.raises(NotAllowedError, match="read-only"):
        read_only.check(CAT.commands["POP"])
    with pytest.raises(UnknownCommandError):
        SetterPolicy.build(CAT, read_only=False, allow=["QPIGS"])


def test_unit_dependence() -> None:
    assert battery_dependent(CAT.commands["PBCV"]) and battery_dependent(CAT.commands["PBFT"])
    assert not battery_dependent(CAT.commands["PCVT"])
    assert options_query(CAT.commands["MUCHGC"]) == "QMUCHGCR"
    assert options_query(CAT.commands["POP"]) is None
    assert depends_on_unit(CAT.commands["MCHGC"]) and not depends_on_unit(CAT.commands["PE"])
