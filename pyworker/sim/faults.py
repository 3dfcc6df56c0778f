"""Faults a simulated unit can be told to inject, by probability or one-shot, with counters.

Spec syntax (``--fault``, ``fault=`` in a sim:// URL): ``KIND[:WHEN[:PARAM]]``

- KIND: crc, truncate, no_answer (alias timeout), late, noise, lf, nak, unplug
- WHEN: a probability 0..1 per transaction (``crc:0.1``), ``once``, ``Nx`` (the next N
  transactions: ``nak:3x``), ``always``, or ``off``. Without WHEN: ``always`` (``unplug``: once).
- PARAM: late -> delay in ms (default 3000); noise -> number of noise bytes (default 4);
  truncate -> bytes kept (default half the answer); unplug -> seconds away (default 5).

A later spec for a kind replaces the earlier one. One fault at most hits a transaction:
one-shots first, then each probability in the order of FAULT_KINDS.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAULT_KINDS: tuple[str, ...] = (
    "unplug",
    "no_answer",
    "nak",
    "late",
    "truncate",
    "crc",
    "noise",
    "lf",
)
ALIASES = {"timeout": "no_answer", "silence": "no_answer", "corrupt_crc": "crc", "nak_all": "nak"}
DEFAULT_PARAMS: dict[str, float] = {"late": 3000.0, "noise": 4.0, "unplug": 5.0}


@dataclass
class FaultRule:
    kind: str
    probability: float = 0.0
    remaining: int = 0  # one-shots still to fire
    param: float | None = None

    @property
    def active(self) -> bool:
        return self.probability > 0 or self.remaining > 0

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"probability": self.probability, "remaining": self.remaining}
        if self.param is not None:
            out["param"] = self.param
        return out


def fault_kind(name: str) -> str:
    kind = ALIASES.get(name.strip().lower(), name.strip().lower())
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS)}")
    return kind


def _when(rule: FaultRule, when: Any) -> None:
    """Apply a WHEN (probability, 'once', 'Nx', 'always', 'off') to ``rule``."""
    if isinstance(when, bool):
        rule.probability, rule.remaining = (1.0 if when else 0.0), 0
        return
    if isinstance(when, int | float):
        value = float(when)
        if not 0 <= value <= 1:
            raise ValueError(f"{rule.kind}: a probability is 0..1, got {when}")
        rule.probability = value
        return
    text = str(when).strip().lower()
    if text == "once":
        rule.remaining += 1
    elif text == "always":
        rule.probability = 1.0
    elif text == "off":
        rule.probability, rule.remaining = 0.0, 0
    elif text.endswith("x") and text[:-1].isdigit():
        rule.remaining += int(text[:-1])
    elif text.startswith("x") and text[1:].isdigit():
        rule.remaining += int(text[1:])
    else:
        try:
            _when(rule, float(text))
        except ValueError:
            raise ValueError(
                f"{rule.kind}: WHEN is a probability 0..1, once, Nx, always or off; got {when!r}"
            ) from None


def parse_fault_spec(spec: str) -> FaultRule:
    parts = spec.strip().split(":")
    kind = fault_kind(parts[0])
    rule = FaultRule(kind)
    when = parts[1] if len(parts) > 1 and parts[1] != "" else ("once" if kind == "unplug" else 1)
    _when(rule, when)
    if len(parts) > 2 and parts[2] != "":
        try:
            rule.param = float(parts[2])
        except ValueError:
            raise ValueError(f"{kind}: PARAM must be a number, got {parts[2]!r}") from None
    if len(parts) > 3:
        raise ValueError(f"fault spec {spec!r}: expected KIND[:WHEN[:PARAM]]")
    return rule


class FaultPlan:
    """The faults in force and what was injected. Not thread-safe: the simulator's lock guards it."""

    def __init__(self, specs: list[str] | tuple[str, ...] = ()) -> None:
        self.rules: dict[str, FaultRule] = {}
        self.injected: Counter[str] = Counter()
        for spec in specs:
            self.add(parse_fault_spec(spec))

    def add(self, rule: FaultRule) -> None:
        """Put ``rule`` in force; it replaces any earlier rule for the same kind."""
        self.rules[rule.kind] = rule

    def set(self, kind: str, when: Any, param: float | None = None) -> None:
        """Replace one kind's rule (control op ``set_faults``)."""
        rule = FaultRule(fault_kind(kind))
        if isinstance(when, Mapping):
            if "probability" in when:
                _when(rule, float(when["probability"]))
            if "once" in when:
                rule.remaining = int(when["once"])
            param = when.get("param", param)
        else:
            _when(rule, when)
        rule.param = None if param is None else float(param)
        self.rules[rule.kind] = rule

    def clear(self) -> None:
        self.rules.clear()

    def draw(self, rng: random.Random) -> FaultRule | None:
        """The fault to inject into this transaction, if any (one at most; one-shots first)."""
        for kind in FAULT_KINDS:
            rule = self.rules.get(kind)
            if rule is not None and rule.remaining > 0:
                rule.remaining -= 1
                self.injected[kind] += 1
                return rule
        for kind in FAULT_KINDS:
            rule = self.rules.get(kind)
            if rule is not None and rule.probability > 0 and rng.random() < rule.probability:
                self.injected[kind] += 1
                return rule
        return None

    def param(self, rule: FaultRule) -> float | None:
        return rule.param if rule.param is not None else DEFAULT_PARAMS.get(rule.kind)

    def describe(self) -> dict[str, Any]:
        return {kind: rule.describe() for kind, rule in self.rules.items() if rule.active}
