"""Error codes come from the exception classes, and every one is explained to users."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pyworker import errors
from pyworker.errors import ERROR_CODES, NoReplyError, Pi30Error, ResponseTimeout

ROOT = Path(__file__).resolve().parents[2]


def test_error_codes_are_the_codes_the_classes_carry() -> None:
    own = [
        cls.code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, Pi30Error) and cls is not Pi30Error and "code" in vars(cls)
    ]
    assert sorted(ERROR_CODES) == sorted(set(own))
    assert len(ERROR_CODES) == len(set(ERROR_CODES))


def test_no_reply_is_its_own_code_distinct_from_timeout() -> None:
    error = NoReplyError("no reply from tcp://127.0.0.1:1 within 1 s")
    assert error.to_dict() == {"code": "NO_REPLY", "message": str(error)}
    assert NoReplyError.code != ResponseTimeout.code


def test_every_code_is_in_both_troubleshooting_tables() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    english = text[text.index("## Troubleshooting by error code") :]
    french = text[text.index("### Dépannage par code d'erreur") :]
    for table in (english, french):
        rows = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))
        assert set(ERROR_CODES) <= rows, sorted(set(ERROR_CODES) - rows)
