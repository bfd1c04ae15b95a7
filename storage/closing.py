"""Closing a case once: the write that closes it only if it is still open, and who closed it when it was not."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import AuditEvent, Case, CaseState


def close_if_open(session: Session, case: Case, *, outcome: str, now: dt.datetime) -> bool:
    """Close `case` only if it is still open in the database (an optimistic check); False if a turn closed it first.

    Two officers who both saw the case open write the same row: PostgreSQL makes the second UPDATE wait for the
    first and then finds the state changed, SQLite runs the turns one after the other; either way one row is
    changed once and the second closing changes nothing.
    """
    result = session.execute(
        update(Case)
        .where(col(Case.id) == case.id, Case.state == CaseState.OPEN.value)
        .values(state=CaseState.CLOSED.value, outcome=outcome, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(case)  # as the database has it now: closed by this turn, or by the one that came first
    return bool(result.rowcount)


def last_closure(session: Session, case: Case) -> AuditEvent | None:
    """The audit record of the case's latest closing (who, when, the outcome), if any."""
    query = select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.closed")
    return session.exec(query.order_by(col(AuditEvent.id).desc()).limit(1)).first()
