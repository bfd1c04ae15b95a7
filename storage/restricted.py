"""Which restricted cases a person is not named on (the one query behind every 'restricted case' shown)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Case
from storage.protection import CaseAccess


def hidden_case_ids(session: Session, *, cases: Iterable[Case], user_key: str) -> set[int]:
    """The ids of those `cases` that are restricted and do not name `user_key` (one query, none if none restricted)."""
    restricted = [case.id for case in cases if case.restricted]
    if not restricted:
        return set()
    query = select(CaseAccess.case_id).where(col(CaseAccess.case_id).in_(restricted), CaseAccess.officer == user_key)
    return set(restricted) - set(session.exec(query).all())


def named_on(session: Session, case: Case) -> frozenset[str]:
    """The officers named on a restricted case (none for a case that is not restricted)."""
    if not case.restricted:
        return frozenset()
    return frozenset(session.exec(select(CaseAccess.officer).where(CaseAccess.case_id == case.id)).all())


def merge_would_show(session: Session, source: Case, target: Case) -> bool:
    """True when merging `source` into `target` would show source's referral to someone not named on source.

    A merge moves the referral to the case that stands; if that case is open to more officers than the
    restricted one, the restriction would be lost.
    """
    if not source.restricted:
        return False
    return not target.restricted or not named_on(session, target) <= named_on(session, source)
