"""`pi30-worker profiles` (the device profiles and what selects each) and `pi30-worker identify`
(a unit's identity answers and raw samples of the main queries, as JSON for a bug report)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from .cli_args import add_baud_option, add_command, add_port_option
from .errors import Pi30Error, ProtocolError, ResponseTimeout
from .output import error_json, print_json
from .protocol import encode_raw, split_frame
from .protocol.profiles import PROBE_COMMANDS, PROFILES, ProbeResult, detect

IDENTITY_QUERIES: tuple[tuple[str, str], ...] = (
    ("protocol_id", "QPI"),
    ("serial", "QID"),
    ("model", "QMN"),
    ("model_number", "QGMN"),
    ("firmware", "QVFW"),
)
SAMPLE_QUERIES: tuple[str, ...] = (
    "QVFW2",
    "QPIGS",
    "QPIGS2",
    "QPIRI",
    "QMOD",
    "QPIWS",
    "QFLAG",
    "QDI",
    "Q1",
    "QBEQI",
)


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "profiles", _cmd_profiles)
    p.add_argument("--json", action="store_true", help="print every profile in full as JSON")

    p = add_command(subparsers, "identify", _cmd_identify)
    add_port_option(p)
    add_baud_option(p)
    p.add_argument("--timeout", type=float, default=None, help="seconds per answer")


def _cmd_profiles(args: argparse.Namespace) -> int:
    """list the device profiles and the identity answers that select each

    Device profiles are named overrides on the catalogue (codes, argument widths, layouts, commands)
    for families of units that all answer QPI with PI30. The worker picks one at connect; --profile
    ID forces it.
    """
    if args.json:
        print_json({"profiles": [p.to_dict() for p in PROFILES.values()]})
        return 0
    lines = []
    for profile in PROFILES.values():
        lines.append(f"{profile.id:<10} {profile.protocol:<8} {profile.description}")
        for selector in profile.selectors:
            lines.append(f"{'':<10} selected when {selector.why} ({selector.match})")
        if not profile.selectors:
            lines.append(f"{'':<10} selected when no other profile matches")
    print("\n".join(lines))
    return 0


def _sample(transport: Any, text: str, timeout: float | None) -> dict[str, Any]:
    """One raw answer: its hex, its payload text (or the error) and its field count."""
    try:
        frame = transport.transact(encode_raw(text), expected_bytes=200, timeout=timeout)
    except ResponseTimeout as exc:
        return {"error": exc.to_dict()}
    out: dict[str, Any] = {"hex": frame.hex()}
    try:
        payload = split_frame(frame, text)
    except ProtocolError as exc:
        out["error"] = {"code": exc.code, "message": exc.message}
        return out
    out["payload"] = payload
    out["fields"] = len(payload.split())
    return out


def _probe_result(sample: dict[str, Any]) -> ProbeResult:
    code = sample.get("error", {}).get("code")
    if code is None:
        return "answered"
    return {"NAK": "nak", "UNSUPPORTED": "unsupported", "TIMEOUT": "timeout"}.get(code, "error")  # type: ignore[return-value]


def identify_port(port: str, *, baud: int = 2400, timeout: float | None = None) -> dict[str, Any]:
    from .service.identity import identity_of
    from .transport.factory import open_transport

    transport = open_transport(port, baud=baud)
    samples: dict[str, dict[str, Any]] = {}
    try:
        for text in (*(q for _, q in IDENTITY_QUERIES), *SAMPLE_QUERIES, *PROBE_COMMANDS):
            if text not in samples:
                samples[text] = _sample(transport, text, timeout)
    finally:
        transport.close()
    device: dict[str, str | None] = {}
    for key, text in IDENTITY_QUERIES:
        payload = samples[text].get("payload")
        device[key] = payload.split(":", 1)[-1] if payload and text == "QVFW" else payload
    scc = samples["QVFW2"].get("payload")
    identity = replace(
        identity_of(device),
        scc_firmware=scc.split(":", 1)[-1] if scc else None,
        field_counts={c: samples[c]["fields"] for c in PROBE_COMMANDS if "fields" in samples[c]},
        probes={c: _probe_result(samples[c]) for c in PROBE_COMMANDS},
    )
    detection = detect(identity)
    return {
        "identity": identity.to_dict(),
        "detected": detection.to_dict(),
        "answers": samples,
    }


def _cmd_identify(args: argparse.Namespace) -> int:
    """print a unit's identity answers and raw sample answers as JSON (bug reports)

    Read QPI, QID, QMN, QGMN, QVFW, probe what detection uses and sample the main queries; print the
    answers (text and hex), the field counts and the variant and profile the worker would pick.
    Paste it into a bug report. Do not run it on a port a worker already owns.
    """
    try:
        result = identify_port(args.port, baud=args.baud, timeout=args.timeout)
    except Pi30Error as exc:
        print_json(error_json(exc))
        return 1
    print_json(result)
    return 0
