"""Possible matches as officers and alerts see them: the other case's reference, and why, in words.

`possible_matches_of` gives each case the references of the cases it may be the same child as (pending
decisions, both ways round): for the new-case alert, the digest and the caseload, which carry
references only. `explain` compares the two children as they are recorded now (after any correction)
and says what agrees and what differs, naming the names: for the officer's case view only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from handlers.children.household import cases_of, survivor
from handlers.children.matching import compare_child
from storage.child_queries import surviving_case
from storage.children import Child, ChildMatch, MatchState
from storage.models import Case

SCORE_MEANING = "1 means every detail agrees"


@dataclass(frozen=True)
class Explanation:
    """What agrees and what differs between two children's records, and the score (officers only)."""

    agrees: tuple[str, ...]
    differs: tuple[str, ...]
    score: float

    def words(self) -> str:
        """'Agrees: same surname, same date of birth. Differs: first names differ: Jon / Joan, ... Match score ...'"""
        agrees = f"Agrees: {', '.join(self.agrees)}." if self.agrees else "Nothing agrees exactly."
        differs = f" Differs: {'; '.join(self.differs)}." if self.differs else " Nothing differs."
        return f"{agrees}{differs} Match score {self.score:.2f} ({SCORE_MEANING})."


def child_details(child: Child) -> dict:
    """A child record as the matcher reads a referral's child."""
    keys = ("forenames", "surname", "other_names", "dob", "postcode", "upn", "sex")
    return {key: getattr(child, key) for key in keys}


def explain(this: Child, other: Child) -> Explanation:
    """This child's record against the other's: what agrees and differs (names shown this / other)."""
    found = compare_child(child_details(this), other)
    return Explanation(found.agrees(), found.differs(), found.score)


def plain_words(reasons: Iterable[str], score: float) -> str:
    """Stored reasons (no child details) as a line, when the records can't be compared any more."""
    said = ", ".join(reasons) or "no reasons recorded"
    return f"When found: {said}. Match score {score:.2f} ({SCORE_MEANING})."


def possible_matches_of(session: Session, case_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each case, the references of the cases it may be the same child as (pending possible matches)."""
    cases = _cases(session, case_ids)
    if not cases:
        return {}
    out: dict[int, set[str]] = defaultdict(set)
    child_of = {case.id: case.child_id for case in cases.values() if case.child_id is not None}
    found = session.exec(
        select(ChildMatch).where(col(ChildMatch.case_id).in_(list(cases)), ChildMatch.state == MatchState.PENDING)
    ).all()
    latest = _latest_cases(session, {match.candidate_id for match in found})
    for match in found:
        other = latest.get(match.candidate_id)
        if other is not None and other.id != match.case_id:
            out[match.case_id].add(other.reference)
    for case_id, reference in _matches_against(session, child_of):
        out[case_id].add(reference)
    return {case_id: sorted(out.get(case_id, ())) for case_id in cases}


def undecided_matches(session: Session) -> list[tuple[Case, list[str]]]:
    """Open cases with a possible match no officer has decided yet, and the other cases' references (the digest)."""
    pending = select(ChildMatch.case_id).where(ChildMatch.state == MatchState.PENDING)
    query = select(Case).where(col(Case.id).in_(pending), Case.state == "open", col(Case.merged_into).is_(None))
    cases = list(session.exec(query.order_by(col(Case.id))).all())
    found = possible_matches_of(session, [case.id for case in cases])
    return [(case, found[case.id]) for case in cases if found.get(case.id)]


def _cases(session: Session, case_ids: Iterable[int]) -> dict[int, Case]:
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    return {case.id: case for case in session.exec(select(Case).where(col(Case.id).in_(ids))).all()}


def _latest_cases(session: Session, child_ids: set[int]) -> dict[int, Case]:
    """Each (possibly merged) child's latest case that stands, keyed by the id given."""
    resolved = {child_id: survivor(session, child_id) for child_id in child_ids}
    standing = cases_of(session, {child.id for child in resolved.values() if child is not None})
    out = {}
    for child_id, child in resolved.items():
        live = [case for case in standing.get(child.id, []) if case.merged_into is None] if child else []
        if live:
            out[child_id] = live[-1]
    return out


def _matches_against(session: Session, child_of: dict[int, int]) -> Iterable[tuple[int, str]]:
    """(case id, the reference of the newer case that found this case's child) for pending matches."""
    if not child_of:
        return []
    query = select(ChildMatch).where(
        col(ChildMatch.candidate_id).in_(set(child_of.values())), ChildMatch.state == MatchState.PENDING
    )
    pairs = []
    for match in session.exec(query).all():
        finder = surviving_case(session, session.get(Case, match.case_id))
        for case_id, child_id in child_of.items():
            if child_id == match.candidate_id and finder is not None and finder.id != case_id:
                pairs.append((case_id, finder.reference))
    return pairs
