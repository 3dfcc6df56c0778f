"""Wire protocol v1 parsing: every malformed request maps to INVALID_REQUEST with the right id."""

from __future__ import annotations

import msgpack
import pytest

from pyworker.errors import BusyError
from pyworker.service.wire import (
    MAX_MESSAGE_BYTES,
    WireError,
    error_reply,
    ok_reply,
    pack,
    parse_request,
)


def frame(**fields: object) -> bytes:
    packed: bytes = msgpack.packb(fields, use_bin_type=True)
    return packed


def test_query_with_options() -> None:
    request = parse_request(
        frame(v=1, id="a1", op="query", command="qpgs1", timeout_ms=2500, max_age_ms=0)
    )
    assert request.id == "a1"
    assert request.op == "query"
    assert request.command == "QPGS1"
    assert request.timeout_ms == 2500.0
    assert request.max_age_ms == 0.0
    assert request.priority == "interactive"


def test_set_defaults_and_flags() -> None:
    request = parse_request(frame(v=1, id=7, op="set", command="POP", value="SBU first"))
    assert (request.id, request.command, request.value) == (7, "POP", "SBU first")
    assert request.only_if_changed is True and request.verify is True
    request = parse_request(
        frame(
            v=1,
            id=8,
            op="set",
            command="PE",
            value=["a", "x"],
            only_if_changed=False,
            verify=False,
            source="ha",
        )
    )
    assert request.only_if_changed is False and request.verify is False
    assert request.value == ["a", "x"] and request.source == "ha"


@pytest.mark.parametrize(
    ("raw", "expected_id", "fragment"),
    [
        (b"\xc1garbage", None, "not a msgpack"),
        (msgpack.packb([1, 2, 3]), None, "msgpack map, not list"),
        (msgpack.packb({"v": 1, "op": "health"}), None, "'id'"),
        (msgpack.packb({"v": 1, "id": [1], "op": "health"}), None, "'id'"),
        (msgpack.packb({"v": 1, "id": True, "op": "health"}), None, "'id'"),
        (msgpack.packb({"v": 2, "id": "x", "op": "health"}), "x", "'v'"),
        (msgpack.packb({"v": 1, "id": "x", "op": "reboot"}), "x", "unknown op"),
        (msgpack.packb({"v": 1, "id": 3, "op": "query", "command": 5}), 3, "'command'"),
        (msgpack.packb({"v": 1, "id": 3, "op": "query", "command": ""}), 3, "'command'"),
        (
            msgpack.packb({"v": 1, "id": 3, "op": "query", "command": "QMOD", "timeout_ms": "1"}),
            3,
            "'timeout_ms'",
        ),
        (
            msgpack.packb({"v": 1, "id": 3, "op": "query", "command": "QMOD", "timeout_ms": 0}),
            3,
            "'timeout_ms'",
        ),
        (
            msgpack.packb({"v": 1, "id": 3, "op": "query", "command": "QMOD", "max_age_ms": -1}),
            3,
            "'max_age_ms'",
        ),
        (
            msgpack.packb({"v": 1, "id": 3, "op": "query", "command": "QMOD", "priority": "x"}),
            3,
            "'priority'",
        ),
        (
            msgpack.packb({"v": 1, "id": 4, "op": "set", "command": "POP", "verify": "yes"}),
            4,
            "'verify'",
        ),
        (
            msgpack.packb({"v": 1, "id": 4, "op": "set", "command": "POP", "source": 1}),
            4,
            "'source'",
        ),
        (msgpack.packb({1: 2}), None, "not a msgpack"),
        (msgpack.packb({"v": 1, "id": "x", "op": "health"}) + b"\x00", None, "not a msgpack"),
        (b"", None, "not a msgpack"),
    ],
)
def test_invalid_requests(raw: bytes, expected_id: object, fragment: str) -> None:
    with pytest.raises(WireError) as info:
        parse_request(raw)
    assert info.value.code == "INVALID_REQUEST"
    assert info.value.request_id == expected_id
    assert fragment in info.value.message


def test_wire_error_knows_the_op_of_a_bad_setter() -> None:
    with pytest.raises(WireError) as info:
        parse_request(frame(v=1, id=4, op="set", command=None))
    assert info.value.op == "set"


def test_reply_shapes_round_trip() -> None:
    ok = msgpack.unpackb(pack(ok_reply("r", command="QMOD", data={"device_mode": "Line"})))
    assert ok == {"v": 1, "id": "r", "ok": True, "command": "QMOD", "data": {"device_mode": "Line"}}
    err = msgpack.unpackb(pack(error_reply(None, BusyError("queue full"))))
    assert err == {
        "v": 1,
        "id": None,
        "ok": False,
        "error": {"code": "BUSY", "message": "queue full"},
    }


def test_limit_is_64_kib() -> None:
    assert MAX_MESSAGE_BYTES == 65536
