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
from .crc import crc16_xmodem, crc_bytes, crc_matches
from .frames import FrameSplitter

__all__ = [
    "PROTOCOLS",
    "ArgRule",
    "Catalogue",
    "Command",
    "Decoded",
    "Field",
    "FrameSplitter",
    "Readback",
    "SetterContext",
    "allowed_values",
    "build_response",
    "command_text",
    "crc16_xmodem",
    "crc_bytes",
    "crc_matches",
    "decode",
    "decode_payload",
    "encode",
    "encode_raw",
    "enum_code",
    "get_catalogue",
    "normalize_setter",
    "split_frame",
]
