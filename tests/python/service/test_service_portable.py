"""The service loads without Linux-only modules (it must run on Windows and macOS too)."""

from __future__ import annotations

from cli_runner import run_python

# pyserial picks its own back end per platform (serialposix here, serialwin32 on Windows), so
# it is loaded first; after that, any import of a POSIX-only module by our code fails.
PROBE = """
import sys
import serial
for name in ("termios", "fcntl", "tty", "pty", "resource", "pyworker.sim.pty_front"):
    sys.modules[name] = None
import pyworker.service, pyworker.service.cli, pyworker.service.server, pyworker.service.security
from pyworker.cli import build_parser
args = build_parser().parse_args(["serve", "--port", "COM3"])
assert args.func.__module__ == "pyworker.service.cli"
from pyworker.service.server import ServiceConfig, WorkerService
service = WorkerService(ServiceConfig(port_url="COM3", binds=["tcp://127.0.0.1:0"]))
service.context.term()
print("ok")
"""


def test_service_imports_without_posix_only_modules() -> None:
    done = run_python("-c", PROBE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
