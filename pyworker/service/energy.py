"""The worker's energy meter: ENERGY answers, fed by the readings the port thread decodes.

Every decoded QPIGS (whoever asked for it) is one sample of the integrator; QPIGS2 adds PV2
on units that have it. An ENERGY query reads a fresh QPIGS itself, so polling ENERGY alone is
enough, and on units with counters (QET/QLT) reads them instead of integrating PV and load.
The totals are written to a small JSON state file (atomically, at most every SAVE_EVERY_S and
at shutdown) so they survive a restart of the worker. Used by the port thread only.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import NakError, UnsupportedError
from ..protocol import Catalogue, Decoded
from ..protocol.energy import (
    COUNTERS,
    DEFAULT_MAX_GAP_S,
    ENERGY_COMMAND,
    EnergyIntegrator,
    powers_from_qpigs,
)

log = logging.getLogger("pyworker.service")

SAVE_EVERY_S = 30.0
SAMPLE_MAX_AGE_S = 2.0  # an ENERGY answer integrates up to a QPIGS this fresh
COUNTER_MAX_AGE_S = 30.0

# (query text, max age in s) -> its decoded answer; the port runner's read of the cache/wire
Reader = Callable[[str, float], Decoded]


def state_path_for(audit_log: str | None, explicit: str | None) -> str | None:
    """The state file: the one asked for, else next to the audit log, else none (memory)."""
    if explicit:
        return explicit
    if audit_log:
        return str(Path(audit_log).with_suffix(".energy.json"))
    return None


class EnergyMeter:
    def __init__(
        self,
        catalogue: Catalogue,
        state_path: str | None = None,
        *,
        max_gap_s: float = DEFAULT_MAX_GAP_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalogue = catalogue
        self.state_path = state_path
        self.clock = clock
        self.integrator = EnergyIntegrator.from_state(self._load(), max_gap_s)
        self._pv2: tuple[float, float] | None = None  # (time, W)
        self._saved_at = clock()
        self._dirty = False
        # counters the unit turned out not to have (NAK): integrated instead from then on
        self._no_counter: set[str] = set()

    def handles(self, text: str) -> bool:
        return text == ENERGY_COMMAND

    # -- samples --------------------------------------------------------------------------------
    def observe(self, text: str, decoded: Decoded) -> None:
        """A reading the port thread decoded (the hook in PortRunner._query)."""
        now = self.clock()
        if text == "QPIGS2":
            self._pv2 = (now, float(decoded.data.get("pv2_charging_power") or 0.0))
        elif text == "QPIGS":
            pv2 = 0.0
            if self._pv2 is not None and now - self._pv2[0] <= self.integrator.max_gap_s:
                pv2 = self._pv2[1]
            self.integrator.observe(now, powers_from_qpigs(decoded.data, pv2))
            self._dirty = True
            if now - self._saved_at >= SAVE_EVERY_S:
                self.save()

    # -- the ENERGY answer ----------------------------------------------------------------------
    def answer(self, read: Reader) -> Decoded:
        read("QPIGS", SAMPLE_MAX_AGE_S)  # observed through the hook like any other reading
        counters: dict[str, float | None] = {}
        sources: list[str] = []
        for key, (query, data_key) in COUNTERS.items():
            counters[key] = None
            if query in self.catalogue.commands and query not in self._no_counter:
                try:
                    value = read(query, COUNTER_MAX_AGE_S).data.get(data_key)
                except (NakError, UnsupportedError):
                    log.info("%s: the unit has no %s counter; integrating instead", key, query)
                    self._no_counter.add(query)
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    counters[key] = float(value)
                    sources.append(f"{key}={query}")
        data = self.integrator.answer(counters)
        units = {key: "kWh" for key in data}
        raw = "counters: " + (", ".join(sources) if sources else "none") + "; rest integrated"
        return Decoded(ENERGY_COMMAND, dict(data), units, raw)

    # -- persistence ----------------------------------------------------------------------------
    def _load(self) -> object:
        if not self.state_path:
            return None
        try:
            with open(self.state_path, encoding="utf-8") as fh:
                state: object = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning(
                "energy state %s unreadable (%s): totals start at zero", self.state_path, exc
            )
            return None
        log.info("energy totals from %s", self.state_path)
        return state

    def save(self) -> None:
        """Write the totals (temporary file + rename: never a half-written state)."""
        self._saved_at = self.clock()
        if not self.state_path or not self._dirty:
            return
        tmp = f"{self.state_path}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(self.integrator.state(), fh)
            os.replace(tmp, self.state_path)
            self._dirty = False
        except OSError as exc:
            log.warning("cannot write the energy state %s: %s", self.state_path, exc)
