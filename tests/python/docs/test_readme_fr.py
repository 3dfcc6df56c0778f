"""The README's French part is the whole README in French: one section for each English section,
in the same order, with the same commands and the same error codes - not a summary."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
ENGLISH, FRENCH = TEXT.split("\n## En français\n", 1)
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
COMMENT = re.compile(r"\s*(#|rem )[^\n]*$")


def sections(text: str, marker: str) -> list[tuple[str, str]]:
    parts = re.split(rf"^{marker} (.+)$", text, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def commands(text: str) -> list[str]:
    """The fenced blocks' lines without their comments (those are translated)."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "mermaid":
            continue
        for line in body.splitlines():
            line = COMMENT.sub("", line) if lang in ("sh", "bat") else line
            if line.strip() and not line.lstrip().startswith(("#", "rem ")):
                out.append(line.rstrip())
    return out


def codes(text: str) -> set[str]:
    return set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE))


def test_one_french_section_per_english_section() -> None:
    english = sections(ENGLISH, "##")
    french = sections(FRENCH, "###")
    assert len(french) == len(english), (
        [h for h, _ in english],
        [h for h, _ in french],
    )


def test_each_french_section_has_the_english_commands_and_error_codes() -> None:
    for (en_title, en_body), (fr_title, fr_body) in zip(
        sections(ENGLISH, "##"), sections(FRENCH, "###"), strict=True
    ):
        assert commands(fr_body) == commands(en_body), f"{en_title} / {fr_title}"
        assert codes(fr_body) == codes(en_body), f"{en_title} / {fr_title}"
        # a mirror, not a summary: about as long as the English (French runs longer)
        assert len(fr_body) >= 0.8 * len(en_body), f"{fr_title}: {len(fr_body)} < {len(en_body)}"


def test_french_is_french() -> None:
    words = re.findall(r"\b(le|la|les|des|une|pour|avec|dans)\b", FRENCH)
    assert len(words) > 300
