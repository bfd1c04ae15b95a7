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
