"""Deliveries already taken by some replica: Slack event and trigger ids, Teams activity ids.

Slack retries a request it thinks failed (X-Slack-Retry-Num), Teams one its bot took more than
15 s to answer, and the retry may reach another replica. The first replica to insert a delivery's
key processes it; every later delivery of the same key finds the row and is dropped. Keys are
platform ids only: no message text or child detail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, col

from storage.models import SQLModel
from storage.types import UTCDateTime

KEY_LIMIT = 255


class DeliveryClaim(SQLModel, table=True):
    """One delivery claimed by a replica, kept until the platform can no longer retry it."""

    __tablename__ = "delivery_claim"

    key: str = Field(primary_key=True, max_length=KEY_LIMIT)
    seen_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)


def claim_delivery(session: Session | Connection, key: str, now: dt.datetime) -> bool:
    """True for the first claim of `key` on any replica, False when it was already claimed.

    A Connection will do as well as a Session: a claim sits in front of every turn, and is cheaper without the ORM.
    """
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    statement = (
        (pg_insert if dialect.name == "postgresql" else sqlite_insert)(DeliveryClaim)
        .values(key=key[:KEY_LIMIT], seen_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(DeliveryClaim.key)
    )
    return session.execute(statement).first() is not None


def forget_deliveries(session: Session | Connection, before: dt.datetime) -> int:
    """Delete claims older than `before` (platforms stop retrying after minutes); returns how many."""
    result = session.execute(delete(DeliveryClaim).where(col(DeliveryClaim.seen_at) < before))
    return result.rowcount or 0
