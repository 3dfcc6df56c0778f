"""Is anything answering on a worker endpoint? Asked before a request so a person gets "is the
worker running on ...?" at once instead of waiting out the request's whole deadline.

A throwaway DEALER with the same CURVE settings connects and watches its monitor: a finished
ZMTP handshake means a ZeroMQ peer is there (and, with CURVE, took our keys); refused or
retried connections mean nothing listens; a failed handshake means the keys were refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from .security import setup_client_curve

_AUTH_FAILED = frozenset(
    getattr(zmq, name)
    for name in (
        "EVENT_HANDSHAKE_FAILED_AUTH",
        "EVENT_HANDSHAKE_FAILED_PROTOCOL",
        "EVENT_HANDSHAKE_FAILED_NO_DETAIL",
    )
    if hasattr(zmq, name)
)


@dataclass(frozen=True)
class Reachability:
    state: str  # "answering", "nothing-listens", "keys-refused", "no-handshake"
    message: str

    @property
    def ok(self) -> bool:
        return self.state == "answering"


def probe(
    endpoint: str,
    *,
    timeout_s: float = 3.0,
    server_key: str | None = None,
    secret_key: str | None = None,
    context: zmq.Context[Any] | None = None,
) -> Reachability:
    ctx: zmq.Context[Any] = context or zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.ipv6 = "[" in endpoint
    if server_key is not None and secret_key is not None:
        setup_client_curve(sock, server_key, secret_key)
    monitor = sock.get_monitor_socket()
    connected = False
    try:
        sock.connect(endpoint)
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            if not monitor.poll(int(left * 1000) + 1):
                break
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                return Reachability("answering", f"a worker answers on {endpoint}")
            if event in _AUTH_FAILED:
                return Reachability(
                    "keys-refused",
                    f"the worker on {endpoint} refused this client's CURVE keys: is our public"
                    " key in its --curve-clients directory, and --curve-server-key its key?",
                )
            if event == zmq.EVENT_CONNECTED:
                connected = True
            elif event == zmq.EVENT_CONNECT_RETRIED and not connected:
                break  # refused (or no such ipc socket): ZeroMQ would only keep retrying
    finally:
        sock.disable_monitor()
        monitor.close(linger=0)
        sock.close(linger=0)
    if connected:
        return Reachability(
            "no-handshake",
            f"something listens on {endpoint} but does not speak ZeroMQ: is the worker running"
            f" on {endpoint}, or is it another program?",
        )
    return Reachability(
        "nothing-listens",
        f"nothing answers on {endpoint}: is the worker running on {endpoint}? Start it with"
        f" `pi30-worker serve --port <port> --bind {endpoint}` or give its endpoint with"
        " --connect",
    )
