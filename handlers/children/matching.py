"""Is this referral's child already known? Exact UPN first; otherwise blocked candidates scored on names.

Candidates come from two indexed look-ups (storage/child_queries.py): the same date of birth (or
with day and month swapped, a common slip between UK and US forms) and the same postcode. Each is
scored on names (rapidfuzz Jaro-Winkler; jellyfish Metaphone and NYSIIS for names that sound alike;
names.py folds hyphens, spaces and accents and knows common short forms), date of birth and
postcode, and every score comes with its reasons in plain words. The profile's `matching:` section
holds the thresholds: at or over `strong` with the same date of birth (or the same UPN) the referral
joins the known child; at or over `possible` an officer is asked. A strong match never rests on
names and postcode alone, since brothers and sisters share both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import JaroWinkler
from sqlmodel import Session

from handlers.children import names
from handlers.knowledge.profile import Matching
from storage.child_queries import candidates, children_with_upn

# How much each part counts; a part missing on either side is left out of both sum and total.
WEIGHTS = {"surname": 0.35, "forename": 0.25, "dob": 0.25, "postcode": 0.15}
SWAPPED_DOB = 0.6  # day and month swapped: likely the same child, never enough alone for a strong match
SPELT_ALIKE = 0.92  # Jaro-Winkler at or over this is a typo of the same name
MAX_POSSIBLE = 5  # possible matches kept per referral, best first


@dataclass(frozen=True)
class Candidate:
    """A known child this referral may be about, with the score and the reasons (no child details)."""

    child_id: int
    score: float
    reasons: tuple[str, ...]
    may_join: bool = False  # the same date of birth and no different UPN: a strong score may join the child


@dataclass(frozen=True)
class MatchResult:
    """The known child this referral joins (strong), and the ones an officer should look at (possible)."""

    strong: Candidate | None = None
    possible: tuple[Candidate, ...] = ()


def swapped(day: dt.date | None) -> dt.date | None:
    """The date with day and month swapped, when that is another real date."""
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


def _surname(new: str | None, known: str | None) -> tuple[float, str | None]:
    a, b = names.joined(new), names.joined(known)
    if not a or not b:
        return -1.0, None
    if a == b:
        return 1.0, "same surname" if names.fold(new) == names.fold(known) else "same surname, written differently"
    parts_a, parts_b = set(names.parts(new)), set(names.parts(known))
    if len(parts_a) != len(parts_b) and parts_a & parts_b:
        return 0.95, "one part of a double-barrelled surname"
    if names.sound_alike(a, b):
        return 0.9, "surname sounds alike"
    similarity = JaroWinkler.similarity(a, b)
    if similarity >= SPELT_ALIKE:
        return similarity, "surname spelt alike"
    return similarity * 0.8, None


def _first_names(value: str | None, aliases: str | None = None) -> set[str]:
    found = set(names.parts(value)[:1]) | ({names.joined(value)} if value else set())
    for alias in (aliases or "").replace(";", ",").split(","):
        found |= set(names.parts(alias)[:1])
    return {name for name in found if name}


def _forename(new: str | None, known: str | None, known_aliases: str | None) -> tuple[float, str | None]:
    mine, theirs = _first_names(new), _first_names(known, known_aliases)
    if not mine or not theirs:
        return -1.0, None
    best: tuple[float, str | None] = (0.0, None)
    for a in mine:
        for b in theirs:
            if a == b:
                return 1.0, "same first name"
            if names.same_short_form(a, b):
                best = max(best, (0.97, "first name is a short form of the other"), key=lambda x: x[0])
            elif names.sound_alike(a, b):
                best = max(best, (0.92, "first name sounds alike"), key=lambda x: x[0])
            else:
                similarity = JaroWinkler.similarity(a, b)
                pair = (similarity, "first name spelt alike") if similarity >= SPELT_ALIKE else (similarity * 0.8, None)
                best = max(best, pair, key=lambda x: x[0])
    return best


def _dob(new: dt.date | None, known: dt.date | None) -> tuple[float, str | None]:
    if new is None or known is None:
        return -1.0, None
    if new == known:
        return 1.0, "same date of birth"
    if swapped(new) == known:
        return SWAPPED_DOB, "day and month swapped"
    return 0.0, None


def score(new: dict[str, Any], known: Any) -> Candidate:
    """Score one known child (a row with forenames, surname, other_names, dob, postcode) against the referral."""
    parts = {
        "surname": _surname(new.get("surname"), known.surname),
        "forename": _forename(new.get("forenames"), known.forenames, known.other_names),
        "dob": _dob(new.get("dob"), known.dob),
        "postcode": (-1.0, None)
        if not (new.get("postcode") and known.postcode)
        else ((1.0, "same postcode") if new["postcode"] == known.postcode else (0.0, None)),
    }
    total = sum(WEIGHTS[key] for key, (value, _) in parts.items() if value >= 0)
    got = sum(WEIGHTS[key] * value for key, (value, _) in parts.items() if value >= 0)
    reasons = tuple(reason for _, reason in parts.values() if reason)
    value = round(got / total, 4) if total else 0.0
    other_upn = bool(new.get("upn") and known.upn and new["upn"] != known.upn)
    return Candidate(known.id, value, reasons, may_join=parts["dob"][0] == 1.0 and not other_upn)


def find_matches(session: Session, new: dict[str, Any], thresholds: Matching) -> MatchResult:
    """The known child this referral is about (same UPN, or a strong match), else the possible ones."""
    if new.get("upn"):
        same_upn = children_with_upn(session, new["upn"])
        if same_upn:
            best = score(new, same_upn[0])
            return MatchResult(strong=Candidate(best.child_id, 1.0, ("same UPN", *best.reasons), may_join=True))
    dobs = [day for day in (new.get("dob"), swapped(new.get("dob"))) if day is not None]
    rows = candidates(session, dobs=dobs, postcode=new.get("postcode"))
    scored = sorted((score(new, row) for row in rows), key=lambda c: (-c.score, c.child_id))
    strong = next((c for c in scored if c.score >= thresholds.strong and c.may_join), None)
    if strong is not None:
        return MatchResult(strong=strong)
    possible = tuple(c for c in scored if c.score >= thresholds.possible)[:MAX_POSSIBLE]
    return MatchResult(possible=possible)
