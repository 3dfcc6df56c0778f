"""Sans-IO PI30 protocol core: catalogue, codec and frame splitter. No I/O, no clocks."""

from .catalogue import PROTOCOLS, ArgRule, Catalogue, Command, Field, Readback, get_catalogue
from .codec import (
    Decoded,
    SetterContext,
    allowed_values,
    build_response,
    command_text,
    decode,
    decode_payload,
    encode,
    encode_raw,
    enum_code,
    normalize_setter,
    split_frame,
)
from .crc import CRC_FORMS, CrcForm, crc16_xmodem, crc_bytes, crc_forms, crc_matches
from .frames import FrameSplitter
from .shape import check_shape, field_count_range

__all__ = [
    "CRC_FORMS",
    "PROTOCOLS",
    "ArgRule",
    "Catalogue",
    "Command",
    "CrcForm",
    "Decoded",
    "Field",
    "FrameSplitter",
    "Readback",
    "SetterContext",
    "allowed_values",
    "build_response",
    "check_shape",
    "command_text",
    "crc16_xmodem",
    "crc_bytes",
    "crc_forms",
    "crc_matches",
    "decode",
    "decode_payload",
    "encode",
    "encode_raw",
    "enum_code",
    "field_count_range",
    "get_catalogue",
    "normalize_setter",
    "split_frame",
]
