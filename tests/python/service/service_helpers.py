"""Helpers for the service tests: real worker processes on the simulator (started as
cli_runner starts every CLI process), real DEALER sockets.

(A uniquely named module: test directories have no __init__.py, so ``conftest`` is ambiguous.)"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import msgpack
import zmq
from cli_runner import WorkerProcess, free_port


class Clients:
    """DEALER sockets on one context, closed at teardown."""

    def __init__(self) -> None:
        self.context: zmq.Context[Any] = zmq.Context()
        self.sockets: list[zmq.Socket[Any]] = []

    def dealer(self, endpoint: str, **options: Any) -> zmq.Socket[Any]:
        sock: zmq.Socket[Any] = self.context.socket(zmq.DEALER)
        sock.linger = 0
        for name, value in options.items():
            setattr(sock, name, value)
        sock.connect(endpoint)
        self.sockets.append(sock)
        return sock

    def close(self) -> None:
        for sock in self.sockets:
            sock.close(linger=0)
        self.context.term()


def send(sock: zmq.Socket[Any], **message: Any) -> None:
    message.setdefault("v", 1)
    sock.send(msgpack.packb(message, use_bin_type=True))


def recv(sock: zmq.Socket[Any], timeout: float = 10.0) -> dict[str, Any]:
    if not sock.poll(int(timeout * 1000)):
        raise AssertionError(f"no reply within {timeout} s")
    frames = sock.recv_multipart()
    assert len(frames) == 1, f"a reply is one frame, got {len(frames)}"
    reply: dict[str, Any] = msgpack.unpackb(frames[0], raw=False)
    return reply


def call(sock: zmq.Socket[Any], timeout: float = 10.0, **message: Any) -> dict[str, Any]:
    send(sock, **message)
    return recv(sock, timeout)


def sim_url(name: str, control: str, **options: object) -> str:
    """A sim:// port with pacing and processing latency off, steerable through ``control``."""
    params = {"model": "pi30", "pacing": 0, "latency_ms": 0, "seed": 7, **options}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"sim://?{query}&name={name}&control={control}"


class SimWorker:
    """A worker process serving a simulator, the simulator's control client and audit log."""

    def __init__(
        self,
        tmp: Path,
        name: str,
        *extra: str,
        connect: str | None = None,
        ready_timeout: float = 20.0,
        **sim_options: object,
    ) -> None:
        from pyworker.sim import SimControl

        self.control_endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.audit_path = tmp / f"{name}-audit.jsonl"
        self.port_url = sim_url(name, self.control_endpoint, **sim_options)
        self.process = WorkerProcess.ready(
            "--port",
            self.port_url,
            "--audit-log",
            str(self.audit_path),
            *extra,
            endpoint=connect,
            ready_timeout=ready_timeout,
        )
        self.endpoint = self.process.endpoint
        self.sim = SimControl(self.control_endpoint)
        self.closed = False
        self.sim.reset_counters()  # forget the identity reads made at connect

    def wire_counts(self) -> dict[str, int]:
        """Transactions the simulated unit saw, per command, since the last reset."""
        counts: dict[str, int] = self.sim.status()["transactions"]
        return counts

    def wire_count(self, command: str) -> int:
        """Transactions of one setter or query, whatever argument it carried (the simulator
        counts a fault-injected NAK under the full text, e.g. PCP01)."""
        return sum(n for cmd, n in self.wire_counts().items() if cmd.startswith(command))

    def wait_on_wire(self, command: str, timeout: float = 5.0) -> None:
        """Until the simulated unit has received ``command`` (its answer may still be due)."""
        deadline = time.monotonic() + timeout
        while self.wire_count(command) == 0:
            assert time.monotonic() < deadline, f"{command} never reached the wire"
            time.sleep(0.005)

    def wire_order(self) -> list[str]:
        return [entry["cmd"] for entry in self.sim.status()["recent"]]

    def audit_entries(self) -> list[dict[str, Any]]:
        import json

        if not self.audit_path.exists():
            return []
        return [json.loads(line) for line in self.audit_path.read_text().splitlines()]

    def reset(self) -> None:
        """Back to a clean simulated unit between tests (no faults, writes applied)."""
        self.sim.set_faults(clear=True)
        self.sim.ignore_writes(False)
        self.sim.plug()
        self.sim.reset_counters()

    def close(self, sig: int = signal.SIGTERM) -> int:
        """Stops the worker with ``sig``; its exit status (again on a second call)."""
        if not self.closed:
            self.closed = True
            self.sim.close()
        return self.process.stop(sig)


def health(sock: zmq.Socket[Any]) -> dict[str, Any]:
    reply = call(sock, id="health", op="health")
    assert reply["ok"], reply
    return reply
