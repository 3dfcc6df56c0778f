"""Row 9: the worker's resident memory, idle and after a long stretch of polling.

A worker of its own serves a simulator of its own (paced pty), so this row can run in the
background of the others without touching their port or counters: RSS is sampled while the
worker is idle, then a separate client process (`python -m bench.memory poll ENDPOINT`) runs
full poll cycles back to back (QPIGS, QPIRI, QMOD, QPIWS, QFLAG at priority "poll", plus a QMOD
with max_age_ms, which the cache answers) until SIGTERM, while RSS is sampled every few seconds.
It polls for at least the planned time, longer when the other rows take longer.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from pyworker.service.client import WorkerClient

from .fullstack import POLL
from .processes import ROOT, SimProcess, WorkerProcess

SAMPLE_EVERY_S = 5.0


def poll_until_stopped(endpoint: str, stop: threading.Event) -> dict[str, Any]:
    """Full poll cycles back to back until ``stop``; counts of cycles, replies, errors."""
    counts: dict[str, Any] = {"cycles": 0, "replies": 0, "errors": 0, "cached": 0}
    started = time.monotonic()
    with WorkerClient(endpoint) as client:
        while not stop.is_set():
            ids = {client.send("query", command=c, priority="poll") for c in POLL}
            ids.add(client.send("query", command="QMOD", max_age_ms=5000))
            while ids:
                reply = client.receive(30.0)
                if reply.get("id") not in ids:
                    continue
                ids.discard(reply["id"])
                counts["replies"] += 1
                counts["errors"] += not reply.get("ok")
                counts["cached"] += bool(reply.get("cached"))
            counts["cycles"] += 1
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def poll_main(endpoint: str) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps(poll_until_stopped(endpoint, stop)), flush=True)


class MemoryRow:
    """Start in the background, sample idle RSS, poll for a while, sample again."""

    def __init__(self) -> None:
        self.sim = SimProcess()
        self.worker = WorkerProcess(self.sim.path)
        self.started = time.monotonic()
        self.samples: list[tuple[float, str, float]] = []  # (s since start, phase, MiB)
        self._phase = "idle"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, daemon=True)
        self._thread.start()
        self._poller: subprocess.Popen[str] | None = None
        self.poll_started = 0.0
        self.poll_seconds = 0.0

    def _sample(self) -> None:
        rss = self.worker.rss_mib()
        if rss is not None:
            self.samples.append((round(time.monotonic() - self.started, 1), self._phase, rss))

    def _sample_loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S if self._phase == "polling" else 1.0):
            self._sample()

    def start_polling(self, seconds: float) -> None:
        self._phase = "polling"
        self.poll_seconds = seconds
        self.poll_started = time.monotonic()
        self._poller = subprocess.Popen(
            [sys.executable, "-m", "bench.memory", "poll", self.worker.endpoint],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )

    def remaining_s(self) -> float:
        return max(0.0, self.poll_started + self.poll_seconds - time.monotonic())

    def finish(self) -> dict[str, Any]:
        """Wait for the polling to end, take the after-polling samples, stop everything."""
        assert self._poller is not None
        time.sleep(self.remaining_s())
        self._poller.terminate()  # it ends its poll cycle and reports
        out, _ = self._poller.communicate(timeout=60)
        counts = json.loads(out.strip().splitlines()[-1])
        self._phase = "after"
        self._stop.set()
        self._thread.join()
        after = []
        for _ in range(5):
            self._sample()
            after.append(self.samples[-1][2])
            time.sleep(0.5)
        idle = [mib for _, phase, mib in self.samples if phase == "idle"]
        health = self.worker.health()["counters"]
        self.worker.stop()
        self.sim.stop()
        return {
            "idle_mib": idle,
            "after_mib": after,
            "peak_mib": max(mib for _, _, mib in self.samples),
            "polled_s": counts["seconds"],
            "poll": counts,
            "worker_transactions": health["transactions"],
            "timeline": self.samples,
        }

    def abort(self) -> None:
        self._stop.set()
        if self._poller is not None and self._poller.poll() is None:
            self._poller.kill()
            self._poller.wait()
        self.worker.stop()
        self.sim.stop()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "poll":
        poll_main(sys.argv[2])
    else:
        sys.exit("usage: python -m bench.memory poll ENDPOINT")
