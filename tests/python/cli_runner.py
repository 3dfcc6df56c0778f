"""One way to run ``pi30-worker`` as a user does: a real subprocess of this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``pi30-worker ARGS...`` from the repository root; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "pyworker.cli", *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
