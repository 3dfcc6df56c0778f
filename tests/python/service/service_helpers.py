"""Helpers for the service tests: real worker processes on the simulator, real DEALER sockets.

(A uniquely named module: test directories have no __init__.py, so ``conftest`` is ambiguous.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class WorkerProcess:
    """``pi30-worker serve`` in a child process; its stderr is collected line by line."""

    def __init__(self, args: list[str], endpoint: str | None = None) -> None:
        self.endpoint = endpoint or f"tcp://127.0.0.1:{free_port()}"
        bind = [] if "--bind" in args else ["--bind", self.endpoint]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyworker.cli", "serve", *bind, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, fragment: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(fragment in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                self._reader.join(2)
                raise AssertionError(f"worker exited {self.proc.returncode}:\n{self.log}")
            time.sleep(0.02)
        raise AssertionError(f"no {fragment!r} in the worker log:\n{self.log}")

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Listening, and the device identity read (the port is connected)."""
        self.wait_for_log("device: ", timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)
        return self.proc.returncode


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


def pty_simulator(*options: str) -> subprocess.Popen[str]:
    """``pi30-worker sim --pty`` in a child process; its first stdout line is the pty path."""
    return subprocess.Popen(
        [sys.executable, "-m", "pyworker.cli", "sim", "--pty", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def sim_url(name: str, control: str, **options: object) -> str:
    """A sim:// port with pacing and processing latency off, steerable through ``control``."""
    params = {"model": "pi30", "pacing": 0, "latency_ms": 0, "seed": 7, **options}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"sim://?{query}&name={name}&control={control}"


class SimWorker:
    """A worker process serving a simulator, the simulator's control client and audit log."""

    def __init__(
        self, tmp: Path, name: str, *extra: str, connect: str | None = None, **sim_options: object
    ) -> None:
        from pyworker.sim import SimControl

        self.control_endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.audit_path = tmp / f"{name}-audit.jsonl"
        self.port_url = sim_url(name, self.control_endpoint, **sim_options)
        self.process = WorkerProcess(
            ["--port", self.port_url, "--audit-log", str(self.audit_path), *extra], connect
        )
        self.endpoint = self.process.endpoint
        self.process.wait_ready()
        self.sim = SimControl(self.control_endpoint)
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

    def close(self) -> int:
        self.sim.close()
        return self.process.stop()


def health(sock: zmq.Socket[Any]) -> dict[str, Any]:
    reply = call(sock, id="health", op="health")
    assert reply["ok"], reply
    return reply
