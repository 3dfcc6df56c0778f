"""Write docs/commands.md from the command catalogue (what `pi30-worker commands --json` prints).

    python scripts/commands_doc.py            # (re)write docs/commands.md
    python scripts/commands_doc.py --check    # exit 1 when docs/commands.md is out of date

The catalogue is the single source of truth: this page is never edited by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyworker.protocol import get_catalogue
from pyworker.protocol.catalogue.profiles import PROFILES, Profile, catalogue_for
from pyworker.protocol.served import served_catalogue

PROTOCOLS = ("PI30", "PI30MAX")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "commands.md"

Command = dict[str, Any]


def catalogues() -> dict[str, dict[str, Command]]:
    """protocol -> command name -> command, in catalogue order."""
    out: dict[str, dict[str, Command]] = {}
    for protocol in PROTOCOLS:
        data = served_catalogue(get_catalogue(protocol))
        out[protocol] = {c["name"]: c for c in data["commands"]}
    return out


def names_in_order(cats: dict[str, dict[str, Command]], kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for protocol in PROTOCOLS:
        for name, command in cats[protocol].items():
            if command["kind"] == kind:
                seen.setdefault(name, None)
    return list(seen)


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(text: object) -> str:
    return f"`{text}`"


def table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def support(cats: dict[str, dict[str, Command]], name: str) -> list[str]:
    return ["yes" if name in cats[p] else "-" for p in PROTOCOLS]


def pick(cats: dict[str, dict[str, Command]], name: str) -> Command:
    """The command as the richest variant describes it (PI30MAX first)."""
    for protocol in reversed(PROTOCOLS):
        if name in cats[protocol]:
            return cats[protocol][name]
    raise KeyError(name)


def format_number(value: float) -> str:
    return f"{value:g}"


def describe_arg(arg: dict[str, Any]) -> str:
    kind = arg.get("kind")
    if kind in ("choice", "unit_choice"):
        choices = ", ".join(f"{k} {v}" for k, v in arg["choices"].items())
        return ("unit number + " if kind == "unit_choice" else "") + choices
    if kind == "flags":
        return "flags: " + ", ".join(f"{k} {v}" for k, v in arg["choices"].items())
    if kind in ("current", "unit_current"):
        prefix = "unit number + " if kind == "unit_current" else ""
        return f"{prefix}amps from the unit's own {arg['options_query']} list"
    if kind == "number":
        if "values_by_battery" in arg:
            by = arg["values_by_battery"]
            return "V: " + "; ".join(
                f"{bat} V battery: " + ", ".join(format_number(v) for v in values)
                for bat, values in by.items()
            )
        if "values" in arg:
            return ", ".join(format_number(v) for v in arg["values"])
        text = f"{format_number(arg['minimum'])} to {format_number(arg['maximum'])}"
        if arg.get("step"):
            text += f", step {format_number(arg['step'])}"
        if arg.get("scale_by_battery"):
            text += " (48 V battery; scaled for 12/24 V)"
        if arg.get("zero_allowed"):
            text += ", or 0"
        return text
    if kind == "pattern":
        return str(arg.get("description") or arg.get("pattern"))
    if kind == "none":
        return "no value"
    return str(kind)


def setter_values(cats: dict[str, dict[str, Command]], name: str) -> str:
    described = {
        p: describe_arg(cats[p][name].get("arg") or {}) for p in PROTOCOLS if name in cats[p]
    }
    if len(set(described.values())) == 1:
        return next(iter(described.values()))
    return "; ".join(f"{p}: {text}" for p, text in described.items())


def field_unit(field: dict[str, Any]) -> str:
    return str(field.get("unit") or "")


# What the lists of a reading hold (the served keys say which keys are lists).
LIST_LABELS = {
    "active_warnings": "keys of the active warnings",
    "active_faults": "keys of the active faults (names ending in _fault)",
}


def field_rows(command: Command) -> list[tuple[str, list[str]]]:
    """(data key, table row) for every key a query's decoded data holds (its served keys)."""
    fields = {f["key"]: f for f in command.get("fields", [])}
    out: list[tuple[str, list[str]]] = []
    for key, meta in command["keys"].items():
        field = fields.get(key)
        if meta.get("group"):
            # a status byte: each flag is its own key in the data
            group = fields[meta["group"]].get("label", "")
            out.append((key, [code(key), f"{meta['label']} ({group})", "bool"] + [""] * 3))
        elif field is None:
            label = LIST_LABELS.get(key, "selectable values")
            out.append((key, [code(key), label, "list", meta.get("unit", ""), "", ""]))
        else:
            values = ", ".join(str(v) for v in field["enum"].values()) if field.get("enum") else ""
            classes = " / ".join(
                x for x in (field.get("device_class"), field.get("state_class")) if x
            )
            row = [
                code(key),
                field.get("label", ""),
                field["type"],
                field_unit(field),
                classes,
                values,
            ]
            out.append((key, row))
    return out


def query_fields(cats: dict[str, dict[str, Command]], name: str) -> list[list[str]]:
    rows: dict[str, list[str]] = {}
    where: dict[str, list[str]] = {}
    for protocol in PROTOCOLS:
        command = cats[protocol].get(name)
        if not command:
            continue
        for key, row in field_rows(command):
            where.setdefault(key, []).append(protocol)
            rows.setdefault(key, row)
    both = len([p for p in PROTOCOLS if name in cats[p]])
    out = []
    for key, row in rows.items():
        only = "" if len(where[key]) == both else f" ({', '.join(where[key])} only)"
        out.append([row[0] + only, *row[1:]])
    return out


def render() -> str:
    cats = catalogues()
    lines = [
        "# Supported commands",
        "",
        "<!-- Generated by `make commands-doc` (scripts/commands_doc.py) from the command catalogue,",
        "     what `pi30-worker commands --json` prints. Do not edit: a test checks it is in sync. -->",
        "",
        "Every command of the worker's catalogue, for both protocol variants: **PI30** (classic",
        "Axpert / Voltronic / MPP-Solar PI30 units) and **PI30MAX** (MAX / hybrid units such as the",
        "Axpert MAX 7.2/8 kW). The worker detects the variant and the unit's device profile at",
        "connect (`--protocol auto`, the default; see Device profiles at the end); `--protocol`",
        "fixes the variant. A pi30-query node's `msg.payload` holds the fields listed below for its",
        "command (split mode: one message per field, `msg.topic` = the key).",
        "",
        "## Queries",
        "",
    ]
    queries = names_in_order(cats, "query")
    rows = []
    for name in queries:
        c = pick(cats, name)
        arg = c.get("arg_help") or ""
        rows.append([code(name), *support(cats, name), c["description"], arg])
    lines += table(["Command", "PI30", "PI30MAX", "What it reads", "Argument"], rows)
    lines += [
        "",
        "## Setters",
        "",
        "A setter goes through the worker's checks: policy (dangerous setters are refused unless",
        "the worker runs with `--allow-set NAME`), the value against the catalogue and the unit's",
        "own lists, a skipped write when the unit already has the value, and a read-back.",
        "",
    ]
    rows = []
    for name in names_in_order(cats, "setter"):
        c = pick(cats, name)
        readback = c.get("readback") or {}
        back = f"{readback['query']} `{readback['field']}`" if readback else "-"
        danger = ("yes: " + c.get("dangerous_reason", "")) if c.get("dangerous") else ""
        rows.append(
            [
                code(name),
                *support(cats, name),
                c["description"],
                setter_values(cats, name),
                back,
                danger,
            ]
        )
    lines += table(
        ["Command", "PI30", "PI30MAX", "What it sets", "Values", "Read back from", "Dangerous"],
        rows,
    )
    lines += ["", "## Fields of each query", ""]
    for name in queries:
        c = pick(cats, name)
        rows = query_fields(cats, name)
        lines += [f"### {name}: {c['description']}", ""]
        if not rows:
            lines += ["No fields (the answer is the raw text).", ""]
            continue
        lines += table(["Key", "Label", "Type", "Unit", "HA device / state class", "Values"], rows)
        lines.append("")
    lines += render_profiles()
    return "\n".join(lines).rstrip("\n") + "\n"


def enum_text(values: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def profile_changes(profile: Profile) -> list[list[str]]:
    """What the profile changes in its base catalogue, one row per command."""
    base = {c["name"]: c for c in get_catalogue(profile.protocol).to_dict()["commands"]}
    own = {c["name"]: c for c in catalogue_for(profile.protocol, profile.id).to_dict()["commands"]}
    rows = []
    for name in [*base, *(n for n in own if n not in base)]:
        before, after = base.get(name), own.get(name)
        if before == after:
            continue
        if after is None:
            rows.append([code(name), "absent on this unit"])
            continue
        if before is None:
            rows.append([code(name), "present on this unit (" + after["description"] + ")"])
            continue
        changes = []
        if after["kind"] == "setter":
            arg, old = after["arg"], before["arg"]
            if arg.get("choices") != old.get("choices"):
                changes.append("codes: " + enum_text(arg["choices"]))
            if arg.get("fmt") != old.get("fmt"):
                changes.append(f"argument format {code(arg['fmt'])}")
            if arg.get("pattern") != old.get("pattern"):
                changes.append(f"argument {arg.get('description', arg['pattern'])}")
        else:
            old_keys = [f["key"] for f in before["fields"]]
            new_keys = [f["key"] for f in after["fields"]]
            if old_keys != new_keys:
                changes.append(f"{len(new_keys)}-field layout: " + ", ".join(new_keys))
            old_enums = {f["key"]: f.get("enum") for f in before["fields"]}
            for f in after["fields"]:
                if f["key"] in old_enums and f.get("enum") != old_enums[f["key"]]:
                    changes.append(f"{code(f['key'])}: " + enum_text(f["enum"]))
        rows.append([code(name), "; ".join(changes)])
    return rows


def render_profiles() -> list[str]:
    lines = [
        "## Device profiles",
        "",
        "Units that all answer `QPI` with `PI30` still differ: a profile names the differences as",
        "overrides on the catalogue above. The worker reads the unit's identity at connect (QPI,",
        "QMN, QGMN, QVFW, and when needed the field counts of QPIGS2, Q1, QPIRI, QPIGS and whether",
        "QBEQI answers) and picks the first profile below with a matching selector; `--profile ID`",
        "forces one, `pi30-worker profiles` lists them. Health shows the variant, the profile and",
        "why. With an explicit `--protocol` only that variant's profiles are considered, from the",
        "identity strings alone.",
        "",
        "**Unknown unit?** It gets `generic`: the documented codes, which may mean another mode on",
        "your unit. Check a mode change on the LCD, then run `pi30-worker identify --port URL`",
        "(with no worker on the port) and paste its JSON into a bug report.",
        "",
    ]
    for profile in PROFILES.values():
        lines += [f"### Profile `{profile.id}`: {profile.description}", ""]
        lines.append(f"Base variant: {profile.protocol}. Evidence: {profile.evidence}.")
        lines.append("")
        if profile.selectors:
            lines.append("Selected when (any of):")
            lines += [f"- {sel.why} (`{sel.match}`)" for sel in profile.selectors]
        else:
            lines.append("Selected when no other profile matches.")
        lines.append("")
        rows = profile_changes(profile)
        if rows:
            lines += table(["Command", "On this unit"], rows)
        else:
            lines.append("No change to the catalogue of its variant.")
        lines.append("")
        for name, known in profile.known_answers.items():
            lines += [f"Known answer: {code(name)}: {known}.", ""]
        lines += [f"Note: {note}" for note in profile.notes]
        if profile.notes:
            lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `make commands-doc`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
