"""Test data for the protocol suites: the reference's literal frames and realistic payloads.

REFERENCE_* are copied byte for byte from ../shared/pi30-reference.md (sections 1 and 3).
REALISTIC holds one realistic answer payload per catalogued query and variant, with the field
counts the reference documents; tests frame them with build_response (CRC computed).
"""

from __future__ import annotations

# Section 1: known request frames (hex), exactly as listed.
REFERENCE_REQUESTS: dict[str, str] = {
    "QPI": "51 50 49 BE AC 0D",
    "QID": "51 49 44 D6 EA 0D",
    "QVFW": "51 56 46 57 62 99 0D",
    "QPIRI": "51 50 49 52 49 F8 54 0D",
    "QPIGS": "51 50 49 47 53 B7 A9 0D",
    "QMOD": "51 4D 4F 44 49 C1 0D",
    "QDI": "51 44 49 71 1B 0D",
    "Q1": "51 31 1B FC 0D",
    "QPGS0": "51 50 47 53 30 3F DA 0D",
    "QT": "51 54 27 FF 0D",
    "POP00": "50 4F 50 30 30 C2 48 0D",
    "POP02": "50 4F 50 30 32 E2 0B 0D",
    "PF": "50 46 26 BD 0D",
}

# Section 3: sample frames, exactly as listed (command, protocol, frame).
REFERENCE_FRAMES: list[tuple[str, str, bytes]] = [
    ("QPI", "PI30", b"(PI30\x9a\x0b\r"),
    ("QID", "PI30", b"(9293333010501\xbb\x07\r"),
    ("QVFW", "PI30", b"(VERFW:00072.70\x53\xa7\r"),
    ("QMOD", "PI30", b"(B\xe7\xc9\r"),
    ("QFLAG", "PI30", b"(EakxyDbjuvz\x2f\x29\r"),
    ("QPIWS", "PI30", b"(00000100000000001000000000000000\x56\xa6\r"),
    (
        "QPIGS",
        "PI30",
        (
            b"(000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 "
            b"00110110 00 00 00856 010\x24\x8c\r"
        ),
    ),
    (
        "QPIRI",
        "PI30",
        (
            b"(230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 6 01 0 0 "
            b"54.0 0 1\x6f\x7e\r"
        ),
    ),
    ("QMCHGCR", "PI30", b"(010 020 030 040 050 060 070 080 090 100 110 120\x0c\xcb\r"),
    ("QPIGS2", "PI30MAX", b"(03.1 327.3 01026 \xc9\x8b\r"),
    ("QET", "PI30MAX", b"(00238800\x21\x4a\r"),
]
REFERENCE_ACK = b"(ACK\x39\x20\r"
REFERENCE_NAK = b"(NAK\x73\x73\r"

# Realistic answer payloads, keyed by (protocol, command as sent). Field counts follow the
# reference: QPIGS 21 (PI30) / 24 (MAX), QPIRI 27 / 28, QDI 25 / 27, QPGSn 27 / 29, Q1 17,
# QBMS 10, QPIWS 32 / 36, QOPPT/QCHPT 28, QBEQI 10.
_COMMON: dict[str, str] = {
    "QPI": "PI30",
    "QID": "92932004102453",
    "QVFW": "VERFW:00072.70",
    "QVFW2": "VERFW2:00000.31",
    "QMN": "MKS2-8000",
    "QGMN": "044",
    "QMOD": "L",
    "QFLAG": "EakuxyzDbjlv",
    "QMCHGCR": "010 020 030 040 050 060 070 080 090 100 110 120",
    "QMUCHGCR": "002 010 020 030 040 050 060",
    "QMSCHGCR": "010 020 030 040 050 060 070 080",
    "QBOOT": "0",
    "QOPM": "0",
    "QCST": "02",
    "QCVT": "120",
    "Q1": "00000 00000 01 01 00 059 045 053 068 00 00 000 0040 0580 0000 50.00 13",
    "QBMS": "0 086 0 0 0 532 532 450 0120 0240",
}
REALISTIC: dict[tuple[str, str], str] = {("PI30", k): v for k, v in _COMMON.items()}
REALISTIC.update({("PI30MAX", k): v for k, v in _COMMON.items()})
REALISTIC.update(
    {
        ("PI30", "QPIGS"): "232.0 50.0 229.8 50.0 1054 0987 021 398 53.20 000 085 0042 "
        "05.1 312.6 53.25 00012 00010110 00 02 01598 110",
        ("PI30", "QPIRI"): "230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 "
        "3 10 060 1 2 1 - 01 0 0 54.0 0 1 120 0",
        ("PI30", "QPIWS"): "00000100000000001000000000000000",
        ("PI30", "QDI"): "230.0 50.0 0030 42.0 54.0 56.4 46.0 60 0 0 2 0 0 0 0 0 1 1 1 0 1 0 "
        "54.0 0 1",
        ("PI30", "QPGS0"): "1 92932004102453 B 00 000.0 00.00 230.0 50.00 0275 0234 005 51.2 "
        "000 100 000.0 000 00275 00234 005 10000010 0 2 060 120 030 00 004",
        ("PI30MAX", "QPIGS"): "227.2 50.0 230.3 50.0 0829 0751 010 447 54.50 020 083 0054 "
        "02.7 323.6 00.00 00000 00010110 00 00 00879 010 1 01 00250",
        ("PI30MAX", "QPIRI"): "230.0 27.3 230.0 50.0 27.3 6300 6300 48.0 46.0 44.0 56.4 54.0 "
        "8 030 120 0 2 3 9 01 0 0 54.0 0 1 224 0 150",
        ("PI30MAX", "QPIWS"): "100000000000000100000000000000010001",
        ("PI30MAX", "QDI"): "230.0 50.0 0030 44.0 54.0 56.4 46.0 60 0 0 2 0 0 0 0 0 1 1 1 0 1 0 "
        "54.0 0 1 224 150",
        ("PI30MAX", "QPGS0"): "0 92932105105315 B 00 000.0 00.00 230.0 50.00 0989 0907 012 53.2 "
        "009 090 349.8 009 00989 00907 011 10100110 0 1 100 120 030 02 000 275.3 02",
        ("PI30MAX", "QVFW3"): "VERFW3:00001.05",
        ("PI30MAX", "QVFW4"): "VERFW4:00001.05",
        ("PI30MAX", "QSID"): "1492932105105335005535",
        ("PI30MAX", "QPIGS2"): "03.1 327.3 01026",
        ("PI30MAX", "QT"): "20240611142530",
        ("PI30MAX", "QET"): "00238800",
        ("PI30MAX", "QEY2024"): "01873400",
        ("PI30MAX", "QEM202406"): "00412300",
        ("PI30MAX", "QED20240611"): "00018700",
        ("PI30MAX", "QLT"): "00412900",
        ("PI30MAX", "QLY2024"): "02011200",
        ("PI30MAX", "QLM202406"): "00351000",
        ("PI30MAX", "QLD20240611"): "00011650",
        ("PI30MAX", "QBEQI"): "1 030 030 080 021 55.40 224 030 0 0234",
        ("PI30MAX", "QOPPT"): " ".join(["2"] * 6 + ["1"] * 12 + ["2"] * 6) + " 2 0 2 1",
        ("PI30MAX", "QCHPT"): " ".join(["3"] * 24) + " 3 0 0 0",
        ("PI30MAX", "QLED"): "1 1 2 5 3 148000211255255255000255255",
    }
)
