"""Every injectable fault produces the bytes it should, by probability or one-shot, set at
start or while running, and is counted."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sim_helpers import Unit

from pyworker.errors import CrcError, NakError
from pyworker.protocol import FrameSplitter, decode, encode
from pyworker.sim import parse_fault_spec
from pyworker.sim.control import handle_request, status_of

QMOD = encode("QMOD")


def clean_and_faulty(unit: Unit, spec: str) -> tuple[bytes, bytes | None, float]:
    """The clean answer to QMOD and the answer with ``spec`` injected (same instant)."""
    clean = unit.raw(QMOD)
    assert clean is not None
    handle_request(unit.sim, {"op": "set_faults", "spec": [spec]})
    reply = unit.sim.transact(QMOD)
    return clean, reply.data, reply.delay_s


def test_corrupt_crc(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    clean, faulty, _ = clean_and_faulty(unit, "crc:once")
    assert faulty is not None and faulty != clean
    assert faulty[:-3] == clean[:-3] and faulty[-1:] == b"\r"
    with pytest.raises(CrcError):
        decode("QMOD", faulty)


def test_truncated_answer(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    clean = unit.send("QPIGS")
    handle_request(unit.sim, {"op": "set_faults", "spec": ["truncate:once:40"]})
    cut = unit.raw(encode("QPIGS"))
    assert cut == clean[:40]
    assert FrameSplitter().feed(cut) == []  # never a whole frame: the reader times out


def test_no_answer_and_late_answer(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    _, silent, _ = clean_and_faulty(unit, "no_answer:once")
    assert silent is None
    clean, late, delay = clean_and_faulty(unit, "late:once:1500")
    assert late == clean and delay == pytest.approx(1.5)
    _, _, default_delay = clean_and_faulty(unit, "late:once")
    assert default_delay == pytest.approx(3.0)


def test_noise_before_the_frame(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    clean, noisy, _ = clean_and_faulty(unit, "noise:once:6")
    assert noisy is not None and noisy.endswith(clean) and len(noisy) == len(clean) + 6
    assert not set(noisy[:6]) & set(b"(\r\n")
    assert decode("QMOD", noisy).data == decode("QMOD", clean).data  # a robust reader copes


def test_lf_terminator(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    clean, lf, _ = clean_and_faulty(unit, "lf:once")
    assert lf == clean[:-1] + b"\n"
    assert decode("QMOD", lf).data == decode("QMOD", clean).data


def test_nak_everything_and_nothing_applied(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(faults=["nak"])
    for text in ("QPIGS", "QMOD", "QPIRI"):
        with pytest.raises(NakError):
            decode(text, unit.raw(encode(text)) or b"")
    assert unit.raw(encode("POP", 0)) == b"(NAK\x73\x73\r"
    assert unit.sim.inverter.settings.output_source_priority == 2  # refused: not applied
    assert unit.sim.faults.injected["nak"] == 4


def test_a_late_or_corrupted_setter_answer_still_applied(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(faults=["crc:once"])
    assert unit.raw(encode("POP", 0)) != b"(ACK\x39\x20\r"
    assert (
        unit.sim.inverter.settings.output_source_priority == 0
    )  # the answer was hit, not the unit
    handle_request(unit.sim, {"op": "set_faults", "faults": {"no_answer": "once"}})
    assert unit.raw(encode("POP", 1)) is None
    assert unit.sim.inverter.settings.output_source_priority == 0  # the request never arrived


def test_unplug_fault(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(faults=["unplug:once:0.3"])
    generation = unit.sim.plug.generation
    assert unit.raw(QMOD) is None
    assert not unit.sim.plug.plugged and unit.sim.plug.generation == generation + 1
    assert unit.raw(QMOD) is None  # nothing reaches an unplugged unit
    time.sleep(0.35)
    assert unit.sim.plug.plugged and unit.raw(QMOD) == b"(B\xe7\xc9\r"
    assert unit.sim.faults.injected["unplug"] == 1


def test_one_shots_count_down(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(faults=["nak:3x"])
    answers = [unit.raw(QMOD) for _ in range(5)]
    assert answers[:3] == [b"(NAK\x73\x73\r"] * 3
    assert answers[3:] == [b"(B\xe7\xc9\r"] * 2


def test_probabilities_are_drawn_from_the_seed(make_unit: Callable[..., Unit]) -> None:
    def pattern(seed: int) -> list[bool]:
        unit = make_unit(seed=seed, faults=["crc:0.3"])
        return [unit.raw(QMOD) != b"(B\xe7\xc9\r" for _ in range(300)]

    first = pattern(5)
    assert 60 <= sum(first) <= 120  # about 30 %
    assert pattern(5) == first  # the same seed, the same faults
    assert pattern(6) != first


def test_faults_set_while_running_and_counted(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit()
    for _ in range(3):
        unit.raw(QMOD)
    reply = handle_request(
        unit.sim, {"op": "set_faults", "faults": {"lf": 1.0, "late": {"probability": 0.0}}}
    )
    assert reply["faults"] == {"lf": {"probability": 1.0, "remaining": 0}}
    assert unit.raw(QMOD) == b"(B\xe7\xc9\n"
    handle_request(unit.sim, {"op": "set_faults", "clear": True})
    assert unit.raw(QMOD) == b"(B\xe7\xc9\r"
    status = status_of(unit.sim)
    assert status["transactions"] == {"QMOD": 5}
    assert status["injected"] == {"lf": 1}
    assert [r["fault"] for r in status["recent"]] == [None, None, None, "lf", None]
    handle_request(unit.sim, {"op": "reset_counters"})
    status = status_of(unit.sim)
    assert status["transactions"] == {} and status["injected"] == {} and status["recent"] == []


def test_transactions_are_counted_per_command(make_unit: Callable[..., Unit]) -> None:
    unit = make_unit(model="pi30max")
    for text in ("QPIGS", "QPIGS", "QPGS0", "QED20260115", "QXYZ"):
        unit.raw(encode(text, protocol="PI30MAX") if text != "QXYZ" else b"QXYZ\r")
    unit.raw(encode("POP", 1))
    unit.raw(b"QPIGS\x00\x00\r")  # a bad CRC
    counts = status_of(unit.sim)["transactions"]
    assert counts == {"QPIGS": 2, "QPGS": 1, "QED": 1, "QXYZ": 1, "POP": 1, "<invalid>": 1}


@pytest.mark.parametrize(
    ("spec", "kind", "probability", "remaining", "param"),
    [
        ("crc", "crc", 1.0, 0, None),
        ("crc:0.1", "crc", 0.1, 0, None),
        ("timeout:once", "no_answer", 0.0, 1, None),
        ("late:0.5:2000", "late", 0.5, 0, 2000.0),
        ("unplug", "unplug", 0.0, 1, None),
        ("unplug:once:7", "unplug", 0.0, 1, 7.0),
        ("nak:x4", "nak", 0.0, 4, None),
        ("noise:always:9", "noise", 1.0, 0, 9.0),
    ],
)
def test_fault_specs(
    spec: str, kind: str, probability: float, remaining: int, param: float | None
) -> None:
    rule = parse_fault_spec(spec)
    assert (rule.kind, rule.probability, rule.remaining, rule.param) == (
        kind,
        probability,
        remaining,
        param,
    )


@pytest.mark.parametrize("spec", ["bogus", "crc:2", "crc:often", "late:0.5:soon", "crc:1:2:3"])
def test_bad_fault_specs_are_errors(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault_spec(spec)
