"""Teams conversation references: where the bot can speak later (alerts, reminders, moving to a personal chat).

One row per conversation (a personal chat, a channel, a group chat), holding the Bot Framework
ConversationReference as JSON with its serviceUrl. No message text or child detail is stored here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, col, select

from storage.models import SQLModel
from storage.queries import _insert
from storage.types import UTCDateTime, utcnow


class TeamsConversationRef(SQLModel, table=True):
    """The latest conversation reference the bot saw for one Teams conversation."""

    __tablename__ = "teams_conversation_ref"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(unique=True, max_length=512)
    conversation_type: str = Field(default="personal", max_length=32)
    user_key: str | None = Field(default=None, index=True, max_length=255)  # set for personal chats only
    tenant_id: str | None = Field(default=None, max_length=64)
    service_url: str = Field(max_length=1024)
    reference: dict = Field(sa_column=Column(JSON, nullable=False), default_factory=dict)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


def save_ref(session: Session, row: TeamsConversationRef) -> None:
    """Insert or update the reference for `row.conversation_id` (concurrent turns may race: last one wins)."""
    values: dict[str, Any] = {
        "conversation_id": row.conversation_id,
        "conversation_type": row.conversation_type,
        "user_key": row.user_key,
        "tenant_id": row.tenant_id,
        "service_url": row.service_url,
        "reference": row.reference,
        "updated_at": row.updated_at,
    }
    statement = _insert(session)(TeamsConversationRef).values(**values)
    changed = {k: statement.excluded[k] for k in values if k != "conversation_id"}
    session.execute(statement.on_conflict_do_update(index_elements=["conversation_id"], set_=changed))


def ref_for_conversation(session: Session, conversation_id: str) -> TeamsConversationRef | None:
    """The stored reference of one conversation."""
    query = select(TeamsConversationRef).where(TeamsConversationRef.conversation_id == conversation_id)
    return session.exec(query).first()


def personal_ref_for(session: Session, user_key: str) -> TeamsConversationRef | None:
    """The newest personal chat between the bot and this person, if they ever talked to it."""
    query = (
        select(TeamsConversationRef)
        .where(TeamsConversationRef.user_key == user_key, TeamsConversationRef.conversation_type == "personal")
        .order_by(col(TeamsConversationRef.updated_at).desc())
    )
    return session.exec(query).first()
