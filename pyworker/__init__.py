"""pi30-worker: owns a PI30 inverter port and serves it over ZeroMQ."""

__version__ = "0.1.0"
