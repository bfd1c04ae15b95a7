"""Typed lines for `cme-bot chat`: GNU readline's editing and history, without it ever dropping a byte.

Readline decodes what is typed as UTF-8 and drops a byte that isn't (a Latin-1 'é' from a terminal
set to Latin-1) without a word, so 'José' arrived as 'Jos' and was taken as the child's name. A
small filter in front of readline's byte reader turns any byte that can't start or continue UTF-8
into U+FFFD, which the chat reports (and never uses). Editing stays letter by letter: backspace
over 'ë' removes the whole letter.
"""

from __future__ import annotations

import ctypes
import importlib.util

GETC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
REPLACEMENT = tuple("\ufffd".encode())  # EF BF BD
_kept: list[object] = []  # the installed filter must outlive this call: readline holds a raw pointer


def enable() -> None:
    """Turn on line editing and history for input(); with no GNU readline, input() reads the line as typed."""
    spec = importlib.util.find_spec("readline")
    if spec is None or not spec.origin:
        return
    try:
        library = ctypes.CDLL(spec.origin)
        reader = ctypes.c_void_p.in_dll(library, "rl_getc_function")
        push_back = library.rl_stuff_char
    except (OSError, ValueError, AttributeError):
        return  # libedit (macOS): no hook to filter through, so no readline rather than lost bytes
    import readline  # noqa: F401  (installs itself as input()'s line reader)

    original = ctypes.cast(reader.value, GETC)
    push_back.argtypes = [ctypes.c_int]
    read = GETC(_utf8_filter(original, push_back))
    _kept.extend((original, read))
    reader.value = ctypes.cast(read, ctypes.c_void_p).value


def _utf8_filter(getc, push_back):
    """A byte reader that passes whole UTF-8 letters and gives U+FFFD's bytes for anything else.

    The rest of a letter goes back into readline's own input queue (rl_stuff_char), which it reads
    before asking for more: a queue of ours would hold bytes while readline waits on the terminal.
    """

    def read(stream) -> int:
        first = getc(stream)
        if first < 0x80:  # ASCII, or EOF (negative)
            return first
        letter = [first]
        for _ in range(_continuations(first)):
            following = getc(stream)
            if not 0x80 <= following <= 0xBF:  # cut short: one unreadable letter, then the next key as typed
                return _give(list(REPLACEMENT), [following] if following >= 0 else [], push_back)
            letter.append(following)
        return _give(letter if len(letter) > 1 else list(REPLACEMENT), [], push_back)

    return read


def _give(letter: list[int], after: list[int], push_back) -> int:
    """The letter's first byte now; the rest, and any byte read past it, back into readline's queue."""
    for byte in (*letter[1:], *after):
        push_back(byte)
    return letter[0]


def _continuations(first: int) -> int:
    """How many continuation bytes a UTF-8 letter starting with `first` has (0: it can't start one)."""
    if 0xC2 <= first <= 0xDF:
        return 1
    if 0xE0 <= first <= 0xEF:
        return 2
    if 0xF0 <= first <= 0xF4:
        return 3
    return 0
