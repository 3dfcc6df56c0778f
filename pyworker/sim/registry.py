"""Named simulator instances: one per process per name, so that re-opening ``sim://?name=x``
reaches the same unit. An instance with a ``control`` endpoint is keyed by it (only one
simulator can bind it) and owns its control server until it is forgotten."""

from __future__ import annotations

import threading

from .config import SimConfig
from .control import ControlServer
from .simulator import Simulator

_REGISTRY: dict[str, Simulator] = {}
_CONTROLS: dict[str, ControlServer] = {}
_REGISTRY_LOCK = threading.Lock()


def simulator_for(config: SimConfig) -> Simulator:
    """The simulator a sim:// URL means: shared by ``name`` (or, without a name, by its control
    endpoint, which only one simulator can bind); a fresh private one otherwise. When an
    instance exists, the options of later opens are ignored."""
    key = config.name or config.control
    if key is None:
        return Simulator(config)
    with _REGISTRY_LOCK:
        sim = _REGISTRY.get(key)
        if sim is None:
            sim = Simulator(config)
            if config.control:
                control = ControlServer(sim, config.control)
                control.start()
                _CONTROLS[key] = control
            _REGISTRY[key] = sim
        return sim


def get_simulator(name: str) -> Simulator:
    with _REGISTRY_LOCK:
        try:
            return _REGISTRY[name]
        except KeyError:
            raise KeyError(f"no simulator named {name!r} in this process") from None


def forget_simulator(name: str) -> None:
    """Drop a named instance (and stop its control endpoint); the next open makes a new one."""
    with _REGISTRY_LOCK:
        _REGISTRY.pop(name, None)
        control = _CONTROLS.pop(name, None)
    if control is not None:
        control.stop()
