"""Queue behaviour seen from real clients: coalescing, cache, priorities, deadlines, retries.

Wire transactions are counted by the simulator (its control endpoint), not by the worker.
"""

from __future__ import annotations

import time
from typing import Any

from service_helpers import Clients, SimWorker, call, health, recv, send


def counters(clients: Clients, worker: SimWorker) -> dict[str, int]:
    sock = clients.dealer(worker.endpoint)
    result: dict[str, int] = health(sock)["counters"]
    return result


def test_twenty_simultaneous_qpigs_make_one_wire_transaction(
    worker: SimWorker, clients: Clients
) -> None:
    socks = [clients.dealer(worker.endpoint) for _ in range(20)]
    for sock in socks:  # connected before the burst
        health(sock)
    before = counters(clients, worker)
    worker.sim.reset_counters()
    worker.sim.set_faults(spec=["late:1x:600"])  # the first answer takes 600 ms
    for i, sock in enumerate(socks):
        send(sock, id=i, op="query", command="QPIGS")
    replies = [recv(sock) for sock in socks]
    assert [r["id"] for r in replies] == list(range(20))
    assert all(r["ok"] and r["command"] == "QPIGS" for r in replies)
    assert len({r["raw"] for r in replies}) == 1  # one answer shared by all
    assert worker.wire_counts() == {"QPIGS": 1}
    after = counters(clients, worker)
    assert after["coalesced"] - before["coalesced"] == 19


def test_max_age_ms_serves_from_cache(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    before = health(sock)["counters"]
    first = call(sock, id=1, op="query", command="QMOD")
    assert first["ok"] and first["cached"] is False
    cached = call(sock, id=2, op="query", command="QMOD", max_age_ms=5000)
    assert cached["ok"] and cached["cached"] is True
    assert cached["data"] == first["data"] and cached["raw"] == first["raw"]
    fresh = call(sock, id=3, op="query", command="QMOD", max_age_ms=0)
    assert fresh["ok"] and fresh["cached"] is False
    assert worker.wire_counts() == {"QMOD": 2}
    assert health(sock)["counters"]["cache_hits"] - before["cache_hits"] == 1


def test_setter_behind_queued_queries_goes_on_the_wire_next(
    worker: SimWorker, clients: Clients
) -> None:
    a, b, c = (clients.dealer(worker.endpoint) for _ in range(3))
    for sock in (a, b, c):
        health(sock)
    worker.sim.set_faults(spec=["late:1x:300"])
    send(a, id="first", op="query", command="QPIGS")
    worker.wait_on_wire("QPIGS")
    for command in ("QPIRI", "QMOD", "QPIWS", "QFLAG"):
        send(b, id=command, op="query", command=command)
    send(
        c,
        id="setter",
        op="set",
        command="PCP",
        value="Solar first",
        only_if_changed=False,
        verify=False,
        source="test",
    )
    order: list[tuple[str, float]] = []
    for sock, count in ((a, 1), (c, 1), (b, 4)):
        for _ in range(count):
            reply = recv(sock)
            assert reply["ok"], reply
            order.append((reply["id"], time.monotonic()))
    arrival = [rid for rid, _ in sorted(order, key=lambda item: item[1])]
    assert arrival == ["first", "setter", "QPIRI", "QMOD", "QPIWS", "QFLAG"]
    assert worker.wire_order() == ["QPIGS", "PCP", "QPIRI", "QMOD", "QPIWS", "QFLAG"]


def test_request_past_its_deadline_gets_timeout_and_is_not_sent(
    worker: SimWorker, clients: Clients
) -> None:
    a, b = clients.dealer(worker.endpoint), clients.dealer(worker.endpoint)
    health(a), health(b)
    before = health(a)["counters"]
    worker.sim.set_faults(spec=["late:1x:500"])
    send(a, id="slow", op="query", command="QPIGS")
    worker.wait_on_wire("QPIGS")
    started = time.monotonic()
    reply = call(b, id="hurry", op="query", command="QMOD", timeout_ms=100)
    assert reply["ok"] is False and reply["error"]["code"] == "TIMEOUT", reply
    assert time.monotonic() - started < 0.4  # answered at its deadline, not after QPIGS
    assert recv(a)["ok"]
    time.sleep(0.05)
    assert worker.wire_counts() == {"QPIGS": 1}  # QMOD never went on the wire
    assert health(a)["counters"]["expired"] - before["expired"] == 1


def test_query_retried_after_crc_error_and_timeout(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    before = health(sock)["counters"]
    worker.sim.set_faults(spec=["crc:1x"])
    reply = call(sock, id=1, op="query", command="QMOD")
    assert reply["ok"], reply
    worker.sim.set_faults(spec=["no_answer:1x"])
    reply = call(sock, id=2, op="query", command="QPI")
    assert reply["ok"] and reply["data"]["protocol_id"] == "PI30", reply
    after = health(sock)["counters"]
    assert worker.wire_counts() == {"QMOD": 2, "QPI": 2}
    assert after["retries"] - before["retries"] == 2
    assert after["crc_errors"] - before["crc_errors"] == 1
    assert after["timeouts"] - before["timeouts"] == 1


def test_query_gives_up_after_two_retries_and_nak_is_final(
    worker: SimWorker, clients: Clients
) -> None:
    sock = clients.dealer(worker.endpoint)
    worker.sim.set_faults(spec=["crc:3x"])
    reply = call(sock, id=1, op="query", command="QMOD")
    assert reply["ok"] is False and reply["error"]["code"] == "CRC", reply
    assert "data" not in reply  # an error is never published as a reading
    assert worker.wire_counts() == {"QMOD": 3}
    worker.sim.reset_counters()
    worker.sim.set_faults(spec=["nak:1x"])
    reply = call(sock, id=2, op="query", command="QMOD")
    assert reply["ok"] is False and reply["error"]["code"] == "NAK", reply
    assert worker.wire_counts() == {"QMOD": 1}


def test_setter_retried_only_without_a_valid_answer(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    fields: dict[str, Any] = {
        "op": "set",
        "command": "PCP",
        "value": 1,
        "only_if_changed": False,
        "verify": False,
        "source": "retry-test",
    }
    worker.sim.set_faults(spec=["crc:1x"])
    reply = call(sock, id="garbled", **fields)
    assert reply["ok"] and reply["sent"] == "PCP01" and reply["changed"] is True, reply
    assert worker.wire_counts() == {"PCP": 2}
    worker.sim.reset_counters()
    worker.sim.set_faults(spec=["nak:1x"])
    reply = call(sock, id="refused", **fields)
    assert reply["ok"] is False and reply["error"]["code"] == "NAK", reply
    assert worker.wire_count("PCP") == 1
    audit = {e["id"]: e for e in worker.audit_entries() if e["source"] == "retry-test"}
    assert audit["garbled"]["outcome"] == "changed"
    assert audit["refused"]["outcome"] == "NAK" and audit["refused"]["sent"] == "PCP01"
