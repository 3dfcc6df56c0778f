"""The audit log writes one flushed JSON line per record."""

from __future__ import annotations

import json
from pathlib import Path

from pyworker.service.audit import AuditLog


def test_lines_are_flushed_before_close(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "audit.jsonl"
    audit = AuditLog(path)
    audit.record(
        source="ha",
        command="POP",
        value="SBU first",
        sent="POP02",
        outcome="changed",
        request_id=1,
        changed=True,
        verified=True,
    )
    # Read while the log is still open: the line must already be on disk.
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["command"] == "POP" and entry["sent"] == "POP02"
    assert entry["outcome"] == "changed" and entry["verified"] is True
    assert entry["time"].endswith("Z")
    audit.record(
        source=None,
        command="PF",
        value=b"\x01",
        sent=None,
        outcome="NOT_ALLOWED",
        message="dangerous",
    )
    audit.close()
    second = json.loads(path.read_text().splitlines()[1])
    assert second["outcome"] == "NOT_ALLOWED" and second["message"] == "dangerous"
    assert second["value"] == repr(b"\x01")  # any msgpack value stays a valid JSON line
