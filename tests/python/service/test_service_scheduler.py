"""The port queue on its own: priorities, coalescing, bounds, deadlines, shutdown."""

from __future__ import annotations

import threading
import time
from typing import cast

import pytest

from pyworker.errors import BusyError, ShuttingDownError
from pyworker.protocol import get_catalogue
from pyworker.service.scheduler import (
    PRIORITY_INTERACTIVE,
    PRIORITY_POLL,
    QueryJob,
    Scheduler,
    SetJob,
    Waiter,
)
from pyworker.service.wire import Op, Request

CAT = get_catalogue("PI30")


def waiter(rid: int, op: str = "query", command: str = "QMOD", timeout: float = 10.0) -> Waiter:
    now = time.monotonic()
    request = Request(rid, cast(Op, op), command=command)
    return Waiter((b"peer",), request, now, now + timeout)


def submit(s: Scheduler, rid: int, command: str, priority: int = PRIORITY_INTERACTIVE) -> bool:
    return s.submit_query(waiter(rid, command=command), command, CAT.commands[command], priority)


def test_setter_goes_before_queued_queries_and_fifo_within_a_class() -> None:
    s = Scheduler()
    submit(s, 1, "QPIGS")
    submit(s, 2, "QPIRI")
    set_waiter = waiter(3, "set", "POP")
    s.submit_setter(set_waiter, CAT.commands["POP"])
    submit(s, 4, "QMOD")
    order = []
    while (job := s.next_job(0)) is not None:
        order.append(job.key if isinstance(job, QueryJob) else job.command.name)
        s.finish(job)
    assert order == ["POP", "QPIGS", "QPIRI", "QMOD"]


def test_interactive_before_poll_and_upgrade_on_coalescing() -> None:
    s = Scheduler()
    submit(s, 1, "QPIGS", PRIORITY_POLL)
    submit(s, 2, "QPIWS", PRIORITY_POLL)
    submit(s, 3, "QMOD", PRIORITY_INTERACTIVE)
    assert submit(s, 4, "QPIWS", PRIORITY_INTERACTIVE) is True  # joins, and lifts the job
    order = []
    while (job := s.next_job(0)) is not None:
        assert isinstance(job, QueryJob)
        order.append((job.key, len(job.waiters)))
        s.finish(job)
    assert order == [("QPIWS", 2), ("QMOD", 1), ("QPIGS", 1)]


def test_coalescing_with_queued_and_in_flight() -> None:
    s = Scheduler()
    assert submit(s, 1, "QPIGS") is False
    assert submit(s, 2, "QPIGS") is True
    job = s.next_job(0)
    assert isinstance(job, QueryJob)
    assert submit(s, 3, "QPIGS") is True  # joins the one on the wire
    assert s.queue_depth == 0
    waiters = s.finish(job)
    assert [w.request.id for w in waiters] == [1, 2, 3]
    assert submit(s, 4, "QPIGS") is False  # after finish: a new transaction


def test_bound_gives_busy_but_coalescing_still_joins() -> None:
    s = Scheduler(max_jobs=2)
    submit(s, 1, "QPIGS")
    submit(s, 2, "QPIRI")
    with pytest.raises(BusyError):
        submit(s, 3, "QMOD")
    with pytest.raises(BusyError):
        s.submit_setter(waiter(4, "set", "POP"), CAT.commands["POP"])
    assert submit(s, 5, "QPIRI") is True
    assert s.queue_depth == 3


def test_waiter_bound() -> None:
    s = Scheduler(max_jobs=8, max_waiters=3)
    for rid in range(3):
        submit(s, rid, "QMOD")
    with pytest.raises(BusyError):
        submit(s, 9, "QMOD")


def test_expiry_removes_queued_waiters_and_empty_jobs() -> None:
    s = Scheduler()
    short = waiter(1, command="QPIGS", timeout=0.0)
    s.submit_query(short, "QPIGS", CAT.commands["QPIGS"], PRIORITY_INTERACTIVE)
    long = waiter(2, command="QPIRI", timeout=60.0)
    s.submit_query(long, "QPIRI", CAT.commands["QPIRI"], PRIORITY_INTERACTIVE)
    expired = s.expire(time.monotonic() + 0.001)
    assert expired == [short] and short.job is None
    job = s.next_job(0)
    assert isinstance(job, QueryJob) and job.key == "QPIRI"  # QPIGS never reaches the wire
    assert s.next_job(0) is None


def test_expiry_of_in_flight_query_waiter_but_not_in_flight_setter() -> None:
    s = Scheduler()
    w1 = waiter(1, command="QPIGS", timeout=0.05)
    s.submit_query(w1, "QPIGS", CAT.commands["QPIGS"], PRIORITY_INTERACTIVE)
    job = s.next_job(0)
    assert isinstance(job, QueryJob)
    assert s.expire(time.monotonic() + 1) == [w1]
    assert s.finish(job) == []
    setter = waiter(2, "set", "POP", timeout=0.05)
    s.submit_setter(setter, CAT.commands["POP"])
    set_job = s.next_job(0)
    assert isinstance(set_job, SetJob)
    assert s.expire(time.monotonic() + 1) == []  # on the wire: it answers itself
    assert s.finish(set_job) == [setter]


def test_take_queued_answers_a_queued_query() -> None:
    s = Scheduler()
    submit(s, 1, "QPIRI")
    submit(s, 2, "QPIRI")
    assert [w.request.id for w in s.take_queued("QPIRI")] == [1, 2]
    assert s.take_queued("QPIRI") == []
    assert s.next_job(0) is None


def test_close_hands_back_queued_and_refuses_new() -> None:
    s = Scheduler()
    submit(s, 1, "QPIGS")
    in_flight = s.next_job(0)
    submit(s, 2, "QPIRI")
    s.submit_setter(waiter(3, "set", "POP"), CAT.commands["POP"])
    handed_back = s.close()
    assert sorted(cast(int, w.request.id) for w in handed_back) == [2, 3]
    with pytest.raises(ShuttingDownError):
        submit(s, 4, "QMOD")
    assert in_flight is not None and len(s.finish(in_flight)) == 1
    assert s.next_job(0) is None and s.closed


def test_next_job_wakes_on_submit() -> None:
    s = Scheduler()
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(s.next_job(5)))
    thread.start()
    time.sleep(0.05)
    submit(s, 1, "QMOD")
    thread.join(2)
    assert isinstance(got[0], QueryJob)


def test_next_deadline_skips_answered_waiters() -> None:
    s = Scheduler()
    first = waiter(1, command="QPIGS", timeout=1.0)
    s.submit_query(first, "QPIGS", CAT.commands["QPIGS"], PRIORITY_INTERACTIVE)
    second = waiter(2, command="QMOD", timeout=5.0)
    s.submit_query(second, "QMOD", CAT.commands["QMOD"], PRIORITY_INTERACTIVE)
    assert s.next_deadline() == first.deadline
    s.take_queued("QPIGS")
    assert s.next_deadline() == second.deadline


def test_old_queries_take_turns_with_the_setters() -> None:
    s = Scheduler(query_share_s=0.05)
    submit(s, 1, "QPIGS", PRIORITY_POLL)
    submit(s, 2, "QPIRI", PRIORITY_POLL)
    time.sleep(0.06)  # both queries have waited their share
    for rid in range(3, 6):
        s.submit_setter(waiter(rid, "set", "POP"), CAT.commands["POP"])
    submit(s, 6, "QMOD")  # fresh: behind the setters
    order = []
    while (job := s.next_job(0)) is not None:
        order.append(job.key if isinstance(job, QueryJob) else job.command.name)
        s.finish(job)
    assert order == ["QPIGS", "POP", "QPIRI", "POP", "POP", "QMOD"]
