"""The reply maps of the service, shared by the server and port threads."""

from __future__ import annotations

import logging
import time
from typing import Any

from ..errors import Pi30Error, ResponseTimeout
from ..protocol import Decoded
from .audit import AuditLog
from .scheduler import Waiter
from .wire import error_reply, ok_reply

log = logging.getLogger("pyworker.service")


def claim(waiter: Waiter, reply: dict[str, Any]) -> bool:
    """Mark ``waiter`` answered; False (and an error logged) if it already was."""
    if waiter.replied:  # pragma: no cover - ownership rules make this impossible
        log.error("second reply for request %r suppressed", waiter.request.id)
        return False
    waiter.replied = True
    if log.isEnabledFor(logging.DEBUG):
        request = waiter.request
        outcome = "ok" if reply.get("ok") else reply.get("error", {}).get("code")
        log.debug(
            "reply %r %s %s: %s in %.1f ms",
            request.id,
            request.op,
            request.command or "",
            outcome,
            elapsed_ms(waiter),
        )
    return True


def elapsed_ms(waiter: Waiter, now: float | None = None) -> float:
    return round(((time.monotonic() if now is None else now) - waiter.received) * 1000.0, 1)


def query_reply(waiter: Waiter, decoded: Decoded, *, cached: bool) -> dict[str, Any]:
    return ok_reply(
        waiter.request.id,
        command=decoded.command,
        data=decoded.data,
        units=decoded.units,
        raw=decoded.raw,
        cached=cached,
        elapsed_ms=elapsed_ms(waiter),
    )


def set_reply(
    waiter: Waiter, command: str, sent: str | None, changed: bool, verified: bool | None
) -> dict[str, Any]:
    return ok_reply(
        waiter.request.id,
        command=command,
        sent=sent,
        changed=changed,
        verified=verified,
        elapsed_ms=elapsed_ms(waiter),
    )


def failure(
    waiter: Waiter, exc: Pi30Error, audit: AuditLog, *, sent: str | None = None
) -> dict[str, Any]:
    """The error reply for ``waiter``; a setter's failure goes to the audit log first."""
    request = waiter.request
    if request.op == "set":
        audit_set(audit, waiter, sent=sent, outcome=exc.code, message=exc.message)
    return error_reply(request.id, exc)


def audit_set(
    audit: AuditLog,
    waiter: Waiter,
    *,
    sent: str | None,
    outcome: str,
    changed: bool | None = None,
    verified: bool | None = None,
    message: str | None = None,
) -> None:
    request = waiter.request
    entry = audit.record(
        source=request.source,
        command=request.command,
        value=request.value,
        sent=sent,
        outcome=outcome,
        request_id=request.id,
        changed=changed,
        verified=verified,
        message=message,
    )
    if audit.path is None:
        return  # the audit line itself went to the log
    log.info(
        "setter %s %r from %s: %s (sent %s)",
        entry["command"],
        entry["value"],
        entry["source"] or "-",
        outcome,
        sent,
    )


def deadline_error(waiter: Waiter) -> ResponseTimeout:
    waited = (time.monotonic() - waiter.received) * 1000.0
    return ResponseTimeout(f"no answer within the request's timeout (waited {waited:.0f} ms)")
