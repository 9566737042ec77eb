"""Output capping keeps head and tail, counts the cut, and never holds the whole stream."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sandbox._output import MARKER_TEMPLATE, HeadTailBuffer, cap_output


def expected(data: bytes, cap: int) -> bytes:
    if len(data) <= cap:
        return data
    head, tail = (cap + 1) // 2, cap - (cap + 1) // 2
    marker = MARKER_TEMPLATE.format(dropped=len(data) - cap).encode()
    return data[:head] + marker + (data[len(data) - tail :] if tail else b"")


@given(chunks=st.lists(st.binary(max_size=300), max_size=40), cap=st.integers(2, 500))
def test_any_chunking_gives_head_marker_tail(chunks: list[bytes], cap: int) -> None:
    buffer = HeadTailBuffer(cap)
    for chunk in chunks:
        buffer.feed(chunk)
    data = b"".join(chunks)
    assert buffer.getvalue() == expected(data, cap)
    assert buffer.dropped_bytes == max(0, len(data) - cap)
    assert buffer.total_bytes == len(data)


def test_flood_in_small_chunks_stays_bounded() -> None:
    buffer = HeadTailBuffer(1000)
    for index in range(100_000):
        buffer.feed(b"%08d\n" % index)
        assert len(buffer._tail) <= 2 * 500 + 9  # never more than twice the tail cap
    text = buffer.text()
    assert text.startswith("00000000\n") and text.endswith("00099999\n")
    assert "bytes dropped from the middle" in text


def test_cap_output_decodes_without_raising() -> None:
    text, dropped = cap_output(b"\xff\xfeok", 100)
    assert (text, dropped) == ("\ufffd\ufffdok", 0)
