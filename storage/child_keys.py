"""The search keys kept for a child (table child_key): normalised name tokens, address and parent-at-address.

Pure functions, no database: the migration that backfills the keys (0008) and the handlers that
keep them current (handlers/children/household.py) derive them the same way. A key is child data:
it is never logged and never leaves the officers' views, and it is stored only blinded (keyed
hashes, storage/blind.py; migration 0010 deleted the plain keys 0008 made).

- name: each word of the forenames, surname and other names, lower case, accents removed
  ("Test-Child" gives "test", "child" and "testchild", so either spelling finds it);
- addr: the postcode without spaces and the first line of the address, normalised
  ("BL90EJ|12 elm street");
- parent: a parent's or carer's name at that address ("orla quillfeather|BL90EJ|12 elm street").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

NAME = "name"
ADDRESS = "addr"
PARENT = "parent"
KEY_LENGTH = 200
# Common abbreviations in a first address line, so "12 Elm St." and "12 Elm Street" agree.
_STREET_WORDS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "ct": "court",
    "cres": "crescent",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
    "tce": "terrace",
    "flt": "flat",
}
# What a referral holds when a name was not known (the form stores "Not known"), folded with the spaces taken
# out: never a name, so never a search key or a match (handlers/children/names.py, storage/name_repair.py).
PLACEHOLDER_NAMES = frozenset(
    {"notknown", "unknown", "notgiven", "notstated", "nk", "dontknow", "donotknow", "notsure", "none", "tbc", "tba"}
    | {"unnamed", "noname", "x", "xx", "xxx"}
)
# Between two parents' names: "Orla and Sam Quillfeather", "Orla Quillfeather & Sam Byrne", "Mum/Dad".
_PARENT_SPLIT = re.compile(r"\s*(?:,|;|/|&|\+|\band\b)\s*", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case, accents removed, every run of other characters one space ("Zoë O'Neil" -> "zoe o neil")."""
    if text.isascii():  # most names: the same result without two normalisations (search folds hundreds a query)
        plain = text.lower()
    else:
        # Decompose before casefolding: compatibility forms (a mathematical bold A) decompose to capitals.
        decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", plain))


def is_placeholder_name(text: str | None) -> bool:
    """True for what a referral says when a name is not known ('Not known', 'unknown', 'N/K'), or nothing."""
    return fold(text or "").replace(" ", "") in PLACEHOLDER_NAMES | {""}


def name_words(text: str | None) -> set[str]:
    """The words of a name, and the name's parts joined when it has a hyphen or apostrophe ('Not known': none)."""
    if is_placeholder_name(text):
        return set()
    words = set(fold(text).split())
    for part in re.split(r"\s+", text.strip()):
        joined = fold(part).replace(" ", "")
        if joined:
            words.add(joined)
    return {word[:KEY_LENGTH] for word in words}


def postcode_key(postcode: str | None) -> str | None:
    """A postcode in capitals without spaces (BL90EJ), or None."""
    text = re.sub(r"[^0-9A-Za-z]", "", postcode or "").upper()
    return text or None


def first_line(address: str | None) -> str | None:
    """The first line of an address, normalised (abbreviations spelled out), or None."""
    if not address:
        return None
    line = re.split(r"[\n,]", address.strip(), maxsplit=1)[0]
    words = [_STREET_WORDS.get(word, word) for word in fold(line).split()]
    return " ".join(words) or None


def address_key(postcode: str | None, address: str | None) -> str | None:
    """The household key: postcode and first address line, or None when either is missing."""
    code, line = postcode_key(postcode), first_line(address)
    if code is None or line is None:
        return None
    return f"{code}|{line}"[:KEY_LENGTH]


def parent_keys(parent_names: str | None, home: str | None) -> set[str]:
    """Each parent or carer named, at the child's address (no address: no key, a name alone is too weak)."""
    if not parent_names or home is None:
        return set()
    names = (" ".join(fold(name).split()) for name in _PARENT_SPLIT.split(parent_names))
    return {f"{name}|{home}"[:KEY_LENGTH] for name in names if len(name) > 1}


def child_keys(child: Mapping[str, str | None]) -> set[tuple[str, str]]:
    """Every (kind, key) for a child given as a mapping of Child's column names."""
    keys: set[tuple[str, str]] = set()
    for column in ("forenames", "surname", "other_names"):
        keys.update((NAME, word) for word in name_words(child.get(column)))
    home = address_key(child.get("postcode"), child.get("address"))
    if home is not None:
        keys.add((ADDRESS, home))
    keys.update((PARENT, key) for key in parent_keys(child.get("parent_names"), home))
    return keys


def keys_of_rows(rows: Iterable[Mapping[str, str | None]]) -> list[dict]:
    """child_key rows for many children (each mapping has an "id"), for bulk inserts."""
    return [{"child_id": row["id"], "kind": kind, "key": key} for row in rows for kind, key in child_keys(row)]
