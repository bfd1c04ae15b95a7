"""Blind indexes: keyed hashes (storage/crypto.py, the "index" key) of normalised child details, for look-ups.

The child's dob, upn and postcode are stored encrypted; beside them, Child.dob_bidx, upn_bidx and
postcode_bidx hold HMAC-SHA256 of the normalised value, so "the children born on 2 May 2014" is one
indexed equality. Search keys (table child_key) are blinded the same way: an address or parent key as
one hash, a name word as a hash of each of its prefixes of two letters or more (so a partial name is
still one equality, "quac" finds Quackenbush) and of each spelling with one letter left out (so
"Quakcenbush" shares "Quakenbush" with it: a typo is one look-up too). The columns are set on every
ORM insert and update of a Child (storage/children.py); bulk inserts call blind_columns(). Nothing here
is reversible without the index key (and a guess at the value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from storage import crypto
from storage.child_keys import NAME, child_keys, postcode_key

MIN_PREFIX = 2  # typed words have two letters at least (handlers/children/by_name.py)
SPELLING = "spell"  # a name word, and each spelling of it with one letter left out (a word of MIN_SPELLING or more)
MIN_SPELLING = 4  # shorter words left one letter short match too many others to narrow a search


def blind(kind: str, value: str) -> str:
    """The blind index of an already-normalised value."""
    return crypto.current().blind(kind, value)


def dob_index(dob: dt.date | None) -> str | None:
    """The blind index of a date of birth."""
    return None if dob is None else blind("dob", dob.isoformat())


def upn_index(upn: str | None) -> str | None:
    """The blind index of a UPN (upper case, spaces removed)."""
    text = "".join((upn or "").split()).upper()
    return blind("upn", text) if text else None


def postcode_index(postcode: str | None) -> str | None:
    """The blind index of a postcode ("bl9 0ej", "BL90EJ" and "BL9 0EJ" agree)."""
    code = postcode_key(postcode)
    return None if code is None else blind("postcode", code)


def name_prefix_index(word: str) -> str:
    """The blind index of a folded name word or of a prefix of one."""
    return blind(NAME, word)


def spellings(word: str) -> set[str]:
    """A word and each spelling of it with one letter left out: two words one typo apart share one of these."""
    if len(word) < MIN_SPELLING:
        return set()
    return {word} | {word[:at] + word[at + 1 :] for at in range(len(word))}


def similar_spelling_indexes(word: str) -> list[str]:
    """The blind spelling keys to look up for a typed word (empty for a word too short)."""
    return sorted(blind(SPELLING, spelling) for spelling in spellings(word))


def blind_columns(child: Mapping[str, Any]) -> dict[str, Any]:
    """The blind-index columns for a child given as a mapping of Child's column names (bulk inserts)."""
    return {
        "dob_bidx": dob_index(child.get("dob")),
        "upn_bidx": upn_index(child.get("upn")),
        "postcode_bidx": postcode_index(child.get("postcode")),
        "keyed": True,
    }


def blind_keys(keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Plain search keys (storage/child_keys.py) blinded: a name word as each prefix, the others whole."""
    out: set[tuple[str, str]] = set()
    for kind, key in keys:
        if kind == NAME:
            out.update((NAME, blind(NAME, key[:end])) for end in range(min(MIN_PREFIX, len(key)), len(key) + 1))
            out.update((SPELLING, blind(SPELLING, spelling)) for spelling in spellings(key))
        else:
            out.add((kind, blind(kind, key)))
    return out


def blinded_child_keys(child: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every blinded (kind, key) for a child given as a mapping of Child's column names."""
    return blind_keys(child_keys(child))


def blinded_keys_of_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Blinded child_key rows for many children (each mapping has an "id"), for bulk inserts."""
    return [{"child_id": row["id"], "kind": kind, "key": key} for row in rows for kind, key in blinded_child_keys(row)]
