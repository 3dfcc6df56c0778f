"""Hostile and broken requests: each gets the right error (or the socket drops an oversize one),
and the worker keeps serving."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
import zmq
from service_helpers import Clients, SimWorker, call, health, recv


def raw_call(sock: zmq.Socket[Any], *frames: bytes) -> dict[str, Any]:
    sock.send_multipart(list(frames))
    return recv(sock, timeout=5)


@pytest.mark.parametrize(
    ("frame", "expected_id", "fragment"),
    [
        (b"\x00\xffgarbage\xc1\xc1", None, "not a msgpack"),
        (msgpack.packb(["v", 1, "id", 2]), None, "map, not list"),
        (msgpack.packb("just a string"), None, "map, not str"),
        (msgpack.packb({"v": 1, "id": "w1", "op": "query", "command": 5}), "w1", "'command'"),
        (
            msgpack.packb(
                {"v": 1, "id": "w2", "op": "query", "command": "QMOD", "timeout_ms": "soon"}
            ),
            "w2",
            "'timeout_ms'",
        ),
        (msgpack.packb({"v": 1, "id": 3, "op": "reboot"}), 3, "unknown op"),
        (msgpack.packb({"id": 4, "op": "health"}), 4, "'v'"),
        (msgpack.packb({"v": 1, "op": "health"}), None, "'id'"),
        (b"\xa3\xff\xfe\xfd", None, "not a msgpack"),  # a str that is not UTF-8
        (b"\x91" * 50_000 + b"\xc0", None, "not a msgpack"),  # nested 50 000 deep
    ],
)
def test_bad_requests_get_invalid_request(
    worker: SimWorker, clients: Clients, frame: bytes, expected_id: object, fragment: str
) -> None:
    sock = clients.dealer(worker.endpoint)
    reply = raw_call(sock, frame)
    assert reply == {
        "v": 1,
        "id": expected_id,
        "ok": False,
        "error": {"code": "INVALID_REQUEST", "message": reply["error"]["message"]},
    }
    assert fragment in reply["error"]["message"]
    assert health(sock)["port"]["state"] == "connected"


def test_multi_frame_request_is_refused_with_one_reply(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    body = msgpack.packb({"v": 1, "id": 1, "op": "health"})
    reply = raw_call(sock, body, body)
    assert reply["error"]["code"] == "INVALID_REQUEST" and reply["id"] is None
    assert not sock.poll(200)  # exactly one reply


def test_one_mib_message_is_dropped_and_the_worker_keeps_serving(
    worker: SimWorker, clients: Clients
) -> None:
    big = clients.dealer(worker.endpoint)
    health(big)
    huge = msgpack.packb({"v": 1, "id": "huge", "op": "query", "command": "Q" * (1 << 20)})
    assert len(huge) > 1 << 20
    big.send(huge)
    assert not big.poll(500)  # the socket refused it: no reply
    other = clients.dealer(worker.endpoint)
    assert call(other, id="after", op="query", command="QMOD")["ok"]
    # The sender's own socket reconnects by itself and is served again.
    assert call(big, id="again", op="health", timeout=5)["ok"]


def test_a_req_socket_works_too(worker: SimWorker, clients: Clients) -> None:
    req = clients.context.socket(zmq.REQ)
    req.linger = 0
    req.connect(worker.endpoint)
    clients.sockets.append(req)
    req.send(msgpack.packb({"v": 1, "id": "req", "op": "query", "command": "QMOD"}))
    assert req.poll(5000)
    reply = msgpack.unpackb(req.recv())
    assert reply["id"] == "req" and reply["ok"] and "device_mode" in reply["data"]


def test_catalogue_op(worker: SimWorker, clients: Clients) -> None:
    reply = call(clients.dealer(worker.endpoint), id="cat", op="catalogue")
    assert reply["ok"] and reply["protocol"] == "PI30"
    names = {c["name"] for c in reply["catalogue"]["commands"]}
    assert {"QPIGS", "QPIRI", "POP", "MUCHGC", "PF"} <= names
    pf = next(c for c in reply["catalogue"]["commands"] if c["name"] == "PF")
    assert pf["dangerous"] is True


def test_health_shape(worker: SimWorker, clients: Clients) -> None:
    reply = call(clients.dealer(worker.endpoint), id="h", op="health")
    assert set(reply) == {
        "v",
        "id",
        "ok",
        "port",
        "protocol",
        "variant",
        "profile",
        "why",
        "identity",
        "device",
        "queue_depth",
        "counters",
        "uptime_s",
        "version",
    }
    assert reply["port"]["url"] == worker.port_url
    assert reply["port"]["state"] == "connected" and reply["port"]["last_error"] is None
    assert reply["protocol"] == "PI30" and reply["queue_depth"] == 0
    # the classic simulated unit matches no profile: generic, and the health says why
    assert reply["variant"] == "PI30" and reply["profile"] == "generic"
    assert reply["why"] and "no profile matched" in reply["why"][0]
    assert reply["identity"]["model_name"] == reply["device"]["model"]
    assert reply["device"] == {
        "protocol_id": "PI30",
        "serial": reply["device"]["serial"],
        "model": reply["device"]["model"],
        "model_number": reply["device"]["model_number"],
        "firmware": reply["device"]["firmware"],
    }
    assert reply["device"]["serial"] and reply["device"]["firmware"]
    assert set(reply["counters"]) >= {
        "transactions",
        "crc_errors",
        "timeouts",
        "naks",
        "retries",
        "coalesced",
        "cache_hits",
        "setters",
        "refused",
    }
    assert all(isinstance(v, int) and v >= 0 for v in reply["counters"].values())
    assert reply["uptime_s"] > 0 and reply["version"]
