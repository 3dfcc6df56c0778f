"""docs/commands.md is generated from the catalogue (scripts/commands_doc.py) and kept in sync."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cli_runner import ROOT, run_python

from pyworker.protocol import get_catalogue

SCRIPT = ROOT / "scripts" / "commands_doc.py"
DOC = ROOT / "docs" / "commands.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_python(str(SCRIPT), *args)


def test_docs_commands_md_is_in_sync_with_the_catalogue() -> None:
    result = run("--check")
    assert result.returncode == 0, result.stderr + "\nrun `make commands-doc` and commit the result"


def test_every_command_and_field_of_both_catalogues_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for protocol in ("PI30", "PI30MAX"):
        for command in get_catalogue(protocol).to_dict()["commands"]:
            assert f"| `{command['name']}` |" in text, (protocol, command["name"])
            if command["kind"] == "query":
                assert f"### {command['name']}: " in text
                for field in command["fields"]:
                    for key in field.get("flags") or [field["key"]]:
                        assert f"| `{key}`" in text, (command["name"], key)


def test_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    stale = tmp_path / "commands.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("| `QPIGS` |", "| `QPIGX` |"))
    result = run("--check", "--output", str(stale))
    assert result.returncode == 1
    assert "out of date" in result.stderr
    assert run("--output", str(stale)).returncode == 0
    assert stale.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
