"""Sans-IO PI30 protocol core: catalogue, argument rules, framing, decoding. No I/O, no clocks."""

from .arguments import SetterContext, allowed_values
from .catalogue import PROTOCOLS, ArgRule, Catalogue, Command, Field, Readback, get_catalogue
from .codec import Decoded, command_text, decode, encode, encode_raw, normalize_setter
from .crc import CRC_FORMS, CrcForm, crc16_xmodem, crc_bytes, crc_forms, crc_matches
from .decoding import decode_payload, enum_code
from .frames import FrameSplitter, build_response, split_frame
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
