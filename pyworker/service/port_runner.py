"""The port thread: the only code that talks to the inverter. One transaction at a time.

It takes jobs from the Scheduler, retries what deserves a retry, runs setters (validate against
the unit, skip identical writes, write, verify) and reads the device's identity at connect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import (
    CrcError,
    InternalError,
    MalformedError,
    NakError,
    Pi30Error,
    PortUnavailableError,
    ProtocolError,
    ResponseTimeout,
    ShapeError,
    ShuttingDownError,
    UnknownCommandError,
    UnsupportedError,
)
from ..protocol import (
    CRC_FORMS,
    Catalogue,
    Command,
    CrcForm,
    Decoded,
    SetterContext,
    check_shape,
    decode,
    encode_raw,
    normalize_setter,
)
from ..protocol.catalogue.profiles import Detection, Identity, catalogue_for
from ..protocol.served import NOMINAL_VOLTAGE_QUERY
from .audit import AuditLog
from .cache import AnswerCache
from .counters import Counters
from .energy import EnergyMeter
from .identity import identify, probe_with, report
from .outcomes import audit_set, claim, deadline_error, failure, query_reply, set_reply
from .scheduler import Job, QueryJob, Scheduler, SetJob, Waiter
from .setters import battery_dependent, options_query, readback_matches

log = logging.getLogger("pyworker.service")

RETRYABLE = (CrcError, MalformedError, ResponseTimeout)  # no valid answer came back
READBACK_MAX_AGE_S = 3.0  # a read-back this fresh decides only_if_changed without a new read
DEVICE_QUERIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("protocol_id", ("QPI",), "protocol_id"),
    ("serial", ("QSID", "QID"), "serial_number"),
    ("model", ("QMN",), "model_name"),
    ("model_number", ("QGMN",), "general_model_number"),
    ("firmware", ("QVFW",), "main_cpu_firmware_version"),
)


class Port(Protocol):
    """What the runner needs of pyworker.transport.ReconnectingPort."""

    @property
    def state(self) -> str: ...

    @property
    def retry_in(self) -> float | None: ...

    @property
    def last_error(self) -> Any: ...

    failed_attempts: int

    def open(self) -> bool: ...

    def reconnect_if_due(self) -> bool: ...

    def transact(
        self, request: bytes, *, expected_bytes: int, timeout: float | None = None
    ) -> bytes: ...

    def resync(self) -> None: ...

    def take_stale_bytes(self) -> int: ...

    def close(self) -> None: ...


class ReplySink(Protocol):
    def send(self, waiter: Waiter, reply: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


@dataclass
class UnitFacts:
    """What the unit told us that tightens setter validation; forgotten at each reconnect."""

    nominal_battery_voltage: int | None = None
    current_options: dict[str, tuple[int, ...]] = field(default_factory=dict)


class PortRunner:
    def __init__(
        self,
        port: Port,
        catalogue: Catalogue,
        scheduler: Scheduler,
        cache: AnswerCache,
        counters: Counters,
        audit: AuditLog,
        open_sink: Callable[[], ReplySink],
        *,
        retries: int = 2,
        adjust_zero: bool = True,
        detect_variant: bool = False,
        forced_profile: str | None = None,
        energy: EnergyMeter | None = None,
    ) -> None:
        """``detect_variant``: --protocol auto (probe, then pick PI30 or PI30MAX); else the
        catalogue's protocol stays and only its profiles are considered. ``forced_profile``:
        --profile."""
        self.port = port
        self.energy = energy if energy is not None else EnergyMeter(catalogue)
        self.catalogue = catalogue
        self.protocol = catalogue.protocol
        self.scheduler = scheduler
        self.cache = cache
        self.counters = counters
        self.audit = audit
        self.retries = retries
        self.adjust_zero = adjust_zero
        self._open_sink = open_sink
        self._sink: ReplySink | None = None
        self._stopping = threading.Event()
        self._device_stale = True
        self._device: dict[str, str | None] = {key: None for key, _, _ in DEVICE_QUERIES}
        self._facts = UnitFacts()
        self._crc_forms: frozenset[CrcForm] = CRC_FORMS  # narrowed by verified answers
        self._failures_logged = 0
        self._detect_variant = detect_variant
        self._forced_profile = forced_profile
        self.identity: Identity | None = None
        self.detection: Detection | None = None
        self.thread = threading.Thread(target=self.run, name="pi30-port", daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Finish the transaction on the wire, start no other one."""
        self._stopping.set()

    @property
    def device(self) -> dict[str, str | None]:
        return dict(self._device)

    @property
    def profile(self) -> str | None:
        """The detected profile's id (None until the unit was identified)."""
        return self.detection.profile.id if self.detection is not None else None

    def identity_report(self) -> dict[str, Any]:
        return report(self.identity, self.detection)

    def known_facts(self) -> tuple[int | None, dict[str, tuple[int, ...]]]:
        """The unit's nominal battery voltage and current lists as far as read (no I/O)."""
        facts = self._facts
        return facts.nominal_battery_voltage, {k: v for k, v in facts.current_options.items() if v}

    def knows_facts_for(self, cmd: Command) -> bool:
        """True when every fact of the unit that ``cmd``'s allowed values depend on is read."""
        if battery_dependent(cmd) and self._facts.nominal_battery_voltage is None:
            return False
        query = options_query(cmd)
        return query is None or query in self._facts.current_options

    def on_port_state(self, state: str, last_error: Any) -> None:
        """ReconnectingPort's listener (called from this thread)."""
        if state == "connected":
            self._device_stale = True
            self._facts = UnitFacts()
            self._crc_forms = CRC_FORMS  # another unit (or adapter) may answer another way
            log.info("port connected")
        elif self._stopping.is_set():
            log.info("port closed")
        else:
            log.warning("port %s: %s", state, getattr(last_error, "message", last_error))

    def run(self) -> None:
        self._sink = self._open_sink()
        try:
            self.port.open()
            self._log_open_failures()
            while True:
                self._maintain_port()
                job = self.scheduler.next_job(self._idle_wait())
                if job is None:
                    if self.scheduler.closed:
                        break
                    continue
                self._run_guarded(job)
        except Exception:  # pragma: no cover - a bug; the server sees the thread die
            log.exception("port thread failed")
            raise
        finally:
            self.port.close()
            self._sink.close()

    def _idle_wait(self) -> float:
        if self.port.state == "connected":
            return 0.5
        retry = self.port.retry_in
        return 0.5 if retry is None else max(0.01, min(0.5, retry))

    def _maintain_port(self) -> None:
        if self._stopping.is_set():
            return
        if self.port.state != "connected":
            self.port.reconnect_if_due()
            self._log_open_failures()
        if self.port.state == "connected" and self._device_stale:
            self._read_device_info()

    def _log_open_failures(self) -> None:
        failures = self.port.failed_attempts
        if failures > self._failures_logged:
            error = self.port.last_error
            retry = self.port.retry_in
            log.warning(
                "cannot open the port (attempt %d, next in %.0f s): %s",
                failures,
                retry or 0.0,
                getattr(error, "message", error),
            )
        self._failures_logged = failures

    # -- replies --------------------------------------------------------------------------------
    def _reply(self, waiter: Waiter, reply: dict[str, Any]) -> None:
        assert self._sink is not None
        reply.setdefault("profile", self.profile)
        if claim(waiter, reply):
            self._sink.send(waiter, reply)

    def _fail(self, waiter: Waiter, exc: Pi30Error, sent: str | None = None) -> None:
        self._reply(waiter, failure(waiter, exc, self.audit, sent=sent))

    def _expire(self) -> None:
        for waiter in self.scheduler.expire():
            self.counters.add("expired")
            self._fail(waiter, deadline_error(waiter))

    # -- transactions ---------------------------------------------------------------------------
    def _transact(self, text: str, cmd: Command) -> Decoded:
        """One request frame on the wire and its decoded answer (no retry).

        An answer is taken only if its CRC is in the form this unit uses and it has the shape
        of an answer to ``text``; otherwise the line is resynchronised (quiet, drained) before
        anything else is sent, so a late or foreign answer never becomes another's reading.
        """
        if self._stopping.is_set():
            raise ShuttingDownError("the worker is shutting down")
        frame = encode_raw(text, adjust_zero=self.adjust_zero)
        try:
            answer = self.port.transact(frame, expected_bytes=cmd.expected_response_bytes)
        except ResponseTimeout:
            self.counters.add("transactions")
            self.counters.add("timeouts")
            raise
        finally:
            self.counters.add("stale_bytes_dropped", self.port.take_stale_bytes())
        self.counters.add("transactions")
        try:
            # Setters decode by name: their argument (PEa, MCHGC040) is not a query suffix.
            decoded = decode(
                cmd.name if cmd.kind == "setter" else text,
                answer,
                self.protocol,
                self.profile,
                crc_accept=self._crc_forms,
            )
            # The port's own catalogue: it holds the layouts this unit answers with.
            layout = self.catalogue.commands.get(cmd.name, cmd)
            check_shape(layout, decoded.raw, self._facts.nominal_battery_voltage)
        except CrcError:
            self.counters.add("crc_errors")
            self.port.resync()
            raise
        except NakError:
            self.counters.add("naks")
            self.port.resync()  # it may be another exchange's: its own answer may follow
            raise
        except ShapeError as exc:
            self.counters.add("shape_mismatches")
            self.counters.add("malformed")
            self.port.resync()
            log.info("%s: not its answer (%s); line resynchronised", text, exc.message)
            raise
        except MalformedError:
            self.counters.add("malformed")
            self.port.resync()
            raise
        except ProtocolError:
            self.port.resync()  # an echo or a PI18 answer: let the line settle all the same
            raise
        self._learn_crc_form(decoded)
        return decoded

    def _learn_crc_form(self, decoded: Decoded) -> None:
        """Narrow the accepted CRC forms to those this verified answer used (most answers
        fit all three: only CRC bytes that need adjusting tell them apart)."""
        forms = self._crc_forms & decoded.crc_forms
        if not forms or forms == self._crc_forms:
            return
        self._crc_forms = forms
        log.info(
            "the unit's answer CRCs are %s: other forms are CRC errors until a reconnect",
            " or ".join(sorted(forms)),
        )

    def _with_retries(self, text: str, cmd: Command, wanted: Callable[[], bool]) -> Decoded:
        """Transact, repeating on a CRC error, a garbled answer or a timeout (``retries`` more).

        ``wanted()`` says whether anyone still waits for the answer before each retry.
        """
        attempt = 0
        while True:
            try:
                return self._transact(text, cmd)
            except RETRYABLE as exc:
                attempt += 1
                if attempt > self.retries or self._stopping.is_set() or not wanted():
                    raise
                self.counters.add("retries")
                log.info("%s: %s, retry %d of %d", text, exc.code, attempt, self.retries)

    def _query(self, text: str, cmd: Command, wanted: Callable[[], bool]) -> Decoded:
        if self.energy.handles(text):
            decoded = self.energy.answer(self._internal_read)  # reads QPIGS (and counters)
        else:
            decoded = self._with_retries(text, cmd, wanted)
        self.cache.put(text, decoded)
        self._learn(text, decoded)
        self.energy.observe(text, decoded)
        return decoded

    def _learn(self, text: str, decoded: Decoded) -> None:
        if text == NOMINAL_VOLTAGE_QUERY:
            nominal = decoded.data.get("battery_voltage")
            if isinstance(nominal, int | float) and int(nominal) in (12, 24, 48):
                self._facts.nominal_battery_voltage = int(nominal)
        cmd = self.catalogue.commands.get(text)
        if cmd is not None and cmd.response == "options":
            values = decoded.data.get(cmd.options_key or "options")
            if isinstance(values, list):
                self._facts.current_options[text] = tuple(int(v) for v in values)

    def _internal_read(self, text: str, max_age_s: float) -> Decoded:
        """A read the worker needs itself; queued client queries for it are answered too."""
        cached = self.cache.get(text, max_age_s)
        if cached is not None:
            return cached.decoded
        cmd = self.catalogue.commands[text]
        decoded = self._query(text, cmd, lambda: True)
        for waiter in self.scheduler.take_queued(text):
            self._reply(waiter, query_reply(waiter, decoded, cached=False))
        return decoded

    # -- jobs -----------------------------------------------------------------------------------
    def _run_guarded(self, job: Job) -> None:
        """Run one job; a bug becomes INTERNAL for its waiters and the thread goes on."""
        try:
            self._run(job)
        except Exception:
            log.exception("internal error while running %s", _job_name(job))
            self.counters.add("internal_errors")
            error = InternalError("internal error in the worker (logged); the request failed")
            for waiter in self.scheduler.finish(job):
                try:
                    self._fail(waiter, error)
                except Exception:
                    log.exception("cannot send the INTERNAL reply")

    def _run(self, job: Job) -> None:
        self._expire()
        if isinstance(job, QueryJob):
            self._run_query(job)
        elif job.waiter.request.op == "resolve":
            self._run_resolve(job)
        else:
            self._run_setter(job)

    def _run_query(self, job: QueryJob) -> None:
        if self.scheduler.waiters_left(job) == 0:
            self.scheduler.finish(job)
            return
        try:
            cmd = self._unit_command(job.command)
            decoded = self._query(job.key, cmd, lambda: self._still_waiting(job))
        except Pi30Error as exc:
            exc = self._with_known_answer(job.command.name, exc)
            for waiter in self.scheduler.finish(job):
                self._fail(waiter, exc)
            return
        for waiter in self.scheduler.finish(job):
            self._reply(waiter, query_reply(waiter, decoded, cached=False))

    def _still_waiting(self, job: QueryJob) -> bool:
        self._expire()
        return self.scheduler.waiters_left(job) > 0

    def _run_setter(self, job: SetJob) -> None:
        waiter, cmd = job.waiter, job.command
        request = waiter.request
        sent: str | None = None
        try:
            if time.monotonic() > waiter.deadline:
                self.counters.add("expired")
                raise deadline_error(waiter)
            cmd = self._unit_command(cmd)
            context = self._setter_context(cmd)
            try:
                text = normalize_setter(
                    cmd.name,
                    request.value,
                    protocol=self.protocol,
                    context=context,
                    profile=self.profile,
                )
            except Pi30Error:
                self.counters.add("refused")
                raise
            unchanged = (
                request.only_if_changed
                and cmd.readback is not None
                and self._already_set(cmd, text) is True
            )
            if unchanged:
                # The read-back that shows the unit already has the value also verifies it.
                self.scheduler.finish(job)
                audit_set(
                    self.audit, waiter, sent=None, outcome="unchanged", changed=False, verified=True
                )
                self._reply(waiter, set_reply(waiter, cmd.name, None, False, True))
                return
            sent = text
            self._write(text, cmd)
            verified = self._verify(cmd, text) if request.verify else None
        except Pi30Error as exc:
            self.scheduler.finish(job)
            self._fail(waiter, exc, sent=sent)
            return
        self.scheduler.finish(job)
        audit_set(self.audit, waiter, sent=text, outcome="changed", changed=True, verified=verified)
        self._reply(waiter, set_reply(waiter, cmd.name, text, True, verified))

    def _run_resolve(self, job: SetJob) -> None:
        """Read the unit's facts a setter's allowed values depend on, then answer ``resolve``
        (the server put the answer's builder in the waiter's context)."""
        try:
            self._setter_context(self._unit_command(job.command))
        except Pi30Error as exc:
            log.info("resolve %s: the unit's facts are unknown (%s)", job.command.name, exc)
        for waiter in self.scheduler.finish(job):
            try:
                reply = waiter.context["answer"]()
            except Pi30Error as exc:
                self._fail(waiter, exc)
                continue
            self._reply(waiter, reply)

    def _unit_command(self, cmd: Command) -> Command:
        """The command as this unit's profile defines it (the server resolved the name before
        the unit was identified, or against another profile)."""
        own = self.catalogue.commands.get(cmd.name)
        if own is None:
            raise UnknownCommandError(
                f"{cmd.name} is not a command of this unit ({self.protocol}, profile "
                f"{self.profile or 'generic'})"
            )
        return own

    def _with_known_answer(self, name: str, exc: Pi30Error) -> Pi30Error:
        """A NAK the profile expects says why (QPIGS2 on the 10.2 kW class)."""
        if self.detection is None or not isinstance(exc, NakError):
            return exc
        known = self.detection.profile.known_answers.get(name)
        return NakError(f"{exc.message}; known: {known}") if known else exc

    def _setter_context(self, cmd: Command) -> SetterContext:
        facts = self._facts
        if battery_dependent(cmd) and facts.nominal_battery_voltage is None:
            latest = self.cache.latest(NOMINAL_VOLTAGE_QUERY)
            decoded = (
                latest.decoded
                if latest is not None
                else self._internal_read(NOMINAL_VOLTAGE_QUERY, 0)
            )
            self._learn(NOMINAL_VOLTAGE_QUERY, decoded)
            if facts.nominal_battery_voltage is None:
                raise MalformedError(
                    f"{cmd.name}: the unit's nominal battery voltage (QPIRI) is not 12/24/48 V"
                )
        query = options_query(cmd)
        if query is not None and query not in facts.current_options:
            try:
                self._internal_read(query, float("inf"))
            except (UnsupportedError, NakError):
                facts.current_options[query] = ()  # no list on this unit: catalogue values
        return SetterContext(
            nominal_battery_voltage=facts.nominal_battery_voltage or 48,
            current_options={k: v for k, v in facts.current_options.items() if v},
        )

    def _already_set(self, cmd: Command, text: str) -> bool | None:
        assert cmd.readback is not None
        try:
            decoded = self._internal_read(cmd.readback.query, READBACK_MAX_AGE_S)
        except (PortUnavailableError, ShuttingDownError):
            raise
        except Pi30Error as exc:
            log.info("%s: read-back %s failed (%s); writing anyway", text, cmd.readback.query, exc)
            return None
        return readback_matches(self.catalogue, cmd, text, decoded.data)

    def _write(self, text: str, cmd: Command) -> None:
        """Send the setter; repeat only when no valid answer came back (never after a NAK)."""
        if cmd.readback is not None:
            self.cache.invalidate(cmd.readback.query)
        try:
            self._with_retries(text, cmd, lambda: True)
        finally:
            if cmd.readback is not None:
                self.cache.invalidate(cmd.readback.query)

    def _verify(self, cmd: Command, text: str) -> bool | None:
        if cmd.readback is None:
            return None
        try:
            decoded = self._internal_read(cmd.readback.query, 0.0)
        except Pi30Error as exc:
            log.info("%s: verify read %s failed: %s", text, cmd.readback.query, exc)
            return None
        result = readback_matches(self.catalogue, cmd, text, decoded.data)
        if result is False:
            log.warning("%s: acknowledged but the read-back differs", text)
        return result

    # -- device identity ------------------------------------------------------------------------
    def _read_device_info(self) -> None:
        """QPI, QSID/QID, QMN, QGMN, QVFW at connect; an unsupported one is left null."""
        device: dict[str, str | None] = {}
        for key, queries, data_key in DEVICE_QUERIES:
            device[key] = None
            for text in queries:
                cmd = self.catalogue.commands.get(text)
                if cmd is None:
                    continue
                try:
                    # One try each: units that ignore an unknown command would cost retries.
                    decoded = self._query(text, cmd, lambda: False)
                except (PortUnavailableError, ShuttingDownError):
                    return  # stays stale: read again at the next connect
                except (ProtocolError, ResponseTimeout) as exc:
                    log.info("device info %s: %s", text, exc.code)
                    continue
                value = decoded.data.get(data_key)
                device[key] = None if value is None else str(value)
                break
        if not self._detect(device):
            return  # stays stale: read again at the next connect
        self._device = device
        self._device_stale = False
        log.info(
            "device: %s",
            ", ".join(f"{k}={v}" for k, v in device.items()),
        )
        reported = device.get("protocol_id")
        if reported is not None and not reported.startswith("PI30"):
            log.warning("the unit reports protocol %s, not PI30: expect errors", reported)

    def _probe_transact(self, text: str) -> bytes:
        if self._stopping.is_set():
            raise ShuttingDownError("the worker is shutting down")
        frame = encode_raw(text, adjust_zero=self.adjust_zero)
        self.counters.add("transactions")
        try:
            return self.port.transact(frame, expected_bytes=200)
        finally:
            self.counters.add("stale_bytes_dropped", self.port.take_stale_bytes())

    def _detect(self, device: dict[str, str | None]) -> bool:
        """Pick the variant and profile; swap the catalogue to the unit's own."""
        forced = self._forced_profile
        try:
            identity, detection = identify(
                device,
                probe_with(self._probe_transact),
                protocol=None if self._detect_variant else self.protocol,
                profile=forced,
            )
        except (PortUnavailableError, ShuttingDownError):
            return False
        if self.detection is not None and self.detection.profile != detection.profile:
            self.cache.clear()  # another unit: its answers were decoded with another table
        self.identity, self.detection = identity, detection
        self.protocol = detection.variant
        self.catalogue = catalogue_for(detection.variant, detection.profile.id)
        self.energy.catalogue = self.catalogue  # the counters this unit has (QET on MAX)
        log.info(
            "variant %s, profile %s: %s",
            detection.variant,
            detection.profile.id,
            "; ".join(detection.reasons),
        )
        if detection.profile.id == "generic":
            log.info("unknown unit: run `pi30-worker identify` and report it (docs/commands.md)")
        return True


def _job_name(job: Job) -> str:
    return job.key if isinstance(job, QueryJob) else f"setter {job.command.name}"
