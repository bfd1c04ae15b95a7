"""What each merge changed, kept so `/cme split` can put both cases back as they were; row locks for merges and splits.

A CaseMerge row is written in the merge's own transaction: which case joined which (and whether the case
itself was merged or only the child records), the score and plain reasons of an automatic merge, and in
`undo` (encrypted: it holds child details) the referrals moved, the enquiry steps stopped and their
states, the cases moved between child records, the surviving record's columns before and after, and the
links the merge made. A split claims the row with a conditional update (two officers at once: one wins),
after taking row locks on the cases (PostgreSQL; SQLite's writers already queue on BEGIN IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, Session, col, select

from storage.models import Case, SQLModel, _secret_json
from storage.types import UTCDateTime, utcnow


class MergeKind(StrEnum):
    """Who merged: intake on its own (a strong match) or an officer (/cme same)."""

    INTAKE = "intake"
    OFFICER = "officer"


class CaseMerge(SQLModel, table=True):
    """One merge of a case (or of its child record) into another, and how to undo it."""

    __tablename__ = "case_merge"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)  # the case merged (or whose child record joined)
    into_case_id: int | None = Field(default=None, foreign_key="case.id", index=True)  # the other case
    case_merged: bool = False  # the case itself merged into the other (its reference opened the other)
    child_id: int | None = Field(default=None, foreign_key="child.id")  # its own record (None: intake made none)
    into_child_id: int | None = Field(default=None, foreign_key="child.id")  # the record it joined
    kind: str = Field(max_length=16)
    score: float | None = None
    reasons: list = Field(sa_column=Column(JSON, nullable=False), default_factory=list)  # plain words, no details
    undo: dict = _secret_json(default_factory=dict)
    merged_by: str = Field(max_length=255)
    merged_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    split_by: str | None = Field(default=None, max_length=255)
    split_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0


def merges_of(session: Session, case_id: int) -> list[CaseMerge]:
    """The merges that moved this case or its child record and are not split, newest first."""
    query = select(CaseMerge).where(CaseMerge.case_id == case_id, col(CaseMerge.split_at).is_(None))
    return list(session.exec(query.order_by(col(CaseMerge.id).desc())).all())


def merges_into(session: Session, case_ids: Iterable[int]) -> list[CaseMerge]:
    """The merges (not split) that joined another case or record into one of these cases, oldest first."""
    ids = list(case_ids)
    if not ids:
        return []
    query = select(CaseMerge).where(col(CaseMerge.into_case_id).in_(ids), col(CaseMerge.split_at).is_(None))
    return list(session.exec(query.order_by(col(CaseMerge.id))).all())


def last_split(session: Session, case_id: int) -> CaseMerge | None:
    """The newest merge of this case that was split, if any."""
    query = select(CaseMerge).where(CaseMerge.case_id == case_id, col(CaseMerge.split_at).is_not(None))
    return session.exec(query.order_by(col(CaseMerge.id).desc())).first()


def claim_split(session: Session, merge: CaseMerge, *, actor: str, now: dt.datetime) -> bool:
    """Mark the merge split, only if no one split it since it was read (its version); False if someone did."""
    result = session.execute(
        update(CaseMerge)
        .where(col(CaseMerge.id) == merge.id, CaseMerge.version == merge.version, col(CaseMerge.split_at).is_(None))
        .values(split_by=actor, split_at=now, version=CaseMerge.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        session.refresh(merge)
    return bool(result.rowcount)


def lock_cases(session: Session, cases: Iterable[Case]) -> list[str]:
    """Lock these cases' rows (ids in order: no deadlock) and reload them; the references another turn changed.

    A merge or split reads its cases, then takes the locks: one that committed in between shows as a changed
    merge, state or child, so the command is told rather than acting on what it no longer saw.
    """
    cases = list({case.id: case for case in cases}.values())
    before = {case.id: (case.merged_into, case.state, case.child_id) for case in cases}
    query = select(Case).where(col(Case.id).in_(list(before))).order_by(col(Case.id)).with_for_update()
    fresh = session.exec(query.execution_options(populate_existing=True)).all()
    return [case.reference for case in fresh if (case.merged_into, case.state, case.child_id) != before[case.id]]
