"""Every catalogue command has a French description, served next to the English one."""

import pytest

from pyworker.protocol import PROTOCOLS, get_catalogue
from pyworker.protocol.descriptions_fr import ARG_DESCRIPTIONS_FR, DESCRIPTIONS_FR, FIELD_LABELS_FR


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_command_has_a_french_description(protocol: str) -> None:
    names = set(get_catalogue(protocol).commands)
    missing = sorted(names - set(DESCRIPTIONS_FR))
    assert missing == [], f"no French description for {missing}"


def test_no_french_description_for_a_command_that_does_not_exist() -> None:
    known = {name for p in PROTOCOLS for name in get_catalogue(p).commands}
    assert sorted(set(DESCRIPTIONS_FR) - known) == []


def test_french_descriptions_are_not_copies_of_the_english_ones() -> None:
    for protocol in PROTOCOLS:
        for cmd in get_catalogue(protocol).commands.values():
            fr = DESCRIPTIONS_FR[cmd.name]
            assert fr.strip() and fr != cmd.description, cmd.name


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_served_catalogue_carries_description_fr(protocol: str) -> None:
    served = get_catalogue(protocol).to_dict()["commands"]
    assert all(c["description_fr"] == DESCRIPTIONS_FR[c["name"]] for c in served)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_setter_argument_description_has_a_french_one(protocol: str) -> None:
    described = {c.name for c in get_catalogue(protocol).setters if c.arg and c.arg.description}
    assert sorted(described - set(ARG_DESCRIPTIONS_FR)) == []
    served = {
        c["name"]: c["arg"] for c in get_catalogue(protocol).to_dict()["commands"] if "arg" in c
    }
    assert all(served[name]["description_fr"] == ARG_DESCRIPTIONS_FR[name] for name in described)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_warning_and_fault_has_a_french_label(protocol: str) -> None:
    keys = {f.key for f in get_catalogue(protocol).get("QPIWS").fields}
    assert sorted(keys - set(FIELD_LABELS_FR)) == []
    assert keys <= set(get_catalogue(protocol).to_dict()["labels_fr"])
