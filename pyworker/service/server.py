"""The ZeroMQ front of the worker: one ROUTER, one port thread, one reply per request.

The server thread owns the ROUTER socket: it parses requests, answers what needs no wire
(health, catalogue, cache hits, refusals, deadlines), queues the rest, and forwards the port
thread's replies, which arrive over an inproc PUSH/PULL pair (zmq sockets are not shared).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import zmq

from .. import __version__
from ..errors import (
    InternalError,
    InvalidRequestError,
    Pi30Error,
    PortUnavailableError,
    ShuttingDownError,
)
from ..protocol import Catalogue, SetterContext, get_catalogue, normalize_setter
from ..protocol.catalogue.profiles import catalogue_for, get_profile
from ..protocol.energy import DEFAULT_MAX_GAP_S
from ..protocol.served import served_catalogue
from .audit import AuditLog
from .cache import AnswerCache
from .counters import Counters
from .energy import EnergyMeter, state_path_for
from .outcomes import claim, deadline_error, failure, query_reply
from .port_runner import PortRunner
from .resolution import resolution
from .scheduler import QUERY_PRIORITIES, Scheduler, Waiter
from .security import SecurityError, check_binds, check_curve_files, setup_server_curve
from .setters import SetterPolicy, depends_on_unit
from .wire import MAX_MESSAGE_BYTES, Request, WireError, error_reply, ok_reply, pack, parse_request

log = logging.getLogger("pyworker.service")

DEFAULT_BIND = "tcp://127.0.0.1:5630"
DEFAULT_QUERY_TIMEOUT_MS = 10_000.0
DEFAULT_SET_TIMEOUT_MS = 15_000.0
PORT_THREAD_JOIN_S = 0.5  # the in-flight transaction may finish; the process exits within 1 s
DRAIN_BATCH = 512  # messages handled per socket per loop turn, so neither side starves


@dataclass
class ServiceConfig:
    port_url: str
    binds: list[str] = field(default_factory=lambda: [DEFAULT_BIND])
    protocol: str = "auto"  # auto: detected at connect; PI30 / PI30MAX: fixed
    profile: str | None = None  # forces a device profile (protocol.catalogue.profiles)
    baud: int = 2400
    adjust_zero: bool = True
    read_only: bool = False
    allow_set: tuple[str, ...] = ()
    audit_log: str | None = None
    audit_group: str | None = None
    curve_secret_key: str | None = None
    curve_clients: str | None = None
    insecure: bool = False
    queue_size: int = 64
    retries: int = 2
    query_timeout_ms: float = DEFAULT_QUERY_TIMEOUT_MS
    set_timeout_ms: float = DEFAULT_SET_TIMEOUT_MS
    energy_state: str | None = None  # default: next to the audit log
    energy_max_gap_s: float = DEFAULT_MAX_GAP_S


class InprocSink:
    """The port thread's way to hand replies to the server thread."""

    def __init__(self, context: zmq.Context[Any], endpoint: str) -> None:
        self.socket = context.socket(zmq.PUSH)
        self.socket.sndhwm = 0  # bounded by the scheduler's limits, never dropped
        self.socket.connect(endpoint)

    def send(self, waiter: Waiter, reply: dict[str, Any]) -> None:
        self.socket.send_multipart([*waiter.envelope, pack(reply)])

    def close(self) -> None:
        self.socket.close(linger=2000)


class WorkerService:
    def __init__(self, config: ServiceConfig) -> None:
        from ..transport import ReconnectingPort

        self.config = config
        self.auto = config.protocol.strip().upper() == "AUTO"
        forced = get_profile(config.profile) if config.profile else None
        if self.auto and forced is None:
            # Until the unit is identified: the MAX catalogue knows every name; the port thread
            # resolves each job again against the unit's own catalogue.
            self._initial_catalogue = get_catalogue("PI30MAX")
        else:
            protocol = forced.protocol if self.auto and forced else config.protocol
            self._initial_catalogue = catalogue_for(protocol, config.profile)
        # Both variants have the same setters: an auto worker checks --allow-set against PI30.
        policy_catalogue = get_catalogue("PI30") if self.auto else self._initial_catalogue
        self.policy = SetterPolicy.build(policy_catalogue, config.read_only, config.allow_set)
        check_binds(config.binds, config.curve_secret_key, config.curve_clients, config.insecure)
        if config.curve_secret_key is not None and config.curve_clients is not None:
            check_curve_files(config.curve_secret_key, config.curve_clients)
        self.counters = Counters()
        self.cache = AnswerCache()
        self.scheduler = Scheduler(max_jobs=config.queue_size, max_waiters=config.queue_size * 64)
        self.audit = AuditLog(config.audit_log, config.audit_group)
        self.energy = EnergyMeter(
            self._initial_catalogue,  # the port thread gives it the unit's own once identified
            state_path_for(config.audit_log, config.energy_state),
            max_gap_s=config.energy_max_gap_s,
        )
        self.started = time.monotonic()
        self._catalogue_dicts: dict[tuple[int, str], dict[str, Any]] = {}
        self._stop = threading.Event()
        self._reply_endpoint = f"inproc://pi30-replies-{id(self):x}"
        self.context: zmq.Context[Any] = zmq.Context()
        self.runner: PortRunner | None = None
        self.port = ReconnectingPort(
            config.port_url,
            baud=config.baud,
            adjust_zero=config.adjust_zero,
            on_state_change=self._on_port_state,
        )
        self.bound: list[str] = []

    @property
    def catalogue(self) -> Catalogue:
        """The unit's catalogue once identified (the port thread swaps it at connect)."""
        return self.runner.catalogue if self.runner is not None else self._initial_catalogue

    @property
    def identified(self) -> bool:
        return self.runner is not None and self.runner.detection is not None

    def _facts(self) -> tuple[int | None, dict[str, tuple[int, ...]]]:
        return self.runner.known_facts() if self.runner is not None else (None, {})

    def _catalogue_dict(self) -> dict[str, Any]:
        """The served catalogue: setters' values for the unit's facts read so far."""
        catalogue = self.catalogue
        nominal, options = self._facts()
        key = (id(catalogue), repr((nominal, sorted(options.items()))))
        cached = self._catalogue_dicts.get(key)
        if cached is None:
            cached = self._catalogue_dicts[key] = served_catalogue(catalogue, nominal, options)
        if self.auto and not self.identified:
            return {**cached, "profile": None}  # a stand-in until the unit is identified
        return cached

    def _profile(self) -> str | None:
        return None if self.auto and not self.identified else self.catalogue.profile

    def _resolution(self, request: Request) -> dict[str, Any]:
        assert request.command is not None
        catalogue = self.catalogue
        cmd = catalogue.resolve(request.command)[0]
        nominal, options = self._facts()
        known = self.runner is not None and self.runner.knows_facts_for(cmd)
        return ok_reply(
            request.id,
            **resolution(
                catalogue,
                request.command,
                self.policy,
                profile=self._profile(),
                nominal_voltage=nominal,
                current_options=options,
                validate=known or not depends_on_unit(cmd),
            ),
        )

    def _resolve(self, router: zmq.Socket[Any], waiter: Waiter) -> None:
        """Answer at once, or after the port thread read the unit's facts the setter's values
        depend on (QPIRI, QMCHGCR...) when they are not known yet and the port may answer."""
        request = waiter.request
        assert request.command is not None
        cmd = self.catalogue.resolve(request.command)[0]
        runner = self.runner
        needs_facts = (
            cmd.kind == "setter"
            and depends_on_unit(cmd)
            and runner is not None
            and (self.identified or not self.auto)
            and not runner.knows_facts_for(cmd)
            and self.port.state == "connected"
        )
        if not needs_facts:
            self._send(router, waiter, self._resolution(request))
            return
        waiter.context["answer"] = lambda: self._resolution(request)
        self.scheduler.submit_setter(waiter, cmd)

    def _on_port_state(self, state: str, last_error: Any) -> None:
        if self.runner is not None:
            self.runner.on_port_state(state, last_error)

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        if signum is not None:
            log.info("signal %s: shutting down", signal.Signals(signum).name)
        self._stop.set()

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> int:
        router = self.context.socket(zmq.ROUTER)
        router.maxmsgsize = MAX_MESSAGE_BYTES
        router.linger = 1000
        router.ipv6 = any("[" in endpoint for endpoint in self.config.binds)  # tcp://[::1]:5630
        auth = None
        endpoint = ""
        try:
            if self.config.curve_secret_key and self.config.curve_clients:
                auth = setup_server_curve(
                    self.context, router, self.config.curve_secret_key, self.config.curve_clients
                )
            for endpoint in self.config.binds:
                router.bind(endpoint)
                self.bound.append(router.last_endpoint.decode())
                log.info(
                    "listening on %s%s", self.bound[-1], " (CURVE)" if auth is not None else ""
                )
        except (zmq.ZMQError, SecurityError) as exc:
            if endpoint:
                log.error("cannot bind %s: %s", endpoint, exc)
            else:
                log.error("%s", exc)
            router.close(linger=0)
            if auth is not None:
                auth.stop()
            self.audit.close()
            self.context.term()
            return 2
        replies = self.context.socket(zmq.PULL)
        replies.bind(self._reply_endpoint)
        self.runner = PortRunner(
            self.port,
            self.catalogue,
            self.scheduler,
            self.cache,
            self.counters,
            self.audit,
            lambda: InprocSink(self.context, self._reply_endpoint),
            retries=self.config.retries,
            adjust_zero=self.config.adjust_zero,
            detect_variant=self.auto,
            forced_profile=self.config.profile,
            energy=self.energy,
        )
        self._install_signal_handlers()
        log.info(
            "serving %s (%s)%s",
            self.config.port_url,
            self.config.protocol,
            " read-only" if self.config.read_only else "",
        )
        self.runner.start()
        code = 1
        try:
            code = self._loop(router, replies)
        except Exception:
            # A bug in the server thread itself: stop serving and exit non-zero at once, so a
            # supervisor restarts the worker instead of a process that answers nothing.
            log.critical("the server thread failed; stopping", exc_info=True)
            self.scheduler.close()
            self.runner.stop()
        finally:
            router.close(linger=0 if code else 1000)
            replies.close(linger=0)
            if auth is not None:
                auth.stop()
            self.audit.close()
            self.runner.thread.join(PORT_THREAD_JOIN_S)
            if self.runner.thread.is_alive():
                # Its reply socket is still open: context.term() would wait for it forever.
                log.critical("the port thread did not stop; exiting without waiting for it")
            else:
                self.energy.save()  # the port thread has stopped: no reading races this
                self.context.term()
        log.info("stopped")
        return code

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for name in ("SIGTERM", "SIGINT"):
            signum = getattr(signal, name, None)
            if signum is not None:
                signal.signal(signum, self.request_stop)

    def _loop(self, router: zmq.Socket[Any], replies: zmq.Socket[Any]) -> int:
        assert self.runner is not None
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(replies, zmq.POLLIN)
        closing = False
        while True:
            events = dict(poller.poll(self._poll_timeout_ms()))
            if replies in events:
                self._forward(replies, router)
            if router in events:
                self._receive(router)
            self._expire(router)
            if self._stop.is_set() and not closing:
                closing = True
                for waiter in self.scheduler.close():
                    self._send(router, waiter, failure(waiter, _shutting_down(), self.audit))
                self.runner.stop()
            if not self.runner.thread.is_alive():
                self._forward(replies, router)
                if closing:
                    return 0
                log.critical("the port thread died; stopping")
                for waiter in self.scheduler.close() + self.scheduler.abandon_in_flight():
                    self._send(router, waiter, failure(waiter, _shutting_down(), self.audit))
                return 1

    def _poll_timeout_ms(self) -> int:
        deadline = self.scheduler.next_deadline()
        wait = 100.0
        if deadline is not None:
            wait = min(wait, max(0.0, (deadline - time.monotonic()) * 1000.0))
        return int(wait) + 1

    def _forward(self, replies: zmq.Socket[Any], router: zmq.Socket[Any]) -> None:
        for _ in range(DRAIN_BATCH * 4):
            try:
                frames = replies.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            router.send_multipart(frames)

    def _expire(self, router: zmq.Socket[Any]) -> None:
        for waiter in self.scheduler.expire():
            self.counters.add("expired")
            self._send(router, waiter, failure(waiter, deadline_error(waiter), self.audit))

    def _send(self, router: zmq.Socket[Any], waiter: Waiter, reply: dict[str, Any]) -> None:
        if self.runner is not None:
            reply.setdefault("profile", self.runner.profile)
        if claim(waiter, reply):
            router.send_multipart([*waiter.envelope, pack(reply)])

    # -- requests -------------------------------------------------------------------------------
    def _receive(self, router: zmq.Socket[Any]) -> None:
        for _ in range(DRAIN_BATCH):
            try:
                frames = router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self.counters.add("requests")
            envelope: tuple[bytes, ...]
            if len(frames) == 2:
                envelope, body = (frames[0],), frames[1]
            elif len(frames) == 3 and frames[1] == b"":  # a REQ client's delimiter
                envelope, body = (frames[0], b""), frames[2]
            else:
                error = InvalidRequestError("a request is exactly one frame holding a msgpack map")
                router.send_multipart([frames[0], pack(error_reply(None, error))])
                continue
            self._handle(router, envelope, body)

    def _handle(self, router: zmq.Socket[Any], envelope: tuple[bytes, ...], body: bytes) -> None:
        """One request; whatever goes wrong becomes its error reply and the loop goes on."""
        try:
            self._handle_request(router, envelope, body)
        except Exception:
            log.exception("internal error while handling a request")
            self.counters.add("internal_errors")
            error = InternalError("internal error in the worker (logged); the request was dropped")
            try:
                router.send_multipart([*envelope, pack(error_reply(_request_id(body), error))])
            except Exception:  # pragma: no cover - the socket itself failed
                log.exception("cannot send the INTERNAL reply")

    def _handle_request(
        self, router: zmq.Socket[Any], envelope: tuple[bytes, ...], body: bytes
    ) -> None:
        now = time.monotonic()
        try:
            request = parse_request(body)
        except WireError as exc:
            log.debug("invalid request: %s", exc.message)
            if exc.op == "set":
                waiter = Waiter(envelope, Request(exc.request_id, "set"), now, now)
                self._send(router, waiter, failure(waiter, exc, self.audit))
            else:
                router.send_multipart([*envelope, pack(error_reply(exc.request_id, exc))])
            return
        default_ms = (
            self.config.set_timeout_ms if request.op == "set" else self.config.query_timeout_ms
        )
        timeout_ms = request.timeout_ms if request.timeout_ms is not None else default_ms
        waiter = Waiter(envelope, request, now, now + timeout_ms / 1000.0)
        try:
            if request.op == "query":
                self._query(router, waiter)
            elif request.op == "set":
                self._set(waiter)
            elif request.op == "health":
                self._send(router, waiter, ok_reply(request.id, **self.health()))
            elif request.op == "resolve":
                self._resolve(router, waiter)
            else:
                self._send(
                    router,
                    waiter,
                    ok_reply(
                        request.id,
                        protocol=self.catalogue.protocol,
                        catalogue=self._catalogue_dict(),
                    ),
                )
        except Pi30Error as exc:
            if exc.code == "BUSY":
                self.counters.add("busy")
            self._send(router, waiter, failure(waiter, exc, self.audit))

    def _query(self, router: zmq.Socket[Any], waiter: Waiter) -> None:
        request = waiter.request
        assert request.command is not None
        cmd, arg = self.catalogue.resolve(request.command)
        if cmd.kind != "query":
            raise InvalidRequestError(f"{cmd.name} is a setter: use op 'set'")
        key = cmd.name + (arg or "")
        if request.max_age_ms is not None:
            cached = self.cache.get(key, request.max_age_ms / 1000.0)
            if cached is not None:
                self.counters.add("cache_hits")
                self._send(router, waiter, query_reply(waiter, cached.decoded, cached=True))
                return
        self._fail_fast_if_down()
        priority = QUERY_PRIORITIES[request.priority]
        if self.scheduler.submit_query(waiter, key, cmd, priority):
            self.counters.add("coalesced")

    def _set(self, waiter: Waiter) -> None:
        request = waiter.request
        assert request.command is not None
        self.counters.add("setters")
        cmd = self.catalogue.get(request.command)
        if cmd.kind != "setter":
            raise InvalidRequestError(f"{cmd.name} is a query: use op 'query'")
        try:
            self.policy.check(cmd)
            # Before an auto-detected unit is identified its own rules are unknown: the port
            # thread validates (it identifies the unit before it runs any job).
            if (self.identified or not self.auto) and not depends_on_unit(cmd):
                # Context-free rules (choices, flags, patterns) are refused without queueing;
                # the port thread validates again against the unit's own facts.
                normalize_setter(
                    cmd.name,
                    request.value,
                    protocol=self.catalogue.protocol,
                    context=SetterContext(),
                    profile=self.runner.profile if self.runner is not None else None,
                )
        except Pi30Error:
            self.counters.add("refused")
            raise
        self._fail_fast_if_down()
        self.scheduler.submit_setter(waiter, cmd)

    def _fail_fast_if_down(self) -> None:
        """While the port is down and no reconnect attempt is due, do not queue."""
        if self.port.state != "connected" and (self.port.retry_in or 0.0) > 0.0:
            error = self.port.last_error
            why = error.message if error is not None else "not connected"
            raise PortUnavailableError(f"the port is {self.port.state}: {why}")

    def health(self) -> dict[str, Any]:
        assert self.runner is not None
        return {
            "port": self.port.status(),
            "protocol": self.catalogue.protocol,
            **self.runner.identity_report(),  # variant, profile, why, identity
            "device": self.runner.device,
            "queue_depth": self.scheduler.queue_depth,
            "counters": self.counters.snapshot(),
            "uptime_s": round(time.monotonic() - self.started, 1),
            "version": __version__,
        }


def _request_id(body: bytes) -> str | int | None:
    """The id of a request that could not be handled, if it can be read at all."""
    try:
        return parse_request(body).id
    except Exception:  # noqa: BLE001 - any failure here only means no id to echo
        return None


def _shutting_down() -> ShuttingDownError:
    return ShuttingDownError("the worker is shutting down; the request was not sent")
