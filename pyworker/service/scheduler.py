"""The queue of one port: priorities, coalescing of identical queries, deadlines, a bound.

Thread-safe. The server thread submits and expires; the port thread takes one job at a time.
Whoever removes a waiter from the scheduler (under its lock) owns it and sends its one reply,
so no request is answered twice.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import BusyError, ShuttingDownError
from ..protocol import Command
from .wire import Request

PRIORITY_SETTER = 0
PRIORITY_INTERACTIVE = 1
PRIORITY_POLL = 2
QUERY_PRIORITIES = {"interactive": PRIORITY_INTERACTIVE, "poll": PRIORITY_POLL}
DEFAULT_QUERY_SHARE_S = 1.0
"""How long a queued query may wait behind more urgent jobs before it goes next (aging):
setters keep their priority, but a stream of them cannot starve the queries."""


@dataclass(eq=False)
class Waiter:
    """One request waiting for its reply. ``envelope`` is the ROUTER routing frames."""

    envelope: tuple[bytes, ...]
    request: Request
    received: float
    deadline: float
    job: Job | None = None
    replied: bool = False
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class QueryJob:
    """One wire transaction that answers every waiter attached to it."""

    key: str
    command: Command
    waiters: list[Waiter]
    priority: int
    seq: int
    queued_at: float = 0.0  # time.monotonic() when queued


@dataclass(eq=False)
class SetJob:
    waiter: Waiter
    command: Command
    seq: int
    priority: int = PRIORITY_SETTER
    queued_at: float = 0.0


Job = QueryJob | SetJob


class Scheduler:
    def __init__(
        self,
        max_jobs: int = 64,
        max_waiters: int = 4096,
        query_share_s: float = DEFAULT_QUERY_SHARE_S,
    ) -> None:
        self.max_jobs = max_jobs
        self.max_waiters = max_waiters
        self.query_share_s = query_share_s
        self._cond = threading.Condition(threading.Lock())
        self._queued: list[Job] = []
        self._by_key: dict[str, QueryJob] = {}
        self._inflight: Job | None = None
        self._deadlines: list[tuple[float, int, Waiter]] = []
        self._seq = itertools.count()
        self._attached = 0
        self._closed = False
        self._aged_went_last = False  # an aged query just went ahead of a waiting setter

    # -- submitting (server thread) ---------------------------------------------------------
    def submit_query(self, waiter: Waiter, key: str, command: Command, priority: int) -> bool:
        """Queue a query, or join an identical queued or in-flight one (returns True then)."""
        with self._cond:
            self._check_open()
            if self._attached >= self.max_waiters:
                raise BusyError(f"queue full ({self._attached} requests waiting)")
            inflight = self._inflight
            job = self._by_key.get(key)
            if job is None and isinstance(inflight, QueryJob) and inflight.key == key:
                job = inflight
            if job is not None:
                self._attach(waiter, job)
                if priority < job.priority and job is not inflight:
                    job.priority = priority
                return True
            self._check_room()
            seq = next(self._seq)
            job = QueryJob(key, command, [], priority, seq, time.monotonic())
            self._attach(waiter, job)
            self._queued.append(job)
            self._by_key[key] = job
            self._cond.notify()
            return False

    def submit_setter(self, waiter: Waiter, command: Command) -> None:
        with self._cond:
            self._check_open()
            self._check_room()
            job = SetJob(waiter, command, next(self._seq), queued_at=time.monotonic())
            waiter.job = job
            self._attached += 1
            heapq.heappush(self._deadlines, (waiter.deadline, job.seq, waiter))
            self._queued.append(job)
            self._cond.notify()

    def _check_open(self) -> None:
        if self._closed:
            raise ShuttingDownError("the worker is shutting down")

    def _check_room(self) -> None:
        if len(self._queued) >= self.max_jobs:
            raise BusyError(f"queue full ({len(self._queued)} transactions waiting)")

    def _attach(self, waiter: Waiter, job: QueryJob) -> None:
        waiter.job = job
        job.waiters.append(waiter)
        self._attached += 1
        heapq.heappush(self._deadlines, (waiter.deadline, next(self._seq), waiter))

    # -- the port thread ----------------------------------------------------------------------
    def next_job(self, timeout: float) -> Job | None:
        """The most urgent queued job, now in flight; None on timeout or once closed.

        Setters first, then interactive queries, then polls - except that a query queued
        longer than ``query_share_s`` goes next (the oldest such first), taking turns with
        the setters while both wait: a stream of setters cannot starve the queries, and a
        crowd of old queries cannot starve the setters.
        """
        with self._cond:
            if not self._queued and not self._closed:
                self._cond.wait(timeout)
            if not self._queued:
                return None
            aged_before = time.monotonic() - self.query_share_s
            aged = [
                j for j in self._queued if isinstance(j, QueryJob) and j.queued_at <= aged_before
            ]
            setter_waits = any(isinstance(j, SetJob) for j in self._queued)
            job: Job
            if aged and not (setter_waits and self._aged_went_last):
                job = min(aged, key=lambda j: j.seq)
                self._aged_went_last = setter_waits
            else:
                job = min(self._queued, key=lambda j: (j.priority, j.seq))
                self._aged_went_last = False
            self._queued.remove(job)
            if isinstance(job, QueryJob):
                del self._by_key[job.key]
            self._inflight = job
            return job

    def finish(self, job: Job) -> list[Waiter]:
        """Detach and return the waiters a finished job answers (none can join after this)."""
        with self._cond:
            if self._inflight is job:
                self._inflight = None
            if isinstance(job, QueryJob):
                waiters, job.waiters = job.waiters, []
            else:
                waiters = [job.waiter] if job.waiter.job is job else []
            for waiter in waiters:
                waiter.job = None
            self._attached -= len(waiters)
            return waiters

    def take_queued(self, key: str) -> list[Waiter]:
        """Remove a queued query that an internal read of the same command just answered."""
        with self._cond:
            job = self._by_key.pop(key, None)
            if job is None:
                return []
            self._queued.remove(job)
            waiters, job.waiters = job.waiters, []
            for waiter in waiters:
                waiter.job = None
            self._attached -= len(waiters)
            return waiters

    def waiters_left(self, job: Job) -> int:
        with self._cond:
            if isinstance(job, QueryJob):
                return len(job.waiters)
            return 1 if job.waiter.job is job else 0

    # -- deadlines ----------------------------------------------------------------------------
    def expire(self, now: float | None = None) -> list[Waiter]:
        """Remove and return the waiters whose deadline passed (in-flight setters excepted)."""
        now = time.monotonic() if now is None else now
        expired: list[Waiter] = []
        with self._cond:
            while self._deadlines and self._deadlines[0][0] <= now:
                waiter = heapq.heappop(self._deadlines)[2]
                job = waiter.job
                if job is None:
                    continue
                if isinstance(job, SetJob):
                    if job is self._inflight:
                        continue  # a setter on the wire finishes and answers itself
                    self._queued.remove(job)
                else:
                    job.waiters.remove(waiter)
                    if not job.waiters and job is not self._inflight:
                        self._queued.remove(job)
                        del self._by_key[job.key]
                waiter.job = None
                self._attached -= 1
                expired.append(waiter)
        return expired

    def next_deadline(self) -> float | None:
        with self._cond:
            while self._deadlines and self._deadlines[0][2].job is None:
                heapq.heappop(self._deadlines)
            return self._deadlines[0][0] if self._deadlines else None

    # -- state and shutdown -------------------------------------------------------------------
    @property
    def queue_depth(self) -> int:
        """Requests waiting for the wire (in-flight ones not counted)."""
        with self._cond:
            return sum(len(j.waiters) if isinstance(j, QueryJob) else 1 for j in self._queued)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> list[Waiter]:
        """Refuse new work and hand back every queued waiter (the in-flight job finishes)."""
        with self._cond:
            self._closed = True
            waiters: list[Waiter] = []
            for job in self._queued:
                if isinstance(job, QueryJob):
                    waiters.extend(job.waiters)
                    job.waiters = []
                else:
                    waiters.append(job.waiter)
            self._queued.clear()
            self._by_key.clear()
            for waiter in waiters:
                waiter.job = None
            self._attached -= len(waiters)
            self._cond.notify_all()
            return waiters

    def abandon_in_flight(self) -> list[Waiter]:
        """Hand back the waiters of the job on the wire when its thread is gone."""
        job = self._inflight
        return self.finish(job) if job is not None else []
