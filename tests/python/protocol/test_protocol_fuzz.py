"""Decoder fuzz: 200,000+ mutated real-looking answer frames.

Every frame the simulator answers (both profiles, every query) is mutated - a bit flipped, a
byte replaced, dropped, doubled or inserted, two bytes swapped - and taken the way the worker
takes an answer: CRC in the unit's learnt form, decode, shape check. Nothing may escape except
the project's own error classes, and a mutated frame that still passes with a changed value
would be a wrong reading: counted and reported against the old acceptance (any CRC form, no
shape check).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pyworker.errors import Pi30Error
from pyworker.protocol import build_response, check_shape, decode, encode_raw, get_catalogue
from pyworker.sim.clock import parse_time
from pyworker.sim.simulator import SimConfig, Simulator

pytestmark = pytest.mark.campaign

MUTATED_FRAMES = 200_000
ARGUMENTS = {"QPGS": "0", "QEY": "2026", "QEM": "202606", "QED": "20260601"}
ARGUMENTS |= {"QLY": "2026", "QLM": "202606", "QLD": "20260601"}


def real_frames() -> list[tuple[str, str, bytes]]:
    """(protocol, command text, answer frame) for every query both simulated models answer."""
    frames: list[tuple[str, str, bytes]] = []
    for model in ("pi30", "pi30max"):
        config = SimConfig(model=model, pacing=False, latency_ms=0, seed=11, speed=0)
        config.start = parse_time("2026-06-01T12:00")  # the same frames on every run
        sim = Simulator(config)
        protocol = sim.profile.protocol
        for cmd in get_catalogue(protocol).queries:
            text = cmd.name + ARGUMENTS.get(cmd.name, "")
            reply = sim.transact(encode_raw(text))
            if reply.data is None or not reply.data.startswith(b"("):
                continue
            try:
                decode(text, reply.data, protocol)
            except Pi30Error:
                continue  # NAK: the model does not know it
            frames.append((protocol, text, reply.data))
    return frames


def mutate(rng: random.Random, frame: bytes) -> bytes:
    """One to four damages: CRC-16 catches every single short burst, so the frames that
    fool it come from damage in several places, as line noise does."""
    for _ in range(rng.randint(1, 4)):
        frame = _damage(rng, frame)
    return frame


def _damage(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame[:-1])  # keep the terminator: a cut frame is the transport's case
    position = rng.randrange(len(data))
    kind = rng.randrange(6)
    if kind == 0:
        data[position] ^= 1 << rng.randrange(8)
    elif kind == 1:
        data[position] = rng.choice(b"0123456789. -" + bytes(range(256)))
    elif kind == 2 and len(data) > 2:
        del data[position]
    elif kind == 3:
        data.insert(position, data[position])
    elif kind == 4:
        data.insert(position, rng.choice(b"0123456789 "))
    elif position + 1 < len(data):
        data[position], data[position + 1] = data[position + 1], data[position]
    return bytes(data) + frame[-1:]


def test_mutated_frames_never_escape_and_never_read_wrong() -> None:
    frames = real_frames()
    assert len(frames) >= 40
    catalogues = {p: get_catalogue(p) for p in ("PI30", "PI30MAX")}
    originals = {(p, t): decode(t, f, p).data for p, t, f in frames}
    rng = random.Random(20261130)
    outcomes: Counter[str] = Counter()
    escaped: list[str] = []
    changed_ok = changed_ok_before = unchanged_ok = 0
    for n in range(MUTATED_FRAMES):
        protocol, text, frame = frames[n % len(frames)]
        mutated = mutate(rng, frame)
        cmd = catalogues[protocol].resolve(text)[0]
        try:
            old = decode(text, mutated, protocol)  # the acceptance before: any CRC form
            if old.data != originals[protocol, text]:
                changed_ok_before += 1
        except Pi30Error:
            pass
        try:
            decoded = decode(text, mutated, protocol, crc_accept={"adjusted"})
            check_shape(cmd, decoded.raw, 48)
        except Pi30Error as exc:
            outcomes[type(exc).__name__] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - exactly what this test hunts
            escaped.append(f"{text} {mutated!r}: {exc!r}")
            continue
        if decoded.data != originals[protocol, text]:
            changed_ok += 1
            outcomes["changed_ok"] += 1
        else:
            unchanged_ok += 1  # e.g. a trailing space added: the same reading
    print(
        f"decoder fuzz: {MUTATED_FRAMES} mutated frames of {len(frames)} real answers: "
        f"{dict(outcomes)}; ok with the same value {unchanged_ok}; ok with a changed value "
        f"{changed_ok} (any CRC form, no shape check: {changed_ok_before})"
    )
    assert escaped == []
    assert changed_ok <= changed_ok_before
    assert changed_ok == 0


def test_damage_the_crc_cannot_see_is_mostly_refused_by_the_shape_checks() -> None:
    """The same damage to payloads whose CRC is then made valid (a unit's own glitch, or a
    frame that fooled the CRC): only the shape checks stand. A changed digit that stays
    plausible cannot be told from a real reading, so this reports, it does not require 0."""
    frames = real_frames()
    catalogues = {p: get_catalogue(p) for p in ("PI30", "PI30MAX")}
    rng = random.Random(7)
    refused = passed_changed = 0
    runs = 20_000
    for n in range(runs):
        protocol, text, frame = frames[n % len(frames)]
        payload = decode(text, frame, protocol).raw
        damaged = mutate(rng, b"(" + payload.encode("ascii") + b"\r")[1:-1]
        try:
            resealed = build_response(damaged.decode("latin-1").encode("ascii").decode())
            cmd = catalogues[protocol].resolve(text)[0]
            decoded = decode(text, resealed, protocol, crc_accept={"adjusted"})
            check_shape(cmd, decoded.raw, 48)
        except (Pi30Error, UnicodeError):
            refused += 1
            continue
        if decoded.raw != payload:
            passed_changed += 1
    print(
        f"re-sealed damage: {runs} frames, {refused} refused, {passed_changed} taken with "
        "changed text (plausible values)"
    )
    assert refused > runs // 4
