"""The setter audit log: one JSON line per setter attempt, flushed before the reply goes out."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger("pyworker.audit")


class AuditLog:
    """Appends to ``path``; without a path the lines go to the log (stderr) instead."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")

    def record(
        self,
        *,
        source: str | None,
        command: str | None,
        value: Any,
        sent: str | None,
        outcome: str,
        request_id: Any = None,
        changed: bool | None = None,
        verified: bool | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "source": source,
            "id": request_id,
            "command": command,
            "value": value,
            "sent": sent,
            "outcome": outcome,
            "changed": changed,
            "verified": verified,
        }
        if message:
            entry["message"] = message
        line = json.dumps(entry, ensure_ascii=False, default=repr)
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
            else:
                log.info("audit %s", line)
        return entry

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
