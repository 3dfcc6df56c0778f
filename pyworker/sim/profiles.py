"""Model profiles: what distinguishes one simulated unit from another (ratings, battery, PV
trackers, the unit's own current lists, what it refuses, its identity strings)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from .settings import InverterSettings

UnsupportedReply = Literal["echo", "nak"]


@dataclass(frozen=True)
class ModelProfile:
    key: str
    protocol: str  # catalogue variant: PI30 / PI30MAX
    description: str
    model_name: str  # QMN
    general_model_number: str  # QGMN
    serial_number: str
    firmware: str  # QVFW
    scc_firmware: str  # QVFW2 (QVFW3/4 on MAX)
    rated_va: int
    rated_w: int
    ac_input_current: float
    ac_output_current: float
    battery_nominal_v: int
    battery_capacity_ah: float
    pv_peak_w: tuple[float, ...]  # one entry per tracker
    pv_mpp_voltage: tuple[float, ...]
    charging_current_options: tuple[int, ...]  # QMCHGCR: the only values MCHGC accepts
    ac_charging_current_options: tuple[int, ...]  # QMUCHGCR
    solar_charging_current_options: tuple[int, ...]  # QMSCHGCR
    charger_priorities: tuple[int, ...]  # PCP codes the unit accepts
    unsupported_reply: UnsupportedReply = "echo"
    unsupported_setters: frozenset[str] = frozenset()
    refused_queries: frozenset[str] = frozenset()  # catalogued queries the unit answers NAK
    pv_feeds_load_in_line_mode: bool = False  # hybrids mix PV into the load while on Line
    pv_current_battery_side: bool = True  # QPIGS field 12: battery-side A (classic) or PV A (MAX)
    max_parallel_units: str = "6"
    machine_type: str = "01"
    ac_current_digits: int = 2  # QPIRI max_ac_charging_current width ("30" vs "030")
    sbu_priority_version_added: bool = False
    qpiws_bits: int = 32  # warning bits the unit sends (36 on PI30MAX)
    energy_base_pv_wh: int = 0  # QET/QLT before the simulation started
    energy_base_load_wh: int = 0
    settings: InverterSettings = field(default_factory=InverterSettings)
    device_profile: str = (
        "generic"  # pyworker.protocol.catalogue.profiles id: codes, layouts, commands
    )

    @property
    def battery_capacity_wh(self) -> float:
        return self.battery_nominal_v * self.battery_capacity_ah

    def default_settings(self) -> InverterSettings:
        """A fresh copy of the factory settings (QDI; what PF restores)."""
        return replace(self.settings, flags=dict(self.settings.flags))


PI30_CLASSIC = ModelProfile(
    key="pi30",
    protocol="PI30",
    description="classic PI30 off-grid unit, 48 V, 5 kVA / 4 kW, one 3 kW PV tracker",
    model_name="MKS2-5000",
    general_model_number="031",
    serial_number="92932105105335",
    firmware="00072.70",
    scc_firmware="00041.17",
    rated_va=5000,
    rated_w=4000,
    ac_input_current=21.7,
    ac_output_current=21.7,
    battery_nominal_v=48,
    battery_capacity_ah=100.0,
    pv_peak_w=(3000.0,),
    pv_mpp_voltage=(105.0,),
    charging_current_options=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120),
    ac_charging_current_options=(2, 10, 20, 30, 40, 50, 60),
    solar_charging_current_options=(10, 20, 30, 40, 50, 60, 70, 80),
    charger_priorities=(0, 1, 3),  # no Solar + Utility (02) on this family
    unsupported_reply="echo",
    unsupported_setters=frozenset({"PBATMAXDISC"}),
    pv_current_battery_side=True,
    max_parallel_units="6",
    machine_type="01",
    ac_current_digits=2,
    energy_base_pv_wh=238800,
    energy_base_load_wh=412500,
    settings=InverterSettings(
        max_ac_charging_current=30,
        max_charging_current=60,
        max_solar_charging_current=60,
        output_source_priority=2,
        charger_source_priority=1,
    ),
)

PI30MAX_8K = ModelProfile(
    key="pi30max",
    protocol="PI30MAX",
    description="PI30MAX hybrid unit, 48 V, 8 kVA / 8 kW, two PV trackers (4 kW + 3 kW)",
    model_name="MAX-8000",
    general_model_number="053",
    serial_number="96332309100452",
    firmware="00120.14",
    scc_firmware="00121.07",
    rated_va=8000,
    rated_w=8000,
    ac_input_current=34.7,
    ac_output_current=34.7,
    battery_nominal_v=48,
    battery_capacity_ah=200.0,
    pv_peak_w=(4000.0, 3000.0),
    pv_mpp_voltage=(330.0, 300.0),
    charging_current_options=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150),
    ac_charging_current_options=(2, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120),
    solar_charging_current_options=(
        10,
        20,
        30,
        40,
        50,
        60,
        70,
        80,
        90,
        100,
        110,
        120,
        130,
        140,
        150,
    ),
    charger_priorities=(0, 1, 2, 3),
    unsupported_reply="nak",
    pv_feeds_load_in_line_mode=True,
    pv_current_battery_side=False,
    max_parallel_units="9",
    machine_type="11",
    ac_current_digits=3,
    sbu_priority_version_added=True,
    qpiws_bits=36,
    energy_base_pv_wh=1523400,
    energy_base_load_wh=2210700,
    settings=InverterSettings(
        max_ac_charging_current=30,
        max_charging_current=100,
        max_solar_charging_current=100,
        output_source_priority=2,
        charger_source_priority=2,
        max_charging_time_for_cv_stage=120,
    ),
    device_profile="max",
)

# One simulated unit per device profile, each with its family's identity answers; settings
# hold the unit's own wire codes (on a VM II, output priority 1 is SBU).
VMII_5K = replace(
    PI30_CLASSIC,
    key="vmii",
    description="VM II class unit, 48 V, 5 kVA / 5 kW, one 5.5 kW PV tracker, 18-field Q1",
    model_name="VMII-NXPW5KW",
    general_model_number="035",
    serial_number="55355403100218",
    firmware="00045.04",
    scc_firmware="00032.02",
    rated_w=5000,
    pv_peak_w=(5500.0,),
    pv_mpp_voltage=(320.0,),
    charger_priorities=(0, 1, 2),  # solar first, solar + utility, only solar
    unsupported_setters=frozenset(),
    settings=replace(
        PI30_CLASSIC.settings, output_source_priority=1, charger_source_priority=0
    ),  # SBU first, solar first on this family
    device_profile="vmii",
)

LV6548_UNIT = replace(
    PI30MAX_8K,
    key="lv6548",
    description="LV6548 class split-phase unit (model code 045), 48 V, 6.5 kW, two trackers",
    model_name="LV6548",
    general_model_number="045",
    serial_number="92932105105315",
    rated_va=6500,
    rated_w=6500,
    pv_peak_w=(4000.0, 4000.0),
    pv_mpp_voltage=(300.0, 300.0),
    charger_priorities=(0, 1, 2),  # PCP00..02: solar first, solar + utility, solar only
    machine_type="10",
    settings=replace(PI30MAX_8K.settings, charger_source_priority=1),  # QPIRI 1: solar first
    device_profile="lv6548",
)

MKS2_7200_UNIT = replace(
    PI30MAX_8K,
    key="mks2-7200",
    description="MKS2-7200 class unit (model code 044), 48 V, 7.2 kW, two trackers",
    model_name="MKS2-7200",
    general_model_number="044",
    serial_number="96332311100817",
    rated_va=7200,
    rated_w=7200,
    charger_priorities=(1, 2, 3),  # code 0 is undefined on this family
    settings=replace(PI30MAX_8K.settings, charger_source_priority=3),
    device_profile="mks2-7200",
)

MKS_IV_UNIT = replace(
    PI30_CLASSIC,
    key="mks-iv",
    description="Axpert MKS IV, 48 V, 5.6 kW: MUCHGC takes 4 digits",
    model_name="Axpert MKS IV 5600",
    general_model_number="038",
    serial_number="96322207102233",
    rated_va=5600,
    rated_w=5600,
    pv_peak_w=(5000.0,),
    pv_mpp_voltage=(300.0,),
    charger_priorities=(0, 1, 2, 3),
    device_profile="mks-iv",
)

PIP_MST_UNIT = replace(
    PI30MAX_8K,
    key="pip-mst",
    description="PIP4048MST, 48 V, 4 kW, three PV trackers (12-field QPIGS2)",
    model_name="PIP4048MST",
    general_model_number="041",
    serial_number="92931801100345",
    rated_va=4000,
    rated_w=4000,
    pv_peak_w=(1500.0, 1500.0, 1500.0),
    pv_mpp_voltage=(110.0, 110.0, 110.0),
    device_profile="pip-mst",
)

REVO_UNIT = replace(
    PI30_CLASSIC,
    key="revo",
    description="PI30 REVO, 48 V, 4.2 kW, one tracker: QPIGS with PV power and today's energy",
    model_name="REVO HES 4.2KW",
    general_model_number="046",
    serial_number="96342112100571",
    rated_va=4200,
    rated_w=4200,
    pv_peak_w=(4500.0,),
    pv_mpp_voltage=(280.0,),
    device_profile="revo",
)

# The 10.2 kW MAX class: two trackers, but QPIGS2 answered NAK (PV2 not readable).
MAX_10K2_UNIT = replace(
    PI30MAX_8K,
    key="max-10k2",
    description="10.2 kW MAX class (NM-MAX-10.2KW), two trackers, QPIGS2 answered NAK",
    model_name="NM-MAX-10.2KW",
    general_model_number="057",
    serial_number="96332401100264",
    rated_va=10200,
    rated_w=10200,
    pv_peak_w=(5000.0, 5000.0),
    refused_queries=frozenset({"QPIGS2"}),
)

PROFILES: dict[str, ModelProfile] = {
    p.key: p
    for p in (PI30_CLASSIC, PI30MAX_8K, VMII_5K, LV6548_UNIT, MKS2_7200_UNIT, MKS_IV_UNIT)
    + (PIP_MST_UNIT, REVO_UNIT, MAX_10K2_UNIT)
}
# The device profile ids name their simulated unit too (sim://?model=max).
PROFILES.update({"generic": PI30_CLASSIC, "max": PI30MAX_8K})


def get_profile(key: str) -> ModelProfile:
    try:
        return PROFILES[key.strip().lower()]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown simulator model {key!r}; known: {known}") from None
