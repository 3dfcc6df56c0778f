"""Setters through a real worker: skip identical writes, verify, policy, validation, audit."""

from __future__ import annotations

from typing import Any

import zmq
from service_helpers import Clients, SimWorker, call


def set_(
    sock: zmq.Socket[Any], rid: str, command: str, value: object, **options: Any
) -> dict[str, Any]:
    return call(sock, id=rid, op="set", command=command, value=value, source="set-live", **options)


def test_only_if_changed_skips_an_identical_write(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    assert set_(sock, "oic-1", "POP", "Solar first")["ok"]
    worker.sim.reset_counters()
    again = set_(sock, "oic-2", "POP", 1)
    assert again["ok"], again
    assert (again["sent"], again["changed"], again["verified"]) == (None, False, True)
    assert worker.wire_counts() == {}  # no frame at all: the read-back was seconds old
    forced = set_(sock, "oic-3", "POP", "01", only_if_changed=False)
    assert (forced["sent"], forced["changed"], forced["verified"]) == ("POP01", True, True)
    assert worker.wire_count("POP") == 1
    back = set_(sock, "oic-4", "POP", "SBU first")
    assert (back["sent"], back["changed"], back["verified"]) == ("POP02", True, True)


def test_only_if_changed_reads_the_unit_when_no_fresh_readback(
    worker: SimWorker, clients: Clients
) -> None:
    sock = clients.dealer(worker.endpoint)
    current = call(sock, id="qcst", op="query", command="QCST")["raw"]
    worker.sim.reset_counters()
    # QCST was read just now: the skip needs no frame; after a write the cache is dropped.
    reply = set_(sock, "pcst-1", "PCST", current)
    assert (reply["sent"], reply["changed"]) == (None, False)
    assert worker.wire_counts() == {}
    other = "01" if current != "01" else "00"
    reply = set_(sock, "pcst-2", "PCST", other)
    assert (reply["sent"], reply["changed"], reply["verified"]) == (f"PCST{other}", True, True)
    assert worker.wire_counts() == {"PCST": 1, "QCST": 1}  # write, then the verify read
    assert set_(sock, "pcst-3", "PCST", current)["changed"] is True


def test_verify_reports_a_write_the_unit_ignored(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    before = call(sock, id="qpiri", op="query", command="QPIRI")["data"]["input_voltage_range"]
    target = "UPS" if before == "Appliance" else "Appliance"
    worker.sim.ignore_writes(True)
    reply = set_(sock, "ignored", "PGR", target)
    assert reply["ok"] is True, reply  # the unit said ACK...
    assert reply["changed"] is True and reply["sent"] in ("PGR00", "PGR01")
    assert reply["verified"] is False  # ...but the read-back still shows the old value
    unverified = set_(sock, "no-verify", "PGR", target, verify=False)
    assert unverified["verified"] is None
    worker.sim.ignore_writes(False)
    entries = {e["id"]: e for e in worker.audit_entries() if e["source"] == "set-live"}
    assert entries["ignored"]["verified"] is False


def test_dangerous_setter_not_allowed_and_nothing_sent(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    for rid, command, value in (
        ("pf", "PF", None),
        ("pbt", "PBT", "AGM"),
        ("dat", "DAT", "260101120000"),
    ):
        reply = set_(sock, rid, command, value)
        assert reply["ok"] is False and reply["error"]["code"] == "NOT_ALLOWED", reply
        assert f"--allow-set {command}" in reply["error"]["message"]
    assert worker.wire_counts() == {}


def test_invalid_values_list_what_is_allowed(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    unit_list = call(sock, id="list", op="query", command="QMUCHGCR")["data"][
        "max_ac_charging_current_options"
    ]
    worker.sim.reset_counters()
    reply = set_(sock, "muchgc", "MUCHGC", 25)
    assert reply["error"]["code"] == "INVALID_VALUE"
    assert reply["error"]["allowed"] == unit_list  # the unit's own list, not the catalogue's
    reply = set_(sock, "pop", "POP", "banana")
    assert reply["error"]["allowed"] == ["00 (Utility first)", "01 (Solar first)", "02 (SBU first)"]
    reply = set_(sock, "pbcv", "PBCV", 60)
    assert reply["error"]["code"] == "INVALID_VALUE" and 44 in reply["error"]["allowed"]
    assert worker.wire_counts() == {}  # the option list and QPIRI were already known
    assert call(sock, id="x", op="set", command="XYZ")["error"]["code"] == "UNKNOWN_COMMAND"
    wrong_op = call(sock, id="y", op="set", command="QPIGS")
    assert wrong_op["error"]["code"] == "INVALID_REQUEST"


def test_audit_log_has_one_line_per_attempt(worker: SimWorker, clients: Clients) -> None:
    sock = clients.dealer(worker.endpoint)
    outcomes = {
        "a-changed": set_(sock, "a-changed", "PSPB", 0),
        "a-unchanged": set_(sock, "a-unchanged", "PSPB", 0),
        "a-refused": set_(sock, "a-refused", "PF", None),
        "a-invalid": set_(sock, "a-invalid", "PSPB", 7),
        "a-bad-field": call(sock, id="a-bad-field", op="set", command="PSPB", verify="yes"),
        "a-restore": set_(sock, "a-restore", "PSPB", 1),
    }
    entries = [e for e in worker.audit_entries() if str(e["id"]).startswith("a-")]
    assert sorted(e["id"] for e in entries) == sorted(outcomes)  # exactly one line each
    by_id = {e["id"]: e for e in entries}
    assert by_id["a-changed"]["outcome"] == "changed" and by_id["a-changed"]["sent"] == "PSPB0"
    assert by_id["a-unchanged"]["outcome"] == "unchanged" and by_id["a-unchanged"]["sent"] is None
    assert by_id["a-refused"]["outcome"] == "NOT_ALLOWED"
    assert by_id["a-invalid"]["outcome"] == "INVALID_VALUE" and by_id["a-invalid"]["value"] == 7
    assert by_id["a-bad-field"]["outcome"] == "INVALID_REQUEST"
    for entry in entries:
        assert set(entry) >= {"time", "source", "command", "value", "sent", "outcome"}
    assert outcomes["a-changed"]["sent"] == "PSPB0"
