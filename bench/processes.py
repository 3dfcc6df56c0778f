"""The processes a benchmark runs against: `pi30-worker sim --pty` and `pi30-worker serve`.

Both are started from the running interpreter (`python -m pyworker.cli`), so the bench venv's
own pi30-worker is what gets measured.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from pyworker.service.client import NoReplyError, WorkerClient
from pyworker.sim import SimControl

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mib(pid: int) -> float | None:
    """Resident set size of a process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _stop(proc: subprocess.Popen[Any], timeout: float = 10.0) -> int | None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


class SimProcess:
    """`pi30-worker sim --pty` with a control endpoint; paced at 2400 baud unless told not."""

    def __init__(
        self, *, latency_ms: float = 0.0, pacing: bool = True, seed: int = 1, model: str = "pi30"
    ) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pi30-bench-sim-")
        self.control_endpoint = f"ipc://{self._dir.name}/control"
        cmd = [sys.executable, "-m", "pyworker.cli", "sim", "--pty", "--seed", str(seed)]
        cmd += ["--model", model]
        cmd += ["--latency-ms", f"{latency_ms:g}", "--control", self.control_endpoint]
        if not pacing:
            cmd.append("--no-pacing")
        self.pacing = pacing
        self.latency_ms = latency_ms
        self._stderr = open(Path(self._dir.name) / "stderr.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().strip()
        if not self.path:
            self.stop()
            raise RuntimeError(f"the simulator did not start: {self.stderr_tail()}")
        self.control = SimControl(self.control_endpoint)
        self.control.request("ping")

    def stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-500:]

    def wire_transactions(self) -> int:
        total: int = self.control.status()["transactions_total"]
        return total

    def stop(self) -> None:
        if self._stderr.closed:
            return  # stopped already
        if hasattr(self, "control"):
            self.control.close()
        _stop(self.proc)
        self._stderr.close()
        self._dir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class WorkerProcess:
    """`pi30-worker serve` on a port URL, bound to a free loopback TCP port (the shipped kind of
    endpoint). Setters are audited to a temporary file."""

    def __init__(self, port_url: str, *, extra: list[str] | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pi30-bench-worker-")
        self.endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.audit_log = Path(self._dir.name) / "audit.jsonl"
        cmd = [sys.executable, "-m", "pyworker.cli", "serve", "--port", port_url]
        cmd += ["--bind", self.endpoint, "--log-level", "warning"]
        cmd += ["--audit-log", str(self.audit_log), *(extra or [])]
        self._stderr = open(Path(self._dir.name) / "stderr.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stderr=self._stderr)
        self.wait_ready()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-500:]

    def wait_ready(self, limit_s: float = 30.0) -> None:
        """Until the port is connected and the unit's identity has been read."""
        deadline = time.monotonic() + limit_s
        with WorkerClient(self.endpoint) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    health = client.request("health", timeout_s=1.0)
                except NoReplyError:
                    continue
                if health["port"]["state"] == "connected" and health["device"]["protocol_id"]:
                    return
                time.sleep(0.05)
        tail = self.stderr_tail()
        self.stop()
        raise RuntimeError(f"the worker did not come up: {tail}")

    def health(self) -> dict[str, Any]:
        with WorkerClient(self.endpoint) as client:
            return client.request("health", timeout_s=5.0)

    def rss_mib(self) -> float | None:
        return rss_mib(self.proc.pid)

    def stop(self) -> int | None:
        code = _stop(self.proc)
        if not self._stderr.closed:
            self._stderr.close()
            self._dir.cleanup()
        return code

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def node_binary() -> str:
    return os.environ.get("NODE", "node")


def run_node_script(script: str, *args: str, timeout: float = 300.0) -> dict[str, Any]:
    """Run bench/node/SCRIPT with the repo's node_modules; it prints one JSON object."""
    path = ROOT / "bench" / "node" / script
    result = subprocess.run(
        [node_binary(), str(path), *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"node {script} printed no result (rc={result.returncode}): {result.stderr[-600:]}"
        )
    parsed: dict[str, Any] = json.loads(lines[-1])
    if result.returncode != 0 and not parsed.get("errors"):
        parsed["errors"] = [f"rc={result.returncode}: {result.stderr[-300:]}"]
    return parsed
