"""The worker service: a ZeroMQ ROUTER in front of one port queue (wire protocol v1).

Importing this package does not import zmq's authenticator or any Linux-only module; the
server imports the transport lazily.
"""

from .client import NoReplyError, WorkerClient
from .scheduler import Scheduler, Waiter
from .server import DEFAULT_BIND, ServiceConfig, WorkerService
from .wire import MAX_MESSAGE_BYTES, PROTOCOL_VERSION, Request, parse_request

__all__ = [
    "DEFAULT_BIND",
    "MAX_MESSAGE_BYTES",
    "PROTOCOL_VERSION",
    "NoReplyError",
    "Request",
    "Scheduler",
    "ServiceConfig",
    "Waiter",
    "WorkerClient",
    "WorkerService",
    "parse_request",
]
