"""Restricted cases: who may see a case's details (named officers only, once an officer restricts it)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Case
from storage.protection import CaseAccess


def may_see(session: Session, *, case: Case, user_key: str) -> bool:
    """True when `user_key` may see this case's details: any staff member, or only named officers if restricted."""
    if not case.restricted:
        return True
    found = session.exec(select(CaseAccess).where(CaseAccess.case_id == case.id, CaseAccess.officer == user_key))
    return found.first() is not None
