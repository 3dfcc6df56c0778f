"""Device profiles: how one family of units differs from the catalogue, as data.

Every unit here answers ``QPI`` with ``PI30``, yet families give the same codes other meanings
(VM II: output priority 1 is SBU), other argument widths (MUCHGC0020), other answer layouts
(18-field Q1, 12-field QPIGS2) and other command sets. A profile names those differences as
overrides on a base catalogue (PI30 or PI30MAX); ``catalogue_for`` applies them, so decoding,
setter validation, the editor's choices and the docs all follow the unit.

``detect`` picks the profile from the identity answers read at connect (QPI, QMN, QGMN, field
counts, probes). Pure data and functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ...errors import UnknownCommandError
from . import get_catalogue
from .enums import CHARGER_SOURCE_PRIORITIES, DEVICE_MODES, QPIWS_BITS, two_digit
from .fields import amps, bit_field, seconds, text_field, volts, watt_hours, watts
from .queries import QPIGS_FIELDS
from .schema import PROTOCOLS, ArgRule, Catalogue, Command, Field, Plausible

SelectorKind = Literal["model_name", "model_code", "fields", "probe"]
ProbeResult = Literal["answered", "nak", "unsupported", "timeout", "error"]


@dataclass(frozen=True)
class Selector:
    """One identity fact that picks a profile.

    ``model_name`` / ``model_code``: ``match`` is a regular expression searched in the QMN /
    QGMN answer. ``fields``: ``command`` answered with a field count in ``match`` ("18",
    "24-" for 24 or more). ``probe``: ``command`` gave the result ``match`` (answered, nak...).
    Name and code selectors decide at once; field counts and probes need extra reads.
    """

    kind: SelectorKind
    match: str
    command: str = ""
    why: str = ""

    @property
    def decisive(self) -> bool:
        return self.kind in ("model_name", "model_code")

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "match": self.match, "why": self.why}
        if self.command:
            out["command"] = self.command
        return out


@dataclass(frozen=True)
class Profile:
    """Named, declarative overrides on a base catalogue.

    - ``field_enums``: field key -> code -> label, for every query holding that key; a key
      ``"QPGS.charger_source_priority"`` limits it to one command.
    - ``setter_choices``: setter -> wire code -> label. Choice setters whose read-back field
      gets a new enum follow it unless listed here; PPCP follows PCP.
    - ``setter_formats`` (current setters: the digit width, ``{:04d}``) and
      ``setter_patterns`` (pattern setters: regex, description) change arguments.
    - ``layouts``: query -> its fields, replacing the base layout (18-field Q1...).
    - ``added`` borrows commands from the PI30MAX catalogue; ``removed`` drops commands.
    - ``ranges``: ``"QPIGS.pv_power"`` -> the Plausible range of that field on this unit; the
      shape checks (pyworker.protocol.shape) take it with the field.
    - ``known_answers``: command -> what the unit is known to answer, said with the error.
    """

    id: str
    description: str
    evidence: str
    protocol: str
    selectors: tuple[Selector, ...] = ()
    field_enums: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    setter_choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    setter_formats: Mapping[str, str] = field(default_factory=dict)
    setter_patterns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    layouts: Mapping[str, tuple[Field, ...]] = field(default_factory=dict)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    ranges: Mapping[str, Plausible] = field(default_factory=dict)
    known_answers: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "evidence": self.evidence,
            "protocol": self.protocol,
            "selectors": [s.to_dict() for s in self.selectors],
            "field_enums": {k: dict(v) for k, v in self.field_enums.items()},
            "setter_choices": {k: dict(v) for k, v in self.setter_choices.items()},
            "setter_formats": dict(self.setter_formats),
            "setter_patterns": {k: v[0] for k, v in self.setter_patterns.items()},
            "layouts": {k: [f.key for f in v] for k, v in self.layouts.items()},
            "added": list(self.added),
            "removed": list(self.removed),
            "ranges": {k: [v.low, v.high] for k, v in self.ranges.items()},
            "known_answers": dict(self.known_answers),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------------------
# The profiles' data
# ------------------------------------------------------------------------------------------
# Accepted short names of a meaning, whatever code the unit gives it.
MEANING_ALIASES: dict[str, tuple[str, ...]] = {
    "utility first": ("utility", "uti", "usb", "utility solar battery", "cub"),
    "solar first": ("solar", "sol", "sub", "solar utility battery", "cso"),
    "sbu first": ("sbu", "sbu priority", "solar battery utility"),
    "solar + utility": ("solar and utility", "snu"),
    "only solar charging permitted": ("only solar", "solar only", "oso"),
}

VMII_OUTPUT_PRIORITIES = {"0": "Utility first", "1": "SBU first", "2": "Solar first"}
VMII_CHARGER_PRIORITIES = {
    "0": "Solar first",
    "1": "Solar + Utility",
    "2": "Only solar charging permitted",
}
# LV6548 class: PCP 00..02 and QPGS number the charger priorities without "Utility first".
LV6548_CHARGER_PRIORITIES = VMII_CHARGER_PRIORITIES
MKS2_7200_CHARGER_PRIORITIES = {
    "0": "Undefined",
    **{code: label for code, label in CHARGER_SOURCE_PRIORITIES.items() if code != "0"},
}

# VM II answers Q1 with 18 fields whose order is not publicly documented beyond the two timers:
# the rest stay raw text so that no value is shown with a unit it does not have.
VMII_Q1_FIELDS: tuple[Field, ...] = (
    seconds("time_until_end_of_absorb_charging"),
    seconds("time_until_end_of_float_charging"),
) + tuple(text_field(f"q1_field_{i}", f"Q1 field {i} (meaning unknown)") for i in range(2, 18))

VMII_QPIWS_BITS: tuple[str, ...] = ("pv_loss_warning",) + QPIWS_BITS[1:32]

PIP_MST_QPIGS2_FIELDS: tuple[Field, ...] = (
    amps("pv2_input_current", "PV2 input current", "float"),
    volts("pv2_input_voltage", "PV2 input voltage"),
    volts("battery_voltage_from_scc2", "Battery voltage from SCC2"),
    watts("pv2_charging_power", "PV2 charging power"),
    text_field("qpigs2_device_status", "Device status (QPIGS2)"),
    amps("ac_charging_current", "AC charging current", "float"),
    watts("ac_charging_power", "AC charging power"),
    amps("pv3_input_current", "PV3 input current", "float"),
    volts("pv3_input_voltage", "PV3 input voltage"),
    volts("battery_voltage_from_scc3", "Battery voltage from SCC3"),
    watts("pv3_charging_power", "PV3 charging power"),
    watts("pv_total_charging_power", "PV total charging power"),
)

# REVO: QPIGS field 12 is the PV power and field 15 the day's PV energy (not the PV current and
# the battery discharge current of the classic layout).
REVO_QPIGS_FIELDS: tuple[Field, ...] = (
    QPIGS_FIELDS[:12]
    + (watts("pv_power", "PV power"),)
    + QPIGS_FIELDS[13:15]
    + (watt_hours("pv_energy_today", "PV energy today"),)
    + QPIGS_FIELDS[16:]
)

GENERIC = Profile(
    id="generic",
    description="any PI30 unit without a known profile: the catalogue as documented",
    evidence="the PI30 protocol document; mpp-solar protocols/pi30.py",
    protocol="PI30",
    notes=(
        (
            "Mode setters (POP, PCP) write the documented codes; check the result on the LCD "
            "and report the unit with `pi30-worker identify --port URL`."
        ),
    ),
)

VMII = Profile(
    id="vmii",
    description="VM II class (VMII-4000, VMII-NXPW...): other priority codes, 18-field Q1",
    evidence=(
        "owner's LCD check reported in this project's issue 13 (output priority 1 = SBU, "
        "charger 2 = only solar); QBEQI and the 32-bit QPIWS with bit 0 'PV loss' as in "
        "mpp-solar protocols/pi30max.py"
    ),
    protocol="PI30",
    selectors=(
        Selector("model_name", r"VM\s*-?\s*II(?!I)", "", "QMN names a VM II model"),
        Selector("fields", "18", "Q1", "Q1 answers 18 fields (VM II layout)"),
    ),
    field_enums={
        "output_source_priority": VMII_OUTPUT_PRIORITIES,
        "charger_source_priority": VMII_CHARGER_PRIORITIES,
        # QMOD C: charging with the output off on this family, not bypass
        "device_mode": {**DEVICE_MODES, "C": "Charging, output off"},
        "work_mode": {**DEVICE_MODES, "C": "Charging, output off"},
    },
    layouts={
        "Q1": VMII_Q1_FIELDS,
        "QPIWS": tuple(bit_field(b) for b in VMII_QPIWS_BITS),
    },
    added=("QBEQI",),
    notes=(
        (
            "Owner-confirmed: output priority 1 = SBU first, charger priority 2 = only solar; "
            "the other codes follow the same family's ordering."
        ),
    ),
)

LV6548 = Profile(
    id="lv6548",
    description="LV6548 / EG4-6500EX / MKS2-6500 class (model code 045), split phase",
    evidence=(
        "mpp-solar protocols/pi30m045.py (PCP00..02, QPGS charger list, DAT with 12 digits) "
        "and mpp-solar pull request 387 (QPIRI keeps the PI30 charger numbering)"
    ),
    protocol="PI30MAX",
    selectors=(
        Selector("model_code", r"^0?45$", "", "QGMN answers 045 (LV6548 class)"),
        Selector("model_name", r"LV6548|6500EX|MKS2-6500", "", "QMN names an LV6548 class unit"),
    ),
    field_enums={"QPGS.charger_source_priority": LV6548_CHARGER_PRIORITIES},
    setter_choices={"PCP": two_digit(LV6548_CHARGER_PRIORITIES)},
    setter_formats={"MUCHGC": "{:04d}"},
    setter_patterns={"DAT": (r"\d{12}", "YYMMDDHHMMSS (12 digits), a valid date and time")},
)

MKS2_7200 = Profile(
    id="mks2-7200",
    description="MKS2-7200 class (model code 044): charger code 0 undefined, QOPPT present",
    evidence="mpp-solar protocols/pi30m044.py (QPIRI charger list starting 'Undefined', QOPPT)",
    protocol="PI30MAX",
    selectors=(
        Selector("model_code", r"^0?44$", "", "QGMN answers 044 (MKS2-7200 class)"),
        Selector("model_name", r"MKS2-7200", "", "QMN names an MKS2-7200"),
    ),
    field_enums={"charger_source_priority": MKS2_7200_CHARGER_PRIORITIES},
    setter_choices={
        "PCP": {k: v for k, v in two_digit(MKS2_7200_CHARGER_PRIORITIES).items() if k != "00"}
    },
)

MKS_IV = Profile(
    id="mks-iv",
    description="Axpert MKS IV: MUCHGC takes 4 digits (MUCHGC0020; MUCHGC020 is NAKed)",
    evidence="MKS IV owners' captures summarised in this project's issue 13 (MUCHGC020 NAK, "
    "MUCHGC0020 ACK); the digit-width reports in mpp-solar's tracker",
    protocol="PI30",
    selectors=(Selector("model_name", r"MKS\s*-?\s*IV", "", "QMN names an Axpert MKS IV"),),
    setter_formats={"MUCHGC": "{:04d}"},
)

PIP_MST = Profile(
    id="pip-mst",
    description="PIP4048MST and other 3-tracker units: 12-field QPIGS2 (PV2, PV3, AC charge)",
    evidence="mpp-solar protocols/pi30mst.py (the 12 QPIGS2 fields)",
    protocol="PI30MAX",
    selectors=(
        Selector("model_name", r"MST\b", "", "QMN names an MST (3-tracker) model"),
        Selector("fields", "12", "QPIGS2", "QPIGS2 answers 12 fields (3-tracker layout)"),
    ),
    layouts={"QPIGS2": PIP_MST_QPIGS2_FIELDS},
)

QPIGS2_NAK_10K2 = (
    "the 10.2 kW class (POW-HVM10.2M, NM-MAX-10.2KW) answers QPIGS2 with NAK: its PV2 is not "
    "readable with any documented command"
)

MAX = Profile(
    id="max",
    description="PI30 MAX units (two trackers, energy counters, QPIGS2)",
    evidence="the PI30 MAX protocol document; mpp-solar protocols/pi30max.py; the 10.2 kW "
    "QPIGS2 NAK reports in mpp-solar's and docker-voltronic-homeassistant's trackers",
    protocol="PI30MAX",
    selectors=(
        Selector("model_name", r"MAX", "", "QMN names a MAX model"),
        Selector("fields", "24-", "QPIGS", "QPIGS answers 24 or more fields (MAX layout)"),
        Selector("fields", "3", "QPIGS2", "QPIGS2 answers the 3 PV2 fields"),
    ),
    known_answers={"QPIGS2": QPIGS2_NAK_10K2},
)

REVO = Profile(
    id="revo",
    description="PI30 REVO units: QPIGS carries the PV power and the day's PV energy",
    evidence="mpp-solar protocols/pi30revo.py (its QPIGS layout and test response)",
    protocol="PI30",
    selectors=(Selector("model_name", r"REVO", "", "QMN names a REVO model"),),
    layouts={"QPIGS": REVO_QPIGS_FIELDS},
    # a 4-5 kW unit: its PV power and its day's PV energy stay well within these
    ranges={
        "QPIGS.pv_power": Plausible(0, 12000),
        "QPIGS.pv_energy_today": Plausible(0, 120000),
    },
    notes=(
        (
            "REVO's own QALL / PQSE / QLITH0 answer with a 1-byte checksum instead of the CRC: "
            "not supported yet."
        ),
    ),
)

# Most specific first: detection takes the first profile with a matching selector.
PROFILES: dict[str, Profile] = {
    p.id: p for p in (VMII, LV6548, MKS2_7200, MKS_IV, PIP_MST, REVO, MAX, GENERIC)
}
PROFILE_IDS: tuple[str, ...] = tuple(PROFILES)
# Queries detection may send beyond the identity strings, cheapest first. QPIRI's field count
# decides nothing alone (firmwares append fields) but goes into the identity for reports.
PROBE_COMMANDS: tuple[str, ...] = ("QPIGS2", "Q1", "QPIGS", "QPIRI", "QBEQI")
SETTER_TWINS = {"PPCP": "PCP"}  # the parallel form takes the single form's codes


def get_profile(profile_id: str) -> Profile:
    try:
        return PROFILES[profile_id.strip().lower()]
    except KeyError:
        raise UnknownCommandError(
            f"unknown profile {profile_id!r}; known: {', '.join(PROFILE_IDS)}"
        ) from None


# ------------------------------------------------------------------------------------------
# Applying a profile
# ------------------------------------------------------------------------------------------
def _aliases(choices: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, label in choices.items():
        out[label.lower()] = code
        for alias in MEANING_ALIASES.get(label.lower(), ()):
            out[alias] = code
    return out


def _enum_for(profile: Profile, command: str, key: str) -> Mapping[str, str] | None:
    return profile.field_enums.get(f"{command}.{key}", profile.field_enums.get(key))


def _apply_query(profile: Profile, cmd: Command) -> Command:
    fields = profile.layouts.get(cmd.name, cmd.fields)
    changed = fields is not cmd.fields
    out: list[Field] = []
    for fld in fields:
        enum = _enum_for(profile, cmd.name, fld.key) if fld.type == "enum" else None
        if enum is not None:
            fld = replace(fld, enum=dict(enum))
            changed = True
        plausible = profile.ranges.get(f"{cmd.name}.{fld.key}")
        if plausible is not None:
            fld = replace(fld, plausible=plausible)
            changed = True
        out.append(fld)
    return replace(cmd, fields=tuple(out)) if changed else cmd


def _setter_choices(profile: Profile, cmd: Command, queries: Mapping[str, Command]) -> Any:
    name = SETTER_TWINS.get(cmd.name, cmd.name)
    if name in profile.setter_choices:
        return profile.setter_choices[name]
    source = queries.get(name)
    readback = source.readback if source is not None else cmd.readback
    if readback is None or readback.field == "*":
        return None
    query = queries.get(readback.query)
    fld = query.field(readback.field) if query is not None else None
    enum = _enum_for(profile, readback.query, readback.field)
    if fld is None or enum is None:
        return None
    return two_digit(enum)


def _apply_setter(profile: Profile, cmd: Command, commands: Mapping[str, Command]) -> Command:
    rule = cmd.arg
    if rule is None:
        return cmd
    new_rule: ArgRule = rule
    if rule.kind in ("choice", "unit_choice"):
        choices = _setter_choices(profile, cmd, commands)
        if choices is not None:
            new_rule = replace(rule, choices=dict(choices), aliases=_aliases(choices))
    if cmd.name in profile.setter_formats:
        new_rule = replace(new_rule, fmt=profile.setter_formats[cmd.name])
    if cmd.name in profile.setter_patterns:
        pattern, description = profile.setter_patterns[cmd.name]
        new_rule = replace(new_rule, pattern=pattern, description=description)
    return cmd if new_rule is rule else replace(cmd, arg=new_rule)


def apply_profile(base: Catalogue, profile: Profile) -> Catalogue:
    """The base catalogue with the profile's overrides, named after the profile."""
    commands = dict(base.commands)
    borrowed = get_catalogue("PI30MAX").commands
    for name in profile.added:
        commands.setdefault(name, borrowed[name])
    for name in profile.removed:
        commands.pop(name, None)
    queries = {
        name: _apply_query(profile, cmd) if cmd.kind == "query" else cmd
        for name, cmd in commands.items()
    }
    # Setters read the base setter rules (PPCP follows PCP) and the profile's query fields.
    resolved = {
        name: _apply_setter(profile, cmd, queries) if cmd.kind == "setter" else cmd
        for name, cmd in queries.items()
    }
    return Catalogue(base.protocol, resolved, profile=profile.id)


_CACHE: dict[tuple[str, str], Catalogue] = {}


def catalogue_for(protocol: str = "PI30", profile: str | None = None) -> Catalogue:
    """The catalogue of ``protocol`` with ``profile`` applied (None or "generic": as is)."""
    base = get_catalogue(protocol)
    if profile is None or profile == "generic":
        return base
    key = (base.protocol, profile.strip().lower())
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = apply_profile(base, get_profile(profile))
    return found


def setting_code(catalogue: Catalogue, cmd: Command, argument: str) -> str | None:
    """The code the read-back field shows after ``cmd`` + ``argument`` (PCP00 -> "1" on an
    LV6548, whose PCP and QPIRI number the charger priorities differently)."""
    rule, readback = cmd.arg, cmd.readback
    if rule is None or readback is None or rule.kind != "choice":
        return None
    label = (rule.choices or {}).get(argument)
    query = catalogue.commands.get(readback.query)
    fld = query.field(readback.field) if query is not None else None
    if label is None or fld is None:
        return None
    for code, text in (fld.enum or {}).items():
        if text == label:
            return code
    return None


# ------------------------------------------------------------------------------------------
# Detection
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """What the unit answered at connect: identity strings, field counts, probe results."""

    protocol_id: str | None = None
    model_name: str | None = None
    model_code: str | None = None
    serial: str | None = None
    firmware: str | None = None
    scc_firmware: str | None = None
    field_counts: Mapping[str, int] = field(default_factory=dict)
    probes: Mapping[str, ProbeResult] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol_id": self.protocol_id,
            "model_name": self.model_name,
            "model_code": self.model_code,
            "serial": self.serial,
            "firmware": self.firmware,
            "scc_firmware": self.scc_firmware,
            "field_counts": dict(self.field_counts),
            "probes": dict(self.probes),
        }


@dataclass(frozen=True)
class Detection:
    variant: str  # PI30 / PI30MAX: the catalogue's protocol
    profile: Profile
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "profile": self.profile.id, "why": list(self.reasons)}


def _count_matches(match: str, count: int) -> bool:
    if match.endswith("-"):
        return count >= int(match[:-1])
    return count == int(match)


def _selector_fact(selector: Selector, identity: Identity) -> str | None:
    """The matched fact, said plainly, or None."""
    if selector.kind in ("model_name", "model_code"):
        text = identity.model_name if selector.kind == "model_name" else identity.model_code
        asked = "QMN" if selector.kind == "model_name" else "QGMN"
        if text and re.search(selector.match, text, re.IGNORECASE):
            return f"{selector.why}: {asked} answered {text!r}"
        return None
    if selector.kind == "fields":
        count = identity.field_counts.get(selector.command)
        if count is not None and _count_matches(selector.match, count):
            return f"{selector.why}: {selector.command} answered {count} fields"
        return None
    result = identity.probes.get(selector.command)
    if result == selector.match:
        return f"{selector.why}: {selector.command} {result}"
    return None


def probes_needed(identity: Identity) -> tuple[str, ...]:
    """Queries worth sending: none once a model name or code has decided."""
    for profile in PROFILES.values():
        if any(s.decisive and _selector_fact(s, identity) for s in profile.selectors):
            return ()
    return tuple(
        c for c in PROBE_COMMANDS if c not in identity.field_counts and c not in identity.probes
    )


def detect(
    identity: Identity, *, protocol: str | None = None, profile: str | None = None
) -> Detection:
    """Pick the variant and profile. ``protocol`` (an explicit --protocol) limits the choice
    to profiles of that variant; ``profile`` (--profile) forces one."""
    if protocol is not None and protocol.upper() not in PROTOCOLS:
        raise UnknownCommandError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    variant = protocol.upper() if protocol is not None else None
    if profile is not None:
        chosen = get_profile(profile)
        reasons = [f"--profile {chosen.id} given"]
        if variant is not None:
            reasons.append(f"--protocol {variant} given")
        return Detection(variant or chosen.protocol, chosen, tuple(reasons))
    for candidate in PROFILES.values():
        if variant is not None and candidate.protocol != variant:
            continue
        facts = [f for s in candidate.selectors if (f := _selector_fact(s, identity))]
        if facts:
            reasons = facts + ([f"--protocol {variant} given"] if variant else [])
            return Detection(variant or candidate.protocol, candidate, tuple(reasons))
    seen = ", ".join(
        f"{name} {value!r}"
        for name, value in (("QMN", identity.model_name), ("QGMN", identity.model_code))
        if value
    )
    why = "no profile matched" + (f" ({seen})" if seen else "")
    reasons = [why] + ([f"--protocol {variant} given"] if variant else [])
    return Detection(variant or GENERIC.protocol, GENERIC, tuple(reasons))
