"""Who the unit is: its identity answers, the probes detection needs, the profile it gets.

The port thread reads the identity strings (QPI, QSID/QID, QMN, QGMN, QVFW) at connect; this
module turns them into an Identity, sends the probes the protocol's ``probes_needed`` asks
for through a callable (one raw transaction each, no retry), and calls ``detect``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ..errors import NakError, ProtocolError, ResponseTimeout, UnsupportedError
from ..protocol import split_frame
from ..protocol.catalogue.profiles import Detection, Identity, ProbeResult, detect, probes_needed

Probe = Callable[[str], tuple[ProbeResult, str | None]]  # the result and the payload
Transact = Callable[[str], bytes]


def probe_with(transact: Transact) -> Probe:
    """A probe over ``transact`` (request text -> answer bytes): the result and the payload.

    Transport failures other than a timeout (the port went away) propagate.
    """

    def probe(text: str) -> tuple[ProbeResult, str | None]:
        try:
            payload = split_frame(transact(text), text)
        except ResponseTimeout:
            return "timeout", None
        except NakError:
            return "nak", None
        except UnsupportedError:
            return "unsupported", None
        except ProtocolError:
            return "error", None
        return "answered", payload

    return probe


def identity_of(device: Mapping[str, str | None]) -> Identity:
    return Identity(
        protocol_id=device.get("protocol_id"),
        model_name=device.get("model"),
        model_code=device.get("model_number"),
        serial=device.get("serial"),
        firmware=device.get("firmware"),
    )


def identify(
    device: Mapping[str, str | None],
    probe: Probe,
    *,
    protocol: str | None = None,
    profile: str | None = None,
) -> tuple[Identity, Detection]:
    """Probe as far as needed and pick the variant and profile.

    An explicit ``protocol`` or ``profile`` sends no probe: the identity strings only choose
    among that variant's profiles (so an explicit --protocol costs no extra transaction).
    """
    identity = identity_of(device)
    if protocol is None and profile is None:
        # the SCC firmware too, for reports (QVFW2: "VERFW2:00041.17")
        _, scc = probe("QVFW2")
        identity = replace(identity, scc_firmware=scc.split(":", 1)[-1] if scc else None)
        counts: dict[str, int] = {}
        results: dict[str, ProbeResult] = {}
        for text in probes_needed(identity):
            result, payload = probe(text)
            results[text] = result
            if payload is not None:
                counts[text] = len(payload.split())
            identity = replace(identity, field_counts=dict(counts), probes=dict(results))
            if detect(identity).profile.id != "generic":
                break  # a selector matched: the rest would not change the choice
    return identity, detect(identity, protocol=protocol, profile=profile)


def report(identity: Identity | None, detection: Detection | None) -> dict[str, Any]:
    """What health shows: variant, profile, why, and the answers they come from."""
    if detection is None:
        return {
            "variant": None,
            "profile": None,
            "why": ["not identified yet: the port has not been connected"],
            "identity": None,
        }
    return {
        **detection.to_dict(),
        "identity": identity.to_dict() if identity is not None else None,
    }
