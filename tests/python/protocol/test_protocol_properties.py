"""Property tests: decode never fails with anything but a ProtocolError, and generated field
values survive encode -> simulated reply -> decode for every catalogued query."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyworker.errors import ProtocolError
from pyworker.protocol import (
    PROTOCOLS,
    Command,
    Field,
    build_response,
    crc_matches,
    decode,
    encode,
    get_catalogue,
)
from pyworker.protocol.catalogue import QFLAG_LETTERS_MAX

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKEN = st.text(alphabet=string.ascii_letters + string.digits + ".:-+/_", min_size=1, max_size=12)

# Every command as it would be sent: arguments filled in for QPGSn and the energy queries.
ARGUMENTS = {
    "QPGS": "3",
    "QEY": "2024",
    "QLY": "2024",
    "QEM": "202406",
    "QLM": "202406",
    "QED": "20240611",
    "QLD": "20240611",
}
SENT: list[tuple[str, str, Command]] = [
    (protocol, cmd.name + ARGUMENTS.get(cmd.name, ""), cmd)
    for protocol in PROTOCOLS
    for cmd in get_catalogue(protocol).commands.values()
]
# ENERGY is answered by the worker, never sent: it has no frame to decode
QUERIES = [entry for entry in SENT if entry[2].kind == "query" and entry[2].response != "worker"]


def valid_frames() -> st.SearchStrategy[bytes]:
    return st.sampled_from(
        [
            build_response("000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069"),
            build_response("B"),
            build_response("ACK"),
            build_response("NAK"),
            build_response("EakxyDbjuvz"),
            build_response("00000100000000001000000000000000"),
            b"^0\x1b\xe3\r",
            b"QPIGS\xb7\xa9\r",
        ]
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    frame = bytearray(draw(valid_frames()))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if not frame:
            break
        at = draw(st.integers(0, len(frame) - 1))
        if action == "flip":
            frame[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            frame.insert(at, draw(st.integers(0, 255)))
        elif action == "delete":
            del frame[at]
        else:
            del frame[at:]
    return bytes(frame)


ANY_ANSWER = st.one_of(
    st.binary(max_size=160),
    st.builds(build_response, st.text(alphabet=string.printable, max_size=120)),
    st.builds(lambda noise, f: noise + f, st.binary(max_size=8), valid_frames()),
    mutated(),
)


@PROPERTY
@given(st.sampled_from(SENT), ANY_ANSWER)
def test_decode_of_arbitrary_bytes_raises_only_protocol_errors(
    sent: tuple[str, str, Command], frame: bytes
) -> None:
    protocol, text, _ = sent
    try:
        decoded = decode(text, frame, protocol)
    except ProtocolError as exc:
        assert exc.code in ("CRC", "NAK", "UNSUPPORTED", "WRONG_PROTOCOL", "MALFORMED")
        assert exc.message
        return
    assert isinstance(decoded.data, dict) and decoded.data  # success always carries data
    assert all(isinstance(k, str) for k in decoded.data)


# -- generated field values: encode -> simulated reply -> decode --------------------------------
@st.composite
def field_value(draw: st.DrawFn, fld: Field) -> tuple[str, dict[str, Any]]:
    """A raw field as a unit would print it, and what decode must make of it."""
    if fld.type == "flags":
        names = list(fld.flags or ())
        # usually the documented width; sometimes shorter or longer (extra bits are kept)
        bits = draw(st.lists(st.booleans(), min_size=1, max_size=len(names) + 2))
        expected = {
            (names[i] if i < len(names) else f"{fld.key}_bit_{i}"): bit
            for i, bit in enumerate(bits)
        }
        return "".join("1" if b else "0" for b in bits), expected
    if fld.type in ("int", "float"):
        if draw(st.integers(0, 20)) == 0:
            return "-", {fld.key: None}  # not applicable
        number = draw(st.integers(-999, 99999) if fld.type == "int" else st.integers(0, 99999))
        if fld.type == "float" and fld.scale is None:
            decimals = draw(st.integers(0, 2))
            raw = f"{number / 10**decimals:0{draw(st.integers(3, 7))}.{decimals}f}"
            value: Any = float(raw)
        else:
            raw = str(number).zfill(draw(st.integers(1, 5)) + (1 if number < 0 else 0))
            value = int(raw) if fld.type == "int" else float(raw)
        if fld.scale is not None:
            value = round(value * fld.scale, 3)
        return raw, {fld.key: value}
    if fld.type == "enum":
        code, label = draw(st.sampled_from(sorted((fld.enum or {}).items())))
        return code, {fld.key: label}
    text = draw(TOKEN)
    return (fld.prefix or "") + text, {fld.key: text}


@st.composite
def simulated_answer(draw: st.DrawFn, cmd: Command) -> tuple[str, dict[str, Any]]:
    """The payload a unit would send for ``cmd`` and the data decode must return."""
    kind = cmd.response
    if kind == "fields":
        count = draw(st.integers(1, len(cmd.fields) + 3))
        raws: list[str] = []
        expected: dict[str, Any] = {}
        for index in range(count):
            if index < len(cmd.fields):
                raw, values = draw(field_value(cmd.fields[index]))
            else:
                raw = draw(TOKEN)
                values = {f"unknown_{index}": raw}  # extra fields are kept, never dropped
            raws.append(raw)
            expected.update(values)
        return " ".join(raws), expected
    if kind == "text":
        return draw(field_value(cmd.fields[0]))
    if kind == "bits":
        bits = draw(st.text(alphabet="01", min_size=1, max_size=40))
        names = [f.key for f in cmd.fields]
        expected = {
            (names[i] if i < len(names) else f"unknown_{i}"): c == "1" for i, c in enumerate(bits)
        }
        active = [k for k, v in expected.items() if v]
        expected["active_warnings"] = [k for k in active if not k.endswith("_fault")]
        expected["active_faults"] = [k for k in active if k.endswith("_fault")]
        return bits, expected
    if kind == "qflag":
        letters = draw(st.permutations(sorted(set(QFLAG_LETTERS_MAX) | set("cgnqw"))))
        cut = draw(st.integers(0, len(letters)))
        names = {f.key for f in cmd.fields}
        expected = {}
        for enabled, group in ((True, letters[:cut]), (False, letters[cut:])):
            for letter in group:
                name = QFLAG_LETTERS_MAX.get(letter, "")
                expected[name if name in names else f"flag_{letter}"] = enabled
        return f"E{''.join(letters[:cut])}D{''.join(letters[cut:])}", expected
    if kind == "options":
        values = draw(st.lists(st.integers(0, 999), min_size=1, max_size=20))
        return " ".join(f"{v:03d}" for v in values), {cmd.options_key or "": values}
    if kind == "serial20":
        serial = draw(st.text(alphabet=string.digits, min_size=1, max_size=20))
        return f"{len(serial):02d}{serial.ljust(20, '0')}", {cmd.fields[0].key: serial}
    assert kind == "datetime"
    when = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31))).replace(microsecond=0)
    return when.strftime("%Y%m%d%H%M%S"), {cmd.fields[0].key: when.isoformat()}


@st.composite
def exchange(draw: st.DrawFn) -> tuple[str, str, Command, str, dict[str, Any]]:
    protocol, text, cmd = draw(st.sampled_from(QUERIES))
    payload, expected = draw(simulated_answer(cmd))
    return protocol, text, cmd, payload, expected


@PROPERTY
@given(exchange(), st.sampled_from([b"\r", b"\n", b"\r\n"]), st.booleans())
def test_generated_field_values_round_trip(
    generated: tuple[str, str, Command, str, dict[str, Any]], terminator: bytes, adjust: bool
) -> None:
    protocol, text, cmd, payload, expected = generated
    request = encode(text, protocol=protocol)
    assert request.endswith(b"\r") and crc_matches(request[:-3], request[-3:-1])
    reply = build_response(payload, terminator=terminator, adjust=adjust)
    decoded = decode(text, reply, protocol)
    assert decoded.data == expected
    assert decoded.command == text
    assert decoded.raw == payload.rstrip(" ")
    for key, unit in decoded.units.items():
        assert key in decoded.data
        fld = cmd.field(key)
        assert unit == (fld.unit if fld is not None else cmd.options_unit)
