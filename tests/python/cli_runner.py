"""One way to run ``pi30-worker`` in the Python tests: as a user does, a real child process of
this interpreter, started from the repository root.

- ``run_cli`` (and ``run_cli_json``, ``run_many``): a command that ends (encode, query, request...).
- ``WorkerProcess`` (``pi30-worker serve``) and ``PtySimulator`` (``pi30-worker sim --pty``):
  commands that stay running, waited for until ready and stopped with a signal. The fixtures
  ``start_worker`` and ``pty_sim`` (conftest.py) start them and stop them when the test ends.
- ``ChildProcess``: any long-running child (a probe script, say), its output read line by line.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
# the console script pip installed next to this interpreter: what `pi30-worker` is for a user
CONSOLE_SCRIPT = Path(sys.executable).with_name("pi30-worker")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli_argv(*args: str, script: bool = False) -> list[str]:
    """``pi30-worker ARGS...``: the module by default, the installed console script on request."""
    command = [str(CONSOLE_SCRIPT)] if script else [sys.executable, "-m", "pyworker.cli"]
    return [*command, *args]


def run(
    argv: Sequence[str], *, timeout: float = 60, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``argv`` from the repository root, its output captured as text; never raises on a
    non-zero exit. ``env`` adds to the environment."""
    return subprocess.run(
        list(argv),
        cwd=ROOT,
        env=None if env is None else {**os.environ, **env},
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli(
    *args: str, timeout: float = 60, script: bool = False
) -> subprocess.CompletedProcess[str]:
    """``pi30-worker ARGS...`` run to its end."""
    return run(cli_argv(*args, script=script), timeout=timeout)


def run_python(
    *args: str, timeout: float = 60, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS...`` with this interpreter (a repository script, or ``-c`` probe code)."""
    return run([sys.executable, *args], timeout=timeout, env=env)


def json_line(done: subprocess.CompletedProcess[str]) -> Any:
    """What the CLI prints when piped: exactly one line of JSON."""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, (done.stdout, done.stderr)
    return json.loads(lines[0])


def run_cli_json(*args: str, timeout: float = 60) -> tuple[int, Any]:
    """The exit status of ``pi30-worker ARGS...`` and the one JSON line it printed."""
    done = run_cli(*args, timeout=timeout)
    return done.returncode, json_line(done)


def run_many(argvs: Sequence[Sequence[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Independent invocations side by side (each is still its own process), in order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: run_cli(*args), argvs))


class ChildProcess:
    """A child that stays running. Both pipes are read by threads (a pipe nobody reads fills
    up and stalls the child): stdout lines wait in a queue for ``next_line``, stderr lines are
    kept as the log."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.proc = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []  # stderr
        self._stdout: queue.Queue[str | None] = queue.Queue()  # None: stdout was closed
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self._stdout.put)),
            threading.Thread(target=self._read, args=(self.proc.stderr, self._log)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()

    @staticmethod
    def _read(stream: IO[str], sink: Any) -> None:
        for line in stream:
            sink(line.rstrip("\n"))
        sink(None)

    def _log(self, line: str | None) -> None:
        if line is not None:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def next_line(self, timeout: float = 10.0) -> str:
        """The next line the child prints on stdout."""
        try:
            line = self._stdout.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line on stdout within {timeout} s; stderr:\n{self.log}")
        if line is None:
            self._stdout.put(None)  # still closed for the next caller
            self.proc.wait(5)
            self._join()
            raise AssertionError(f"exited {self.proc.returncode} first; stderr:\n{self.log}")
        return line

    def wait_for_log(self, fragment: str, timeout: float = 15.0) -> None:
        """Until a stderr line contains ``fragment``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(fragment in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                self._join()
                raise AssertionError(f"exited {self.proc.returncode}:\n{self.log}")
            time.sleep(0.02)
        raise AssertionError(f"no {fragment!r} in the log:\n{self.log}")

    def wait(self, timeout: float = 15.0) -> int:
        """Until the child exits by itself (killed, and the test failed, if it does not)."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            self._join()
            raise AssertionError(f"still running after {timeout} s:\n{self.log}") from None
        self._join()
        return code

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Sends ``sig`` if it still runs; its exit status (a kill after ``timeout``: -9)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._join()
        return self.proc.returncode

    def _join(self) -> None:
        for reader in self._readers:
            reader.join(2)


class WorkerProcess(ChildProcess):
    """``pi30-worker serve ARGS...``, bound to a free loopback port unless ARGS has --bind."""

    def __init__(self, args: Sequence[str], endpoint: str | None = None) -> None:
        self.endpoint = endpoint or f"tcp://127.0.0.1:{free_port()}"
        bind = [] if "--bind" in args else ["--bind", self.endpoint]
        super().__init__(cli_argv("serve", *bind, *args))

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Listening, and the device identity read (the port is connected)."""
        self.wait_for_log("device: ", timeout)

    @classmethod
    def ready(
        cls, *args: str, endpoint: str | None = None, ready_timeout: float = 20.0
    ) -> WorkerProcess:
        """Started and ready (stopped again if it never gets ready)."""
        worker = cls(args, endpoint)
        try:
            worker.wait_ready(ready_timeout)
        except BaseException:
            worker.stop()
            raise
        return worker


class PtySimulator(ChildProcess):
    """``pi30-worker sim --pty ARGS...``; ready once it prints its pseudo-terminal's path (and
    it prints the new one after each replug)."""

    def __init__(self, *args: str, ready_timeout: float = 15.0) -> None:
        super().__init__(cli_argv("sim", "--pty", *args))
        try:
            self.path = self.next_line(ready_timeout)
            assert self.path.startswith("/dev/"), self.path
        except BaseException:
            self.stop()
            raise
