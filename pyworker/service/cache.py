"""The last good answer of each query, for ``max_age_ms`` and setter read-backs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..protocol import Decoded


@dataclass(frozen=True)
class CachedAnswer:
    decoded: Decoded
    at: float  # time.monotonic() when the answer came off the wire

    def age(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.at


class AnswerCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, CachedAnswer] = {}

    def put(self, key: str, decoded: Decoded, at: float | None = None) -> None:
        with self._lock:
            self._answers[key] = CachedAnswer(decoded, time.monotonic() if at is None else at)

    def get(self, key: str, max_age_s: float, now: float | None = None) -> CachedAnswer | None:
        with self._lock:
            answer = self._answers.get(key)
        if answer is None or answer.age(now) > max_age_s:
            return None
        return answer

    def latest(self, key: str) -> CachedAnswer | None:
        with self._lock:
            return self._answers.get(key)

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._answers.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
