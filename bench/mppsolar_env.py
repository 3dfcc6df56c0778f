"""The bench venv (bench/.venv-mpp): mpp-solar from PyPI next to our own package, so the two can
be measured side by side, even in one process. Never a runtime dependency of ours.

    python -m bench.mppsolar_env      # create or update it (what `make bench` does first)

Only the standard library here: this runs under any Python >= 3.11 before the venv exists.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MPP_VENV = ROOT / "bench" / ".venv-mpp"
REQUIREMENTS = ROOT / "bench" / "requirements-bench.txt"
STAMP = MPP_VENV / ".installed"
BENCH_PYTHON = MPP_VENV / "bin" / "python"
MPP_CLI = MPP_VENV / "bin" / "mpp-solar"


def _stale() -> bool:
    if not STAMP.exists() or not BENCH_PYTHON.exists():
        return True
    installed = STAMP.stat().st_mtime
    return any(p.stat().st_mtime > installed for p in (REQUIREMENTS, ROOT / "pyproject.toml"))


def ensure_bench_venv(*, quiet: bool = True) -> Path:
    """Create bench/.venv-mpp with mpp-solar (pinned) and pi30-worker (editable) if needed;
    returns its python."""
    if _stale():
        print(f"bench: installing {REQUIREMENTS.name} and pi30-worker into {MPP_VENV} ...")
        sys.stdout.flush()
        started = time.monotonic()
        if not BENCH_PYTHON.exists():
            venv.EnvBuilder(with_pip=True, clear=True).create(MPP_VENV)
        pip = [str(BENCH_PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
        if quiet:
            pip.append("--quiet")
        subprocess.run([*pip, "-r", str(REQUIREMENTS), "-e", str(ROOT)], check=True)
        STAMP.touch()
        print(f"bench: bench venv ready in {time.monotonic() - started:.1f} s")
    return BENCH_PYTHON


def mppsolar_version() -> str:
    result = subprocess.run(
        [str(BENCH_PYTHON), "-c", "import mppsolar.version as v; print(v.__version__)"],
        check=False,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or "?"


def run_mpp(
    port: str, protocol: str, command: str, *, porttype: str = "serial", timeout: float = 60
) -> tuple[list[dict[str, object]], float]:
    """One `mpp-solar` process, like a shell or PowerShell listener spawns it: every JSON line it
    printed (one per command; ``-c A#B`` runs several) and its wall time in seconds."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(MPP_CLI), "-p", port, "--porttype", porttype, "-P", protocol]
        + ["-c", command, "-o", "json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        error = f"rc={result.returncode} {result.stdout[-300:]} {result.stderr[-300:]}"
        return [{"ERROR": error}], elapsed
    return [json.loads(line) for line in lines], elapsed


def verdict(command: str, data: dict[str, object]) -> str | None:
    """Why mpp-solar did not accept the answer, or None when it did."""
    text = json.dumps(data).lower()
    if "error" in data or "ERROR" in data:
        return f"error: {data}"
    for bad in ("invalid response", "nak", "crc error", "no valid response"):
        if bad in text:
            return f"mpp-solar says {bad!r}: {data}"
    if command.startswith("P"):
        return None if "ack" in text else f"no ACK: {data}"
    return None if len(data) > 1 else f"nothing decoded: {data}"


if __name__ == "__main__":
    ensure_bench_venv()
    print(f"mpp-solar {mppsolar_version()} in {MPP_VENV}")
