"""Finding children by a name as an officer types it: whole, partial (a prefix) or misspelt, through the key index.

Names are stored encrypted; the child_key index holds blind keys (storage/blind.py): a keyed hash of
every prefix of every name word, and of every spelling of a word with one letter left out. Candidates
come only from equality look-ups on it: children with a key for every typed word (an intersection, so
a common forename and a common surname together stay quick), then each word's; when those are few,
similar spellings (a word one letter away: one left out, added, changed, or two swapped). The
candidates' names are decrypted and rapidfuzz's Jaro-Winkler scores the words (an exact word 100, a
prefix 90); a child is shown when every word typed fits one of theirs (SIMILAR_WORD) and the average
is MIN_SCORE or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz.distance import JaroWinkler
from sqlalchemy import and_, union
from sqlmodel import Session, col, select

from storage.blind import SPELLING, name_prefix_index, similar_spelling_indexes
from storage.child_keys import NAME, fold, name_words
from storage.children import Child, ChildKey

SIMILAR_WORD = 0.75  # Jaro-Winkler similarity for a typed word to count towards a candidate (Eva ~ Ava is 0.78)
MIN_SCORE = 80  # the average over the typed words, below which a child is not shown
PREFIX_LIMIT = 500  # key rows read per typed word's prefix
ENOUGH = 20  # whole or partial fits enough that similar spellings are not looked for
CANDIDATES = 200  # children scored on all their name keys, best by the keys found first
LEVELS = {3: "name", 2: "partial name", 1: "similar name"}


def typed_words(text: str) -> list[str]:
    """The words typed, folded, each hyphenated or apostrophised word joined ("Test-Child" -> "testchild")."""
    return [word for word in (fold(part).replace(" ", "") for part in text.split()) if len(word) >= 2][:6]


def by_name(session: Session, text: str) -> Iterable[tuple[Child, str, int]]:
    """(child, matched_on, score) for the children whose names fit `text`, best first."""
    words = typed_words(text)
    if not words:
        return []
    fits = {word: _fits(word) for word in words}
    every = _with_every_word(session, fits)
    if len(every) < ENOUGH:  # few whole or partial fits: similar spellings count too
        fits = {word: _fits(word, similar=_rare(session, word)) for word in words}
        every |= _with_every_word(session, fits)
    ranked = [*every, *(cid for cid in _some_words(session, fits) if cid not in every)][:CANDIDATES]
    scored = _scored(session, words, ranked)
    children = {c.id: c for c in session.exec(select(Child).where(col(Child.id).in_(list(scored))))} if scored else {}
    return [(children[cid], LEVELS[level], score) for cid, (score, level) in scored.items() if cid in children]


def _fits(word: str, similar: bool = False) -> list:
    """Conditions on name keys that fit a typed word, each one index lookup: starting with it, or spelt like it."""
    fits = [and_(ChildKey.kind == NAME, ChildKey.key == name_prefix_index(word))]
    spellings = similar_spelling_indexes(word) if similar else []
    return fits + ([and_(ChildKey.kind == SPELLING, col(ChildKey.key).in_(spellings))] if spellings else [])


def _rare(session: Session, word: str) -> bool:
    """True when few children have a word starting with this one: its close spellings are worth reading.

    A common word typed right (Oliver) has thousands of children under each one-letter-off spelling too;
    reading them all would cost more than the whole search and add nothing its own children don't.
    """
    query = select(ChildKey.child_id).where(ChildKey.kind == NAME, ChildKey.key == name_prefix_index(word))
    return len(session.exec(query.limit(ENOUGH)).all()) < ENOUGH


def _fitting(conditions: list):
    """The child ids fitting a word as a subquery: a UNION, since an OR would read the whole index."""
    selects = [select(ChildKey.child_id).where(condition) for condition in conditions]
    return (union(*selects) if len(selects) > 1 else selects[0]).subquery()


def _with_every_word(session: Session, fits: dict) -> set[int]:
    """Children with a fitting key for every typed word: index lookups joined on the child id."""
    first, *rest = (_fitting(conditions) for conditions in fits.values())
    query = select(first.c.child_id).distinct()
    for other in rest:
        query = query.where(first.c.child_id.in_(select(other.c.child_id)))
    return set(session.exec(query.limit(CANDIDATES)).all())


def _some_words(session: Session, fits: dict) -> list[int]:
    """Children fitting some typed words, the rarest words counting most (a surname seen twice beats Eva)."""
    weight: dict[int, float] = defaultdict(float)
    for conditions in fits.values():
        fitting = _fitting(conditions)
        ids = set(session.exec(select(fitting.c.child_id).limit(PREFIX_LIMIT)).all())
        for child_id in ids:
            weight[child_id] += 1 / len(ids)
    return sorted(weight, key=lambda child_id: -weight[child_id])


def _scored(session: Session, words: list[str], ids: list[int]) -> dict[int, tuple[int, int]]:
    """Score each candidate on its decrypted name words: {child id: (score, weakest fit)} for those shown."""
    if not ids:
        return {}
    # Only the three name columns are read (each value decrypted); the whole record only for those shown.
    query = select(Child.id, Child.forenames, Child.surname, Child.other_names).where(col(Child.id).in_(ids))
    out: dict[int, tuple[int, int]] = {}
    for row in session.exec(query).all():
        mine = set().union(*(name_words(part) for part in (row.forenames, row.surname, row.other_names)))
        score, level, weakest = name_score(words, mine)
        if score >= MIN_SCORE and weakest >= 100 * SIMILAR_WORD:  # every word typed fits one of the child's
            out[row.id] = (score, level)
    return out


def word_score(typed: str, word: str) -> float:
    """100 for the same word, 90 when the child's word starts with it, else Jaro-Winkler x 100, 89 at most."""
    if typed == word:
        return 100.0
    if word.startswith(typed):
        return 90.0
    return min(89.0, 100 * JaroWinkler.similarity(typed, word))  # a close spelling never outranks a prefix


def name_score(words: list[str], mine: set[str]) -> tuple[int, int, float]:
    """The average of each typed word's best fit among the child's words, the weakest kind of fit (3..1) and score."""
    scores = [max((word_score(word, theirs) for theirs in mine), default=0.0) for word in words]
    level = min(3 if s == 100 else 2 if s == 90 else 1 for s in scores)
    return round(sum(scores) / len(scores)), level, min(scores)
