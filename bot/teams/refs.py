"""Remember where the bot can speak later: each conversation's reference (with its serviceUrl) in the database.

Written when a conversation is first seen or its serviceUrl changes (a small cache avoids a write
per message); read when an alert, a reminder or a move to the personal chat needs it. The database
work runs on the channel's own threads (bot/teams/threads.py).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from sqlalchemy import Engine

from bot.teams.inbound import base_conversation_id, identity_of, is_personal
from bot.threads import DatabaseThreads
from storage.db import unit_of_work
from storage.teams_refs import TeamsConversationRef, personal_ref_for, ref_for_conversation, save_ref
from storage.types import utcnow


class ReferenceStore:
    """Conversation references by conversation id, stored in the database."""

    def __init__(self, engine: Engine, threads: DatabaseThreads) -> None:
        self.engine, self.threads = engine, threads
        self._seen: dict[str, tuple[str, str | None]] = {}

    async def remember(self, activity: Activity) -> None:
        """Store the activity's conversation reference unless it is already known unchanged."""
        # The marker first: building the row serialises the whole reference, for nothing on most turns.
        conversation_id = base_conversation_id(activity.conversation.id)
        personal = is_personal(activity)
        marker = (activity.service_url, identity_of(activity).key if personal else None)
        if self._seen.get(conversation_id) == marker:
            return
        await self.threads.run(self._save, _row(activity))
        self._seen[conversation_id] = marker

    async def for_conversation(self, conversation_id: str) -> ConversationReference | None:
        """The stored reference of a conversation (a channel, a group chat, a personal chat)."""
        row = await self.threads.run(self._load, ref_for_conversation, base_conversation_id(conversation_id))
        return None if row is None else ConversationReference().deserialize(row)

    async def personal_for(self, user_key: str) -> ConversationReference | None:
        """The person's personal chat with the bot, if they have one."""
        row = await self.threads.run(self._load, personal_ref_for, user_key)
        return None if row is None else ConversationReference().deserialize(row)

    def _save(self, row: TeamsConversationRef) -> None:
        with unit_of_work(self.engine) as session:
            save_ref(session, row)

    def _load(self, query, key: str) -> dict[str, Any] | None:
        with unit_of_work(self.engine) as session:
            row = query(session, key)
            return None if row is None else dict(row.reference)


def _row(activity: Activity) -> TeamsConversationRef:
    # Serialised first: the reference shares its conversation object with the live activity.
    reference = TurnContext.get_conversation_reference(activity).serialize()
    conversation_id = base_conversation_id(activity.conversation.id)
    reference["conversation"]["id"] = conversation_id  # the channel, not the thread the message was in
    reference.pop("activityId", None)
    personal = is_personal(activity)
    return TeamsConversationRef(
        conversation_id=conversation_id,
        conversation_type=activity.conversation.conversation_type or "personal",
        user_key=identity_of(activity).key if personal else None,
        tenant_id=identity_of(activity).tenant,
        service_url=activity.service_url,
        reference=reference,
        updated_at=utcnow(),
    )
