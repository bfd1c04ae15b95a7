"""Names as matching compares them: accents, hyphens, apostrophes and spaces normalised; short forms known.

Schools, health visitors and housing officers write one child's name in different ways: "Test-Child",
"Testchild" and "Test Child"; "O'Neil" and "ONeil"; "Zoë" and "Zoe"; "Łukasz" and "Lukasz"; "McDonald"
and "MacDonald"; "Alex" for "Alexander". These helpers make those forms compare as the same, and say
when two names are near (one slip apart, or sounding alike by jellyfish's Metaphone or NYSIIS: a
transliteration). What a referral writes when the name is not known ("Not known", "unknown") and a
bare initial are no name at all: they never count as agreeing. Nothing here logs or keeps a name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish
from rapidfuzz.distance import OSA, JaroWinkler

from storage.child_keys import is_placeholder_name

_SEPARATORS = re.compile(r"[\s\-‐-―_.,/]+")
_DROPPED = re.compile(r"['’`´()\[\]]")
# Letters NFKD leaves whole (a stroke is not an accent to Unicode): Polish, Nordic, Croatian, Turkish.
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th",
                                "ð": "d"})  # fmt: skip
NEAR_SIMILARITY = 0.8  # Jaro-Winkler at or over this, two letters or fewer apart: a slip or a transliteration

# Common English short forms and the full name they stand for (each group is one name). Kept small
# and readable on purpose: an officer decides every possible match, so a missing pair costs a
# "possible" instead of a "strong", never a wrong merge. Sources: the forms practitioners use in
# referrals; add a group when a council sees one missed.
NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("alexander", "alex", "xander", "sandy"),
    ("alexandra", "alex", "lexi", "alexa", "sandy"),
    ("anthony", "tony", "ant"),
    ("benjamin", "ben", "benji", "benny"),
    ("charles", "charlie", "chaz"),
    ("charlotte", "lottie", "charlie"),
    ("christopher", "chris", "kit"),
    ("daniel", "dan", "danny"),
    ("edward", "ed", "eddie", "ted", "teddy"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"),
    ("isabella", "isabelle", "bella", "izzy", "issy"),
    ("james", "jim", "jimmy", "jamie"),
    ("jessica", "jess", "jessie"),
    ("jonathan", "jon", "jonny", "john", "johnny", "jack"),
    ("joseph", "joe", "joey"),
    ("katherine", "catherine", "kathryn", "kate", "katie", "kat", "cath", "kitty"),
    ("margaret", "maggie", "meg", "peggy"),
    ("matthew", "matt", "matty"),
    ("michael", "mike", "mikey", "mick", "micky"),
    ("nathaniel", "nathan", "nate", "nat"),
    ("nicholas", "nick", "nicky"),
    ("oliver", "olly", "ollie"),
    ("olivia", "liv", "livvy"),
    ("rebecca", "becky", "becca"),
    ("richard", "rich", "richie", "rick", "dick"),
    ("robert", "rob", "robbie", "bob", "bobby", "bert"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammy"),
    ("sophia", "sophie", "soph"),
    ("thomas", "tom", "tommy"),
    ("victoria", "vicky", "tori"),
    ("william", "will", "bill", "billy", "liam"),
    ("zachary", "zach", "zack"),
    ("mohammed", "muhammad", "mohammad", "mohamed", "muhammed", "mohamad", "mo"),
)
_NICKNAMES: dict[str, frozenset[int]] = {}
for _number, _group in enumerate(NICKNAME_GROUPS):
    for _name in _group:
        _NICKNAMES[_name] = _NICKNAMES.get(_name, frozenset()) | {_number}


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """Lower case, accents removed, hyphens and spaces as one space, apostrophes and brackets dropped."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold().translate(_PLAIN_LETTERS)
    plain = _DROPPED.sub("", plain)
    return _SEPARATORS.sub(" ", plain).strip()


def joined(text: str | None) -> str:
    """The folded name with no spaces: 'Test-Child', 'Test Child' and 'Testchild' are one."""
    return fold(text).replace(" ", "")


def is_placeholder(text: str | None) -> bool:
    """True for what a referral says when the name is not known ('Not known', 'unknown', 'N/K'), or nothing."""
    return is_placeholder_name(text)


@lru_cache(maxsize=65536)
def meaningful(text: str | None) -> str:
    """The folded name, or '' when it is a placeholder or initials only ('J.', 'J. R.'): no name to compare."""
    folded = "" if is_placeholder(text) else fold(text)
    return folded if any(len(word) > 1 for word in folded.split()) else ""


def initial(text: str | None) -> str:
    """The letter of a name given only as an initial ('J.' -> 'j'), else ''."""
    folded = "" if is_placeholder(text) else joined(text)
    return folded if len(folded) == 1 else ""


@lru_cache(maxsize=65536)
def surname_key(text: str | None) -> str:
    """A meaningful surname joined, 'Mac' written 'Mc' (one prefix: 'MacDonald' and 'McDonald' agree)."""
    plain = meaningful(text).replace(" ", "")
    return "mc" + plain[3:] if plain.startswith("mac") and len(plain) > 5 else plain


def parts(text: str | None) -> tuple[str, ...]:
    """The folded name's words (a double-barrelled surname gives two)."""
    return tuple(fold(text).split())


def same_short_form(a: str, b: str) -> bool:
    """True when two folded first names are forms of one name in NICKNAME_GROUPS."""
    return bool(_NICKNAMES.get(a, frozenset()) & _NICKNAMES.get(b, frozenset()))


@lru_cache(maxsize=65536)
def sounds(word: str) -> tuple[str, str]:
    """Metaphone and NYSIIS codes of a folded word (either equal counts as sounding alike)."""
    if not word:
        return ("", "")
    return jellyfish.metaphone(word), jellyfish.nysiis(word)


def sound_alike(a: str, b: str) -> bool:
    """True when two folded words sound alike by Metaphone or NYSIIS."""
    if not a or not b:
        return False
    code_a, code_b = sounds(a), sounds(b)
    return (bool(code_a[0]) and code_a[0] == code_b[0]) or (bool(code_a[1]) and code_a[1] == code_b[1])


def slip(a: str, b: str) -> str:
    """How two different folded names are near, in words ('one letter apart', 'they sound alike'), or ''."""
    apart = OSA.distance(a, b)  # a swap of two neighbouring letters counts as one
    if apart == 1:
        return "two letters swapped" if len(a) == len(b) and sorted(a) == sorted(b) else "one letter apart"
    if sound_alike(a, b):
        return "they sound alike"
    if apart == 2 and JaroWinkler.similarity(a, b) >= NEAR_SIMILARITY:
        return "two letters apart"
    return ""
