"""A stateful PI30 inverter simulator: model profiles, a day of sun, load and battery, an energy
ledger, 2400-baud pacing, injected faults, a ``sim://`` pyserial URL handler, a pseudo-terminal
front (``pi30-worker sim --pty``) and a ZeroMQ control endpoint. See docs/simulator.md."""

from .clock import SimClock
from .config import SimConfig
from .control import SimControl
from .faults import FAULT_KINDS, FaultPlan, parse_fault_spec
from .inverter import VirtualInverter
from .ledger import EnergyLedger
from .profiles import PROFILES, ModelProfile, get_profile
from .protocol_sim import register_url_handler
from .registry import forget_simulator, get_simulator, simulator_for
from .simulator import Simulator

__all__ = [
    "FAULT_KINDS",
    "PROFILES",
    "EnergyLedger",
    "FaultPlan",
    "ModelProfile",
    "SimClock",
    "SimConfig",
    "SimControl",
    "Simulator",
    "VirtualInverter",
    "forget_simulator",
    "get_profile",
    "get_simulator",
    "parse_fault_spec",
    "register_url_handler",
    "simulator_for",
]
