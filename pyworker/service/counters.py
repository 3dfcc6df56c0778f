"""Health counters, shared by the server and port threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass
class Counters:
    """What ``health`` reports under ``counters``.

    transactions: request frames written to the port (retries and internal reads included);
    crc_errors / timeouts / naks / malformed: failed transactions by cause; retries: repeated
    transactions; coalesced: requests answered by another request's transaction; cache_hits:
    requests answered from the cache; setters: setter requests received; refused: setters
    refused by policy or validation (NOT_ALLOWED, INVALID_VALUE); busy: requests refused with
    BUSY; expired: requests answered TIMEOUT before reaching the wire; shape_mismatches:
    answers with a valid CRC but not the shape of an answer to the request (another request's
    answer, counted in malformed too); stale_bytes_dropped: bytes that arrived outside any
    exchange (late answers, another program's traffic) and were thrown away; internal_errors:
    requests that met a bug (answered INTERNAL).
    """

    requests: int = 0
    transactions: int = 0
    crc_errors: int = 0
    timeouts: int = 0
    naks: int = 0
    malformed: int = 0
    retries: int = 0
    coalesced: int = 0
    cache_hits: int = 0
    setters: int = 0
    refused: int = 0
    busy: int = 0
    expired: int = 0
    shape_mismatches: int = 0
    stale_bytes_dropped: int = 0
    internal_errors: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_lock"}
