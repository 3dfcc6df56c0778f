"""A PI30MAX worker: identity from QSID, MAX-only queries and labels, its own catalogue."""

from __future__ import annotations

from collections.abc import Callable

from service_helpers import Clients, SimWorker, call, health


def test_pi30max_worker(sim_worker: Callable[..., SimWorker], clients: Clients) -> None:
    worker = sim_worker("max", "--protocol", "PI30MAX", model="pi30max")
    sock = clients.dealer(worker.endpoint)
    status = health(sock)
    assert status["protocol"] == "PI30MAX"
    assert status["device"]["serial"] and status["device"]["protocol_id"] == "PI30"
    pv2 = call(sock, id=1, op="query", command="QPIGS2")
    assert pv2["ok"] and "pv2_input_voltage" in pv2["data"], pv2
    catalogue = call(sock, id=2, op="catalogue")
    assert catalogue["protocol"] == "PI30MAX"
    assert "QPIGS2" in {c["name"] for c in catalogue["catalogue"]["commands"]}
    reply = call(sock, id=3, op="set", command="POP", value="Solar Utility Battery")
    assert reply["ok"] and reply["sent"] == "POP01" and reply["verified"] is True, reply
    qpiri = call(sock, id=4, op="query", command="QPIRI", max_age_ms=5000)
    assert qpiri["cached"] and qpiri["data"]["output_source_priority"] == "Solar Utility Battery"
