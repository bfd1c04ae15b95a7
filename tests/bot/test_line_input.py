"""The filter in front of readline's byte reader: whatever bytes are typed, the line it gives is exact or flagged.

tests/bot/test_terminal_chat.py types on a real terminal (a pty); this tries any bytes at all.
"""

from __future__ import annotations

import collections

from hypothesis import given
from hypothesis import strategies as st

from bot.line_input import _utf8_filter

UTF8_TEXT = st.text(st.characters(exclude_categories=("Cs",))).map(str.encode)
LATIN1_TEXT = st.text(st.characters(max_codepoint=0xFF)).map(lambda text: text.encode("latin-1"))


def _through_filter(typed: bytes) -> bytes:
    """What readline receives for `typed`: the filter's bytes, and what it pushed back, in readline's order."""
    source = iter(typed)
    pushed: collections.deque[int] = collections.deque()
    read = _utf8_filter(lambda _stream: next(source, -1), pushed.append)
    out = bytearray()
    while True:
        byte = pushed.popleft() if pushed else read(None)  # readline drains what was pushed back first
        if byte < 0:
            return bytes(out)
        out.append(byte)


@given(UTF8_TEXT)
def test_utf8_comes_through_exactly(typed):
    assert _through_filter(typed) == typed


@given(st.one_of(st.binary(), LATIN1_TEXT, UTF8_TEXT))
def test_any_bytes_come_out_as_utf8_flagged_exactly_when_the_input_was_not_utf8(typed):
    out = _through_filter(typed).decode("utf-8", errors="replace")
    try:
        typed.decode("utf-8")
    except UnicodeDecodeError:
        assert "\ufffd" in out
    else:
        assert out == typed.decode("utf-8")
    ascii_in = bytes(b for b in typed if b < 0x80)
    assert bytes(b for b in out.encode() if b < 0x80) == ascii_in  # no key typed is lost or moved


def test_a_latin1_letter_is_flagged_and_the_enter_after_it_is_kept():
    assert _through_filter(b"Jos\xe9\n") == "Jos\ufffd\n".encode()
