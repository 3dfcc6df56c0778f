"""How the command line prints results: a table for people on a terminal, JSON for programs.

``--format`` picks one; without it a terminal gets the table and a pipe or a file gets the
same one-line JSON as always, so scripts see no change.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .errors import Pi30Error

FORMATS = ("table", "json")
# envelope keys of the worker's replies: not readings
_ENVELOPE = ("v", "id", "ok")
# what a query-like result says about itself, printed above its fields
_ABOUT = ("command", "sent", "cached", "elapsed_ms", "changed", "verified")


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (default on a terminal) or json (default when piped)",
    )


def print_json(obj: Any) -> None:
    """One JSON document on one line of stdout, flushed (programs read it line by line)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def error_json(exc: Pi30Error) -> dict[str, Any]:
    return {"error": exc.to_dict()}


def chosen_format(requested: str | None, stream: TextIO | None = None) -> str:
    if requested:
        return requested
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty is not None and isatty() else "json"


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=repr)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in obj.items():
        if isinstance(value, Mapping) and value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def error_text(error: Mapping[str, Any]) -> str:
    code = error.get("code", "ERROR")
    lines = [f"error {code}: {error.get('message', '')}".rstrip()]
    allowed = error.get("allowed")
    if allowed:
        lines.append(f"allowed: {_text(allowed)}")
    return "\n".join(lines)


def field_labels(command: str, protocols: Sequence[str] = ()) -> dict[str, str]:
    """The catalogue's label of each field ``command`` gives (first protocol that knows it)."""
    from .errors import Pi30Error
    from .protocol import PROTOCOLS, get_catalogue
    from .protocol.served import data_keys

    for protocol in protocols or PROTOCOLS:
        try:
            entry = get_catalogue(protocol).resolve(command)[0]
        except (Pi30Error, KeyError, ValueError):
            continue
        return {key: meta["label"] for key, meta in data_keys(entry).items()}
    return {}


def table(result: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """A reply or a result as aligned lines: what it is on top, then one field per line
    (label, value, unit, key; the key is what a flow reads in msg.payload)."""
    error = result.get("error")
    if isinstance(error, Mapping):
        return error_text(error)
    data = result.get("data")
    if isinstance(data, Mapping):
        units: Mapping[str, Any] = result.get("units") or {}
        about = [f"{k}: {_text(result[k])}" for k in _ABOUT if k in result and k != "command"]
        head = str(result.get("command", ""))
        head += f" ({', '.join(about)})" if about else ""
        if labels is None:
            labels = field_labels(str(result.get("command", "")))
        rows: list[tuple[str, ...]] = [
            (
                labels.get(key, key),
                _text(value),
                str(units.get(key, "")),
                key if key in labels else "",
            )
            for key, value in _flatten(data)
        ]
    else:
        head = ""
        fields = {k: v for k, v in result.items() if k not in _ENVELOPE}
        rows = [(key, _text(value)) for key, value in _flatten(fields)]
    lines = [head] if head else []
    lines += _columns(rows) if rows else ["(no fields)"]
    return "\n".join(lines)


def rows_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A list of records as a table with a header line."""
    return "\n".join(_columns([list(header), *[list(r) for r in rows]]))


def emit(result: Any, fmt: str, stream: TextIO | None = None) -> None:
    """Print ``result`` in ``fmt`` (see chosen_format)."""
    stream = stream or sys.stdout
    text = to_json(result) if fmt == "json" or not isinstance(result, Mapping) else table(result)
    stream.write(text + "\n")
    stream.flush()


def formatted(
    command: Callable[[argparse.Namespace], int],
    render: Callable[[Mapping[str, Any]], str] | None = None,
) -> Callable[[argparse.Namespace], int]:
    """A sub-command that prints JSON documents, one a line, printing tables instead when the
    format is table (its exit status unchanged); with json it runs exactly as it is. ``render``
    draws a document of the command's own kind (default: :func:`table`)."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        if chosen_format(getattr(args, "format", None)) == "json":
            return command(args)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = command(args)
        for line in printed.getvalue().splitlines():
            try:
                document = json.loads(line)
            except ValueError:
                document = None
            if isinstance(document, Mapping) and render is not None and "error" not in document:
                print(render(document))
            elif isinstance(document, Mapping):
                emit(document, "table")
            else:
                print(line)
        return status

    return run
