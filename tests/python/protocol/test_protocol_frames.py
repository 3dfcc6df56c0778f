"""FrameSplitter: bytes in as they arrive, whole frames out, whatever the chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_samples import REFERENCE_FRAMES

from pyworker.protocol import FrameSplitter, build_response, decode

SAMPLES = [frame[:-1] for _, _, frame in REFERENCE_FRAMES]  # terminators stripped
FRAME_BODY = st.one_of(
    st.sampled_from(SAMPLES),
    st.builds(
        lambda text: build_response(text)[:-1],
        st.text(alphabet="0123456789. ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=60),
    ),
    # anything without CR/LF and not starting with NUL is a frame to the splitter
    st.binary(min_size=1, max_size=40).filter(
        lambda b: b"\r" not in b and b"\n" not in b and b[0] != 0
    ),
)


def feed_in_chunks(splitter: FrameSplitter, stream: bytes, cuts: list[int]) -> list[bytes]:
    frames: list[bytes] = []
    previous = 0
    for cut in [*sorted(set(cuts)), len(stream)]:
        frames += splitter.feed(stream[previous:cut])
        previous = cut
    return frames


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            FRAME_BODY,
            st.sampled_from([b"\r", b"\n", b"\r\n"]),
            st.sampled_from([b"", b"\x00", b"\x00" * 7]),  # HID report padding after a frame
        ),
        max_size=8,
    ),
    st.lists(st.integers(0, 2000), max_size=30),
)
def test_any_chunking_gives_the_same_frames(
    parts: list[tuple[bytes, bytes, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(body + terminator + padding for body, terminator, padding in parts)
    cuts = [c for c in cuts if c <= len(stream)]
    splitter = FrameSplitter()
    assert feed_in_chunks(splitter, stream, cuts) == [body for body, _, _ in parts]
    assert splitter.pending == b""
    assert not splitter.overflowed


def test_byte_by_byte_and_decode() -> None:
    splitter = FrameSplitter()
    frames: list[bytes] = []
    for _, _, frame in REFERENCE_FRAMES:
        for byte in frame:
            frames += splitter.feed(bytes([byte]))
    assert frames == SAMPLES
    decoded = [decode(cmd, f, p) for (cmd, p, _), f in zip(REFERENCE_FRAMES, frames, strict=True)]
    assert decoded[3].data == {"device_mode": "Battery"}


def test_crlf_is_one_terminator_and_blank_lines_give_nothing() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(b"(ACK9 \r\n\r\n\n\r") == [b"(ACK9 "]
    assert splitter.feed(b"\r\n") == []


def test_nul_inside_a_frame_is_data() -> None:
    # a real QPIGS ends "... 0000\x00\xE7\r": the CRC high byte may be 0x00
    splitter = FrameSplitter()
    assert splitter.feed(b"\x00\x00(0000\x00\xe7\r\x00\x00") == [b"(0000\x00\xe7"]


def test_pending_holds_an_unterminated_frame_until_cleared() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(b"(230.0 50") == []
    assert splitter.pending == b"(230.0 50"
    splitter.clear()
    assert splitter.pending == b""
    assert splitter.feed(b"(B\xe7\xc9\r") == [b"(B\xe7\xc9"]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 64), st.binary(max_size=400).filter(lambda b: b"\r" not in b and b"\n" not in b)
)
def test_the_buffer_never_exceeds_max_frame(max_frame: int, noise: bytes) -> None:
    splitter = FrameSplitter(max_frame=max_frame)
    for start in range(0, len(noise), 7):
        assert splitter.feed(noise[start : start + 7]) == []
        assert len(splitter.pending) <= max_frame
    assert splitter.overflowed == (len(noise.lstrip(b"\x00")) > max_frame)


def test_an_over_long_frame_is_dropped_whole_and_the_next_one_survives() -> None:
    splitter = FrameSplitter(max_frame=16)
    frames = splitter.feed(b"(" + b"9" * 40 + b"\r" + b"(B\xe7\xc9\r")
    assert frames == [b"(B\xe7\xc9"]  # no tail of the long frame passed off as a frame
    assert splitter.overflowed
    splitter.clear()
    assert not splitter.overflowed


def test_max_frame_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_frame"):
        FrameSplitter(max_frame=0)
