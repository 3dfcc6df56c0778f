"""The resolve op: what a command text is, with the unit's real context."""

from __future__ import annotations

from collections.abc import Callable

from service_helpers import Clients, SimWorker, call


def test_resolve_names_the_entry_its_argument_and_the_policy(
    sim_worker: Callable[..., SimWorker], clients: Clients
) -> None:
    worker = sim_worker("resolve", "--protocol", "PI30")
    sock = clients.dealer(worker.endpoint)
    pop = call(sock, id="r1", op="resolve", command="POP02")
    assert (pop["name"], pop["arg"], pop["kind"], pop["text"]) == (
        "POP",
        "02",
        "setter",
        "POP02",
    )
    assert (pop["dangerous"], pop["permitted"]) == (False, True)
    assert pop["entry"]["values"]["values"][0]["label"].endswith("(00)")
    qpgs = call(sock, id="r2", op="resolve", command="QPGS1")
    assert (qpgs["name"], qpgs["arg"], qpgs["kind"]) == ("QPGS", "1", "query")
    assert "fault_code" in qpgs["entry"]["keys"]
    pf = call(sock, id="r3", op="resolve", command="PF")
    assert (pf["dangerous"], pf["permitted"]) == (True, False)
    assert "--allow-set PF" in pf["refusal"]
    assert call(sock, id="r4", op="resolve", command="NOPE")["error"]["code"] == ("UNKNOWN_COMMAND")
    assert call(sock, id="r5", op="resolve", command="POP09")["error"]["code"] == ("INVALID_VALUE")
    assert worker.wire_counts() == {}  # nothing above needs the unit

    # the unit's own current list: read once, then known (and served in the catalogue)
    first = call(sock, id="r6", op="resolve", command="MUCHGC")
    options = call(sock, id="q", op="query", command="QMUCHGCR", max_age_ms=60000)["data"]
    served = [int(v["value"]) for v in first["entry"]["values"]["values"]]
    assert first["entry"]["values"]["source"] == "unit"
    assert served == options["max_ac_charging_current_options"]
    call(sock, id="r7", op="resolve", command="MUCHGC")
    assert worker.wire_count("QMUCHGCR") == 1
    catalogue = call(sock, id="c", op="catalogue")["catalogue"]
    muchgc = next(c for c in catalogue["commands"] if c["name"] == "MUCHGC")
    assert muchgc["values"]["source"] == "unit"
    # the battery voltage steps: QPIRI read once
    pbcv = call(sock, id="r8", op="resolve", command="PBCV")
    assert pbcv["entry"]["values"]["source"] == "unit"
    assert worker.wire_count("QPIRI") == 1
