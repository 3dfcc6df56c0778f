"""One table of sim:// options: it builds SimConfig, parses URLs, gives `pi30-worker sim` its
defaults and writes the options table of docs/simulator.md."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from datetime import datetime
from pathlib import Path

import pytest

from pyworker.cli import build_parser
from pyworker.sim import SimConfig
from pyworker.sim.cli import run
from pyworker.sim.config import OPTION_BY_KEY, OPTIONS

ROOT = Path(__file__).resolve().parents[3]

# one value per option, as a URL writes it, and what SimConfig holds then
SAMPLES = {
    "model": ("pi30max", "pi30max"),
    "latency_ms": ("80", 80.0),
    "pacing": ("0", False),
    "seed": ("7", 7),
    "speed": ("3600", 3600.0),
    "start": ("2026-01-15T05:00", datetime(2026, 1, 15, 5, 0)),
    "fault": ("crc:0.1,nak:once", ["crc:0.1", "nak:once"]),
    "control": ("tcp://127.0.0.1:5631", "tcp://127.0.0.1:5631"),
    "name": ("x", "x"),
    "soc": ("35", 35.0),
    "weather": ("0.5", 0.5),
    "clouds": ("0", 0.0),
    "lat": ("40", 40.0),
    "load_w": ("500", 500.0),
    "unsupported": ("nak", "nak"),
    "pcp02": ("yes", True),
    "battery_ah": ("200", 200.0),
}


def test_the_table_has_a_row_per_field_of_simconfig() -> None:
    assert [o.attr for o in OPTIONS] == [f.name for f in fields(SimConfig)]
    assert set(SAMPLES) == set(OPTION_BY_KEY)


@pytest.mark.parametrize("key", list(SAMPLES))
def test_each_option_of_a_url_sets_its_field(key: str) -> None:
    text, expected = SAMPLES[key]
    config = SimConfig.from_query(f"{key}={text}")
    assert getattr(config, OPTION_BY_KEY[key].attr) == expected
    untouched = SimConfig()
    for option in OPTIONS:
        if option.key != key:
            assert getattr(config, option.attr) == getattr(untouched, option.attr), option.key


def test_a_repeated_option_keeps_the_last_value_and_faults_add_up() -> None:
    config = SimConfig.from_query("soc=10&soc=20&fault=crc:0.1&fault=lf,nak:once")
    assert config.soc == 20.0
    assert config.faults == ["crc:0.1", "lf", "nak:once"]


def test_unknown_and_bad_options_are_errors_that_name_them() -> None:
    with pytest.raises(ValueError) as unknown:
        SimConfig.from_query("seed=1&colour=red")
    assert str(unknown.value) == (
        "sim:// option colour='red': unknown option; known: " + ", ".join(OPTION_BY_KEY)
    )
    with pytest.raises(ValueError, match=r"^sim:// option pacing='maybe': expected 0/1"):
        SimConfig.from_query("pacing=maybe")
    with pytest.raises(ValueError, match="soc is 0..100"):
        SimConfig.from_query("soc=101")


def test_pi30_worker_sim_defaults_are_the_table_defaults() -> None:
    args = build_parser().parse_args(["sim", "--pty"])
    assert args.func is run
    given = {o.key: getattr(args, o.attr) for o in OPTIONS if o.attr in vars(args)}
    assert len(given) == 12  # all but name, clouds, unsupported, pcp02, battery_ah
    assert given == {key: OPTION_BY_KEY[key].default for key in given}


def test_docs_simulator_md_lists_the_options_of_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sim_options_doc.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    for option in OPTIONS:
        assert f"| `{option.key}` |" in text, option.key
