"""Queries for the child record: matching candidates (indexed, never a scan), episodes, merges, match decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.blind import dob_index, postcode_index, upn_index
from storage.children import Child, ChildMatch, MatchState
from storage.models import Case, Report

BLOCK_LIMIT = 500  # candidates per block: a postcode or a birthday shared by more is scored on the first 500
MAX_HOPS = 10  # merged_into chains are short (one merge each); a cycle would be a bug, never followed forever
MERGED = "merged"  # a case whose report now belongs to the case it was merged into

_CANDIDATE = (Child.id, Child.forenames, Child.surname, Child.other_names, Child.dob, Child.postcode, Child.upn,
              Child.sex)  # fmt: skip


def children_with_upn(session: Session, upn: str) -> list[Any]:
    """Live (not merged) children with this UPN (its blind index, ix_child_upn_bidx)."""
    query = select(*_CANDIDATE, Child.merged_into).where(Child.upn_bidx == upn_index(upn)).order_by(col(Child.id))
    return [row for row in session.exec(query).all() if row.merged_into is None]


def candidates(session: Session, *, dobs: Sequence[dt.date], postcode: str | None) -> list[Any]:
    """Live children born on one of `dobs` or living at `postcode`: two blind-index look-ups, de-duplicated."""
    # Merged records are dropped here, not in SQL: with `merged_into IS NULL` in the WHERE, SQLite (no
    # ANALYZE statistics) picks the merged_into index and reads every live child instead of one birthday.
    found: dict[int, Any] = {}
    if dobs:
        blinded = [dob_index(dob) for dob in dobs]
        query = select(*_CANDIDATE, Child.merged_into).where(col(Child.dob_bidx).in_(blinded)).limit(BLOCK_LIMIT)
        found.update((row.id, row) for row in session.exec(query).all() if row.merged_into is None)
    if postcode:
        blind = postcode_index(postcode)
        query = select(*_CANDIDATE, Child.merged_into).where(Child.postcode_bidx == blind).limit(BLOCK_LIMIT)
        found.update((row.id, row) for row in session.exec(query).all() if row.merged_into is None)
    return list(found.values())


def surviving_child(session: Session, child_id: int | None) -> Child | None:
    """The child record, following merges to the one that survived."""
    child = session.get(Child, child_id) if child_id is not None else None
    for _ in range(MAX_HOPS):
        if child is None or child.merged_into is None:
            return child
        child = session.get(Child, child.merged_into)
    return child


def case_as_raised(session: Session, reference: str) -> Case | None:
    """The case with exactly this reference, merged or not (a reporter's own reference)."""
    return session.exec(select(Case).where(Case.reference == reference.upper())).first()


def surviving_case(session: Session, case: Case | None) -> Case | None:
    """The case `case` was merged into (following merges), or `case` itself."""
    for _ in range(MAX_HOPS):
        if case is None or case.merged_into is None:
            return case
        case = session.get(Case, case.merged_into)
    return case


def merged_group(session: Session, case: Case) -> list[Case]:
    """The case that stands for `case` and every case merged into it at any depth, standing case first.

    Merged cases are one case: their referrals show on the one that stands, so whoever acts on one acts on all.
    """
    standing = surviving_case(session, case) or case
    group, frontier = {standing.id: standing}, [standing.id]
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        merged = session.exec(select(Case).where(col(Case.merged_into).in_(frontier)).order_by(col(Case.id))).all()
        frontier = [c.id for c in merged if c.id not in group]
        group.update((c.id, c) for c in merged)
    return list(group.values())


def cases_of_child(session: Session, child_id: int) -> list[Case]:
    """A child's cases (episodes), oldest first; merged cases left out (their survivor stands for them)."""
    query = (
        select(Case).where(Case.child_id == child_id, Case.state != MERGED).order_by(col(Case.created_at), col(Case.id))
    )
    return list(session.exec(query).all())


def merged_into_case(session: Session, case_id: int) -> list[Case]:
    """The cases merged into this one (their references resolve to it)."""
    return list(session.exec(select(Case).where(Case.merged_into == case_id).order_by(col(Case.id))).all())


def reports_of(session: Session, case_id: int) -> list[Report]:
    """Every referral report on a case, oldest first (a merge brings the other case's report)."""
    return list(session.exec(select(Report).where(Report.case_id == case_id).order_by(col(Report.id))).all())


def matches_of(session: Session, case_id: int, state: str | None = MatchState.PENDING) -> list[ChildMatch]:
    """The possible matches found for a case (pending ones by default), best first."""
    query = select(ChildMatch).where(ChildMatch.case_id == case_id)
    if state is not None:
        query = query.where(ChildMatch.state == state)
    return list(session.exec(query.order_by(col(ChildMatch.score).desc(), col(ChildMatch.id))).all())


def matches_against(session: Session, child_id: int) -> list[ChildMatch]:
    """Pending possible matches that name this child as the known one (index ix_child_match_candidate_id)."""
    query = select(ChildMatch).where(ChildMatch.candidate_id == child_id, ChildMatch.state == MatchState.PENDING)
    return list(session.exec(query.order_by(col(ChildMatch.id))).all())


def match_between(session: Session, case_ids: Iterable[int], child_ids: Iterable[int]) -> ChildMatch | None:
    """The possible match of one of these cases against one of these children, if any was found."""
    query = select(ChildMatch).where(
        col(ChildMatch.case_id).in_(list(case_ids)), col(ChildMatch.candidate_id).in_(list(child_ids))
    )
    return session.exec(query.order_by(col(ChildMatch.id))).first()


def decide_match(session: Session, match: ChildMatch, *, state: str, actor: str, now: dt.datetime) -> bool:
    """Record an officer's decision only if the match is still pending at the version they saw; False if not."""
    result = session.execute(
        update(ChildMatch)
        .where(col(ChildMatch.id) == match.id, ChildMatch.version == match.version)
        .where(ChildMatch.state == MatchState.PENDING.value)
        .values(state=state, decided_by=actor, decided_at=now, version=ChildMatch.version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def closed_episodes(session: Session, child_id: int, *, before: Case) -> list[Case]:
    """The child's closed cases raised before `before`, oldest first (earlier episodes)."""
    return [
        case
        for case in cases_of_child(session, child_id)
        if case.id != before.id
        and case.state == "closed"
        and (case.created_at, case.id) < (before.created_at, before.id)
    ]


def closed_episodes_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, list[Case]]:
    """For each of these cases, its child's earlier closed cases (for the digest: two queries, no scan)."""
    if not case_ids:
        return {}
    cases = session.exec(select(Case).where(col(Case.id).in_(list(case_ids)))).all()
    child_ids = {case.child_id for case in cases if case.child_id is not None}
    if not child_ids:
        return {}
    query = (
        select(Case)
        .where(col(Case.child_id).in_(child_ids), Case.state == "closed")
        .order_by(col(Case.created_at), col(Case.id))
    )
    closed = list(session.exec(query).all())
    return {
        case.id: [
            c for c in closed if c.child_id == case.child_id and (c.created_at, c.id) < (case.created_at, case.id)
        ]
        for case in cases
    }
