"""A small DEALER client for the worker (the `request` sub-command, scripts, the benchmark)."""

from __future__ import annotations

import itertools
import os
from typing import Any, Self

import msgpack
import zmq

from ..errors import NoReplyError
from .security import setup_client_curve
from .wire import PROTOCOL_VERSION

__all__ = ["NoReplyError", "WorkerClient"]


class WorkerClient:
    def __init__(
        self,
        endpoint: str,
        *,
        server_key: str | None = None,
        secret_key: str | None = None,
        context: zmq.Context[Any] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._own_context = context is None
        self.context: zmq.Context[Any] = context or zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.ipv6 = "[" in endpoint
        if server_key is not None or secret_key is not None:
            if server_key is None or secret_key is None:
                raise ValueError("CURVE needs both the server's public key and our secret key")
            setup_client_curve(self.socket, server_key, secret_key)
        self.socket.connect(endpoint)
        self._ids = itertools.count(1)
        self._prefix = os.urandom(3).hex()

    def next_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    def send(self, op: str, **fields: Any) -> str | int:
        message: dict[str, Any] = {"v": PROTOCOL_VERSION, "op": op, **fields}
        message.setdefault("id", self.next_id())
        self.socket.send(msgpack.packb(message, use_bin_type=True))
        request_id: str | int = message["id"]
        return request_id

    def receive(self, timeout_s: float) -> dict[str, Any]:
        if not self.socket.poll(int(timeout_s * 1000), zmq.POLLIN):
            raise NoReplyError(f"no reply from {self.endpoint} within {timeout_s:g} s")
        reply: dict[str, Any] = msgpack.unpackb(self.socket.recv(), raw=False)
        return reply

    def request(self, op: str, *, timeout_s: float = 15.0, **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its reply (other replies are discarded)."""
        request_id = self.send(op, **fields)
        while True:
            reply = self.receive(timeout_s)
            if reply.get("id") == request_id:
                return reply

    def close(self) -> None:
        self.socket.close(linger=0)
        if self._own_context:
            self.context.term()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
