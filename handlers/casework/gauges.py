"""What the server's /metrics reads from the database at each scrape: counts only, never a person or a child.

The outbox backlog and its oldest message's age, forms in progress, open cases by urgency: one read.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from storage.models import Case, CaseState, Conversation, Outbox
from storage.types import utcnow


@dataclass
class DatabaseCounts:
    """What the database-backed gauges show at one scrape."""

    outbox_backlog: int
    outbox_oldest_age: float
    drafts_open: int
    cases_open: dict[str, int]


def read_counts(engine: sa.Engine) -> DatabaseCounts:
    """The outbox backlog and its oldest row's age, open drafts and open cases by urgency (one read)."""
    now = utcnow()
    with Session(engine) as session:
        pending = col(Outbox.sent_at).is_(None)
        backlog, oldest = session.exec(select(func.count(), func.min(Outbox.created_at)).where(pending)).one()
        drafts = session.exec(select(func.count()).select_from(Conversation)).one()
        rows = session.exec(
            select(Case.urgent, func.count()).where(Case.state == CaseState.OPEN).group_by(Case.urgent)
        ).all()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    cases = {"urgent": 0, "routine": 0}
    for urgent, count in rows:
        cases["urgent" if urgent else "routine"] += count
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return DatabaseCounts(int(backlog), max(age, 0.0), int(drafts), cases)
