"""50 concurrent DEALER clients x 20 mixed requests against a real worker on the simulator."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import msgpack
import zmq
from service_helpers import Clients, SimWorker, health

CLIENTS = 50
PER_CLIENT = 20
WINDOW = 5  # requests each client keeps outstanding

# (request fields, check of the reply)
MIX: list[tuple[dict[str, Any], str]] = [
    ({"op": "query", "command": "QPIGS"}, "battery_voltage"),
    ({"op": "query", "command": "QMOD"}, "device_mode"),
    ({"op": "query", "command": "QPIRI", "max_age_ms": 1000}, "battery_type"),
    ({"op": "query", "command": "qflag"}, "buzzer"),
    ({"op": "query", "command": "QPIWS", "priority": "poll"}, "active_faults"),
    ({"op": "health"}, "counters"),
    ({"op": "query", "command": "QMUCHGCR"}, "max_ac_charging_current_options"),
    ({"op": "set", "command": "PE", "value": "a", "source": "load"}, "PE"),
    ({"op": "query", "command": "QXYZ"}, "UNKNOWN_COMMAND"),
    ({"op": "query", "command": "QID", "max_age_ms": 50}, "serial_number"),
]


def check(request: dict[str, Any], expect: str, reply: dict[str, Any]) -> None:
    assert reply["v"] == 1
    if expect == "UNKNOWN_COMMAND":
        assert reply["ok"] is False and reply["error"]["code"] == "UNKNOWN_COMMAND", reply
        return
    assert reply["ok"] is True, reply
    if request["op"] == "health":
        assert reply["port"]["state"] == "connected"
        assert set(reply["counters"]) >= {"transactions", "coalesced", "cache_hits"}
    elif request["op"] == "set":
        assert reply["command"] == "PE" and reply["verified"] is True
        assert reply["sent"] in (None, "PEa")
    else:
        assert reply["command"] == request["command"].upper()
        assert expect in reply["data"], reply
        assert isinstance(reply["cached"], bool) and reply["elapsed_ms"] >= 0


def test_fifty_clients_twenty_mixed_requests_each(worker: SimWorker, clients: Clients) -> None:
    socks = [clients.dealer(worker.endpoint) for _ in range(CLIENTS)]
    poller = zmq.Poller()
    for sock in socks:
        poller.register(sock, zmq.POLLIN)
    sent: dict[Any, tuple[int, dict[str, Any], str]] = {}
    next_index = [0] * CLIENTS
    replies: Counter[Any] = Counter()

    def send_next(client: int) -> None:
        j = next_index[client]
        next_index[client] += 1
        request, expect = MIX[(client + j) % len(MIX)]
        # Half the clients use string ids, half integers: both must be echoed as given.
        rid: Any = f"c{client}-r{j}" if client % 2 else client * 1000 + j
        sent[rid] = (client, request, expect)
        socks[client].send(msgpack.packb({"v": 1, "id": rid, **request}))

    for client in range(CLIENTS):
        for _ in range(WINDOW):
            send_next(client)
    index_of = {sock: i for i, sock in enumerate(socks)}
    deadline = time.monotonic() + 60
    while sum(replies.values()) < CLIENTS * PER_CLIENT:
        assert time.monotonic() < deadline, f"{sum(replies.values())} replies only"
        for sock, _ in poller.poll(1000):
            client = index_of[sock]
            frames = sock.recv_multipart()
            assert len(frames) == 1
            reply = msgpack.unpackb(frames[0])
            rid = reply["id"]
            assert rid in sent, f"reply with an id nobody sent: {reply}"
            owner, request, expect = sent[rid]
            assert owner == client, "a reply reached another client"
            replies[rid] += 1
            check(request, expect, reply)
            if next_index[client] < PER_CLIENT:
                send_next(client)
    # Nothing more arrives: no duplicates, none lost.
    assert not poller.poll(300)
    assert len(replies) == CLIENTS * PER_CLIENT == len(sent)
    assert set(replies.values()) == {1}
    counters = health(socks[0])["counters"]
    assert counters["busy"] == 0 and counters["expired"] == 0
    # Many identical queries in flight at once share wire transactions.
    assert counters["coalesced"] + counters["cache_hits"] > 0
    assert sum(worker.wire_counts().values()) < CLIENTS * PER_CLIENT
