"""Rows 1, 3 and 5: transactions through the full stack (client -> ZeroMQ -> worker -> pty ->
paced simulator), each run against the wire floor of exactly the bytes that crossed the line.

- transaction_times: QMOD, QPIGS, QPIRI and a setter (POP02 -> ACK, sent as is: no read-back
  and no only-if-changed read, so it is one wire transaction like mpp-solar's), one after the
  other, round-robin so that drift hits them alike.
- full_poll_times: the five poll queries sent at once (priority "poll", as pi30-query polls);
  time until the last reply, against the sum of the five floors.
- setter_during_poll: a poll cycle is queued, QPIGS is on the wire, then a setter arrives; time
  from its request to its ACK, and how many wire transactions went before it (simulator log).
"""

from __future__ import annotations

import time
from typing import Any

from pyworker.service.client import WorkerClient
from pyworker.sim import SimControl

from .stats import wire_floor_ms

QUERIES = ("QMOD", "QPIGS", "QPIRI")
SETTER: dict[str, Any] = {
    "command": "POP",
    "value": "02",
    "only_if_changed": False,
    "verify": False,
    "source": "bench",
}
POLL = ("QPIGS", "QPIRI", "QMOD", "QPIWS", "QFLAG")
REPLY_WAIT_S = 15.0


class BenchError(RuntimeError):
    """A measurement could not be taken (an error reply, a missing answer)."""


def _checked(reply: dict[str, Any]) -> dict[str, Any]:
    if not reply.get("ok"):
        raise BenchError(f"error reply: {reply.get('error')}")
    return reply


def one_transaction(client: WorkerClient, label: str) -> tuple[float, float]:
    """(elapsed ms, wire floor ms) of one query (``label`` = its command) or the setter."""
    started = time.perf_counter()
    if label == "setter":
        reply = _checked(client.request("set", timeout_s=REPLY_WAIT_S, **SETTER))
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, wire_floor_ms(reply["sent"], "ACK")
    reply = _checked(client.request("query", timeout_s=REPLY_WAIT_S, command=label))
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, wire_floor_ms(label, reply["raw"])


def transaction_times(endpoint: str, runs: int) -> dict[str, dict[str, list[float]]]:
    """Per label (QMOD, QPIGS, QPIRI, setter): elapsed ms and floor ms of every run."""
    labels = (*QUERIES, "setter")
    out: dict[str, dict[str, list[float]]] = {k: {"ms": [], "floor_ms": []} for k in labels}
    with WorkerClient(endpoint) as client:
        for label in labels:  # warm-up: connection, caches of the code path
            one_transaction(client, label)
        for _ in range(runs):
            for label in labels:
                elapsed, floor = one_transaction(client, label)
                out[label]["ms"].append(elapsed)
                out[label]["floor_ms"].append(floor)
    return out


def _send_poll(client: WorkerClient) -> dict[str | int, str]:
    return {
        client.send("query", command=command, priority="poll", timeout_ms=10_000): command
        for command in POLL
    }


def _collect(client: WorkerClient, ids: dict[str | int, str]) -> dict[str, dict[str, Any]]:
    replies: dict[str, dict[str, Any]] = {}
    while len(replies) < len(ids):
        reply = client.receive(REPLY_WAIT_S)
        if reply.get("id") in ids:
            replies[ids[reply["id"]]] = _checked(reply)
    return replies


def full_poll_times(endpoint: str, runs: int) -> dict[str, list[float]]:
    """Elapsed ms until the fifth reply, and the floor (sum of the five floors), per run."""
    out: dict[str, list[float]] = {"ms": [], "floor_ms": []}
    with WorkerClient(endpoint) as client:
        _collect(client, _send_poll(client))  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            replies = _collect(client, _send_poll(client))
            out["ms"].append((time.perf_counter() - started) * 1000)
            out["floor_ms"].append(sum(wire_floor_ms(c, r["raw"]) for c, r in replies.items()))
    return out


def setter_during_poll(
    endpoint: str, control: SimControl, runs: int, offset_s: float = 0.1
) -> dict[str, Any]:
    """Per run: setter latency (ms), the wire transactions before it, and the bound "one
    in-flight transaction": the floor of the QPIGS on the wire plus the setter's own floor."""
    out: dict[str, Any] = {"ms": [], "bound_ms": [], "ahead": [], "order": [], "offset_s": offset_s}
    with WorkerClient(endpoint) as poller, WorkerClient(endpoint) as setter:
        for _ in range(runs):
            control.reset_counters()
            ids = _send_poll(poller)
            time.sleep(offset_s)  # QPIGS is on the wire, four more poll queries wait
            started = time.perf_counter()
            reply = _checked(setter.request("set", timeout_s=REPLY_WAIT_S, **SETTER))
            out["ms"].append((time.perf_counter() - started) * 1000)
            replies = _collect(poller, ids)
            order = [entry["cmd"] for entry in control.status()["recent"]]
            if "POP" not in order:
                raise BenchError(f"the setter never reached the wire: {order}")
            out["ahead"].append(order.index("POP"))
            out["order"].append(order)
            in_flight = wire_floor_ms("QPIGS", replies["QPIGS"]["raw"])
            out["bound_ms"].append(in_flight + wire_floor_ms(reply["sent"], "ACK"))
    return out
