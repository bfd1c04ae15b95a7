"""Is this referral's child already known? Known children compared identifier by identifier, judged by rules.

Candidates come from indexed look-ups only (storage/child_queries.py): the same UPN, the same date of
birth (or the dates it is commonly mistyped as: day and month swapped, 29 February as 1 March or 28
February) and the same postcode. Each is compared on first name, surname, date of birth, postcode, sex
and UPN (compare.py: rapidfuzz and jellyfish for the names), and judged:

- **joined automatically** only when every strong identifier says it is the same child and none
  contradicts: the same UPN with nothing else differing; or first name and surname the same (or the
  same written another way), the same date of birth, both names real names (not "not known", not an
  initial), no different postcode, sex or UPN, and no other known child fitting as well. So
  twins (same surname and birthday, first names even one letter apart: Jon and Joan) never merge, nor a
  referral giving only a first name;
- **offered to an officer** (a possible match) when the doubts add up to MAX_DOUBT or less: a name a
  slip apart or not known, names swapped, a surname changed but given as another name, a date of birth
  written wrongly (one doubt each; a year apart, two), and the score reaches the profile's `possible`.
  Two different first names, two different surnames (unless the first name, date of birth and postcode
  are all the same: a changed surname) or two different birthdays rule a match out.

The score (0..1: 1 means every detail agrees) is the mean of the identifiers' values, a detail missing
on either side left out; the profile's `matching:` thresholds (strong, possible) apply to it on top of
the rules. Every candidate carries its reasons: what agrees and what differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from handlers.children import compare
from handlers.children.compare import Level, Part, leap_slips, swapped
from handlers.knowledge.profile import Matching
from storage.child_queries import candidates, children_with_upn

MAX_DOUBT = 2  # doubts a possible match may carry (a slip is one; a year apart is two)
MAX_POSSIBLE = 5  # possible matches kept per referral, best first
IDENTIFIERS = ("first", "surname", "dob", "postcode", "sex", "upn")

__all__ = ["Candidate", "Comparison", "MatchResult", "compare_child", "find_matches", "score", "swapped"]


@dataclass(frozen=True)
class Comparison:
    """A referral against one known child: each identifier's Part, and names swapped when they are."""

    parts: dict[str, Part]
    swap: Part | None = None

    def names(self) -> list[Part]:
        """The name parts that count: first name and surname, or the two swapped as one."""
        return [self.swap, self.swap] if self.swap else [self.parts["first"], self.parts["surname"]]

    @property
    def score(self) -> float:
        """The mean value of first name, surname, date of birth and (only when the same) postcode."""
        values = [part.value for part in (*self.names(), self.parts["dob"], self.parts["postcode"])]
        counted = [value for value in values if value is not None]
        return round(sum(counted) / len(counted), 4) if counted else 0.0

    @property
    def doubt(self) -> int:
        """The doubts the differences add up to (compare.CONTRADICTS for one that rules a match out)."""
        names = [self.swap] if self.swap else self.names()
        return sum(part.doubt for part in (*names, self.parts["dob"], self.parts["sex"], self.parts["upn"]))

    def may_join(self) -> bool:
        """True when every strong identifier says the same child and none contradicts (an automatic merge)."""
        p = self.parts
        if p["sex"].doubt or p["upn"].level == Level.DIFFERENT or self.swap:
            return False
        if p["upn"].level == Level.SAME:
            return all(p[key].level not in (Level.NEAR, Level.DIFFERENT) for key in ("first", "surname", "dob"))
        postcode_fits = p["postcode"].level != Level.DIFFERENT  # another postcode: moved, or another child
        return p["first"].agrees and p["surname"].agrees and p["dob"].level == Level.SAME and postcode_fits

    def may_offer(self) -> bool:
        """True when an officer should be asked: the doubts are few and a name at least comes near."""
        if self.parts["upn"].level == Level.SAME:
            return True
        near = [part for part in ([self.swap] if self.swap else self.names()) if part.level <= Level.NEAR]
        return bool(near) and self.doubt <= MAX_DOUBT

    def agrees(self, *, plain: bool = False) -> tuple[str, ...]:
        """What agrees, in words (plain: without any child detail)."""
        return self._said(lambda part: part.agrees, plain)

    def differs(self, *, plain: bool = False) -> tuple[str, ...]:
        """What differs or is not known, in words (plain: without any child detail)."""
        return self._said(lambda part: not part.agrees, plain)

    def _said(self, keep, plain: bool) -> tuple[str, ...]:
        parts = [self.parts[key] for key in IDENTIFIERS]
        if self.swap:
            parts = [self.swap, *parts[2:]]
        upn_first = sorted(parts, key=lambda part: part is not self.parts["upn"])
        return tuple((part.plain if plain else part.text) for part in upn_first if part.text and keep(part))


@dataclass(frozen=True)
class Candidate:
    """A known child this referral may be about: the score, what agrees and differs (plain words, no details)."""

    child_id: int
    score: float
    reasons: tuple[str, ...]  # plain: what agrees, then what differs
    may_join: bool = False
    differs: tuple[str, ...] = ()  # plain: the part of `reasons` that differs


@dataclass(frozen=True)
class MatchResult:
    """The known child this referral joins (strong), and the ones an officer should look at (possible)."""

    strong: Candidate | None = None
    possible: tuple[Candidate, ...] = ()


def compare_child(new: dict[str, Any], known: Any) -> Comparison:
    """Compare the referral's child (child_values) with a known one (a row or Child with the same names)."""
    parts = {
        "first": compare.first_names(new.get("forenames"), known.forenames, known.other_names),
        "surname": compare.surnames(new.get("surname"), known.surname, new.get("other_names"), known.other_names),
        "dob": compare.dates_of_birth(new.get("dob"), known.dob),
        "postcode": compare.postcodes(new.get("postcode"), known.postcode),
        "sex": compare.sexes(new.get("sex"), getattr(known, "sex", None)),
        "upn": compare.upns(new.get("upn"), known.upn),
    }
    swap = None
    if not (parts["first"].agrees and parts["surname"].agrees):
        swap = compare.swapped_names(new, known)
    return Comparison(_changed_surname(parts), swap)


def _changed_surname(parts: dict[str, Part]) -> dict[str, Part]:
    """Another surname with the same first name, birthday and postcode: perhaps a new surname, two doubts."""
    surname = parts["surname"]
    same_else = parts["first"].agrees and parts["dob"].level == Level.SAME and parts["postcode"].level == Level.SAME
    if surname.level != Level.DIFFERENT or not same_else:
        return parts
    text = f"{surname.text}; the same first name, date of birth and postcode: the surname may have changed"
    return {**parts, "surname": Part(Level.DIFFERENT, 0.0, 2, text, "surnames differ; the surname may have changed")}


def score(new: dict[str, Any], known: Any) -> Candidate:
    """Score one known child against the referral: the Candidate with its plain reasons."""
    found = compare_child(new, known)
    agrees, differs = found.agrees(plain=True), found.differs(plain=True)
    return Candidate(known.id, found.score, agrees + differs, found.may_join(), differs)


def blocking_dates(dob: dt.date | None) -> list[dt.date]:
    """The birthdays to look candidates up by: the date, day and month swapped, 29 February's stand-ins."""
    return [day for day in (dob, swapped(dob), *leap_slips(dob)) if day is not None]


def find_matches(session: Session, new: dict[str, Any], thresholds: Matching) -> MatchResult:
    """The known child this referral is about (every identifier agrees, only one child fits), else the possible ones."""
    found = candidates(session, dobs=blocking_dates(new.get("dob")), postcode=new.get("postcode"))
    rows = {row.id: row for row in found}
    if new.get("upn"):
        rows.update((row.id, row) for row in children_with_upn(session, new["upn"]))
    return judge(new, list(rows.values()), thresholds)


def judge(new: dict[str, Any], rows: Sequence[Any], thresholds: Matching) -> MatchResult:
    """The referral judged against these known children (no database: the rules alone)."""
    compared = [(row, compare_child(new, row)) for row in rows]
    joinable = [(row, found) for row, found in compared if found.may_join() and _reaches(found, thresholds.strong)]
    if len(joinable) == 1:  # two children fitting as well (twins both known, say): an officer decides
        return MatchResult(strong=score(new, joinable[0][0]))
    offered = [score(new, row) for row, found in compared if found.may_offer() and _reaches(found, thresholds.possible)]
    best = sorted(offered, key=lambda c: (-c.score, c.child_id))
    return MatchResult(possible=tuple(best[:MAX_POSSIBLE]))


def _reaches(found: Comparison, threshold: float) -> bool:
    # The same UPN stands for the pupil whatever else is missing; otherwise the score must reach the threshold.
    return found.parts["upn"].level == Level.SAME or found.score >= threshold
