"""The setter audit log: one JSON line per setter attempt, flushed before the reply goes out."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger("pyworker.audit")


class AuditLog:
    """Appends to ``path``; without a path the lines go to the log (stderr) instead.

    The file is created 0600 (settings and who asked are nobody else's business), or 0640
    owned by ``group`` when one is given (e.g. a group whose members may read the trail).
    An existing file is narrowed to that mode too.
    """

    def __init__(self, path: str | Path | None = None, group: str | int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            mode = 0o600 if group is None else 0o640
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
            try:
                if group is not None:
                    os.fchown(fd, -1, _group_id(group))
                os.fchmod(fd, mode)
            except BaseException:
                os.close(fd)
                raise
            self._file = os.fdopen(fd, "a", encoding="utf-8")

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
        try:
            line = json.dumps(entry, ensure_ascii=False, default=repr)
        except (ValueError, TypeError, RecursionError):  # never lose the line for its value
            entry["value"] = f"<{type(value).__name__} that cannot be logged>"
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


def _group_id(group: str | int) -> int:
    if isinstance(group, int):
        return group
    import grp  # POSIX only: imported where used

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError(f"audit log group {group!r} does not exist") from None
