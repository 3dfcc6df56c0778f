"""The user README: sections in the order a newcomer needs them, and no dead links."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def headings(text: str) -> list[str]:
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_sections_come_in_the_order_a_newcomer_needs() -> None:
    wanted = [
        "The two commands",
        "Installing into your own Node-RED",
        "Home Assistant wiring",
        "Deployment recipes",
        "Supported inverters, transports and commands",
        "Security",
        "Troubleshooting by error code",
        "Tempo tariff planner / Planificateur Tempo",
        "En français",
    ]
    found = headings(README.read_text(encoding="utf-8"))
    assert [h for h in found if h in wanted] == wanted
    text = README.read_text(encoding="utf-8")
    assert text.index("```mermaid") < text.index("## The two commands")
    assert "(docs/protocol.md)" in text


def test_readme_and_docs_links_resolve() -> None:
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            if path:
                assert (page.parent / path).exists(), f"{page.name}: dead link {target}"
            elif anchor:
                assert anchor in anchors, f"{page.name}: no heading for #{anchor}"
            checked += 1
    assert checked > 10


def test_troubleshooting_covers_every_worker_error_code() -> None:
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = protocol.split("## Errors", 1)[1].split("\n## ", 1)[0]
    codes = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))
    assert len(codes) >= 10
    readme = README.read_text(encoding="utf-8")
    table = readme.split("## Troubleshooting by error code", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))
    assert codes <= documented, codes - documented
