"""Speak first: outbox alerts to officers' conversations, and replies moved to a person's personal chat.

Both go through CloudAdapter.continue_conversation with the bot's app id (an empty string when auth
is off, or CloudAdapter fails). A send that fails raises, so the outbox keeps the row for a retry.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import HttpOperationError

from bot.notify import Unreachable
from bot.teams.inbound import tenant_of
from bot.teams.refs import ReferenceStore
from bot.teams.render import SpecLookup, to_activities, to_activity
from handlers.messages import Address, Identity, Reply

log = logging.getLogger(__name__)


class NoConversation(Unreachable):
    """The bot has no stored reference for a Teams conversation yet (it must be installed or messaged there).

    For an officers' target or an officer it only means "not yet": the outbox retries until they open the app.
    For a question to a reporter (who had a chat with the bot when they raised the concern) it is given up.
    """

    def __init__(self, message: str) -> None:
        super().__init__("no_conversation")
        self.args = (message,)


GONE_STATUS = frozenset({403, 404})  # Bot Connector: blocked by the user, not in the roster, conversation not found


class Proactive:
    """Sends activities into stored conversations."""

    def __init__(self, adapter, app_id: str, refs: ReferenceStore, specs: SpecLookup) -> None:
        self.adapter, self.app_id, self.refs, self.specs = adapter, app_id, refs, specs

    async def send_outbox(self, address: Address, reply: Reply) -> str | None:
        """The outbox sender for channel "teams": one alert or reminder to a stored conversation; its activity id."""
        reference = await self.refs.for_conversation(address.conversation_id)
        if reference is None and address.extra.get("user_key"):
            reference = await self.refs.personal_for(str(address.extra["user_key"]))
        if reference is None:
            raise NoConversation("no Teams conversation reference stored for this target yet")
        activity = to_activity(reply, self.specs)
        if reply.data.get("preview"):  # what a notification shows: the reference, not the question
            activity.summary = str(reply.data["preview"])
        try:
            sent = await self._send(reference, [activity])
        except HttpOperationError as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE_STATUS:
                raise Unreachable(f"teams_{status}") from exc
            raise
        return sent[0] if sent else None

    async def to_personal_chat(self, identity: Identity, activity: Activity, replies: list[Reply]) -> list[str | None]:
        """Send `replies` to the sender's personal chat, creating the chat if they never opened one; their ids."""
        reference = await self.refs.personal_for(identity.key)
        activities = to_activities(replies, self.specs)
        if reference is not None:
            return await self._send(reference, activities)
        return await self._create_and_send(activity, activities)

    async def _send(self, reference: ConversationReference, activities: list[Activity]) -> list[str | None]:
        send = _Sender(activities)
        await self.adapter.continue_conversation(reference, send, bot_app_id=self.app_id or "")
        send.raise_failure()
        return send.ids

    async def _create_and_send(self, activity: Activity, activities: list[Activity]) -> list[str | None]:
        tenant = tenant_of(activity)
        sender = activity.from_property
        parameters = ConversationParameters(
            is_group=False,
            bot=activity.recipient,
            members=[ChannelAccount(id=sender.id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        send = _Sender(activities)
        await self.adapter.create_conversation(
            self.app_id or "",
            send,  # Teams answers with the same 1:1 chat every time
            parameters,
            activity.channel_id,
            activity.service_url,
            None,
        )
        send.raise_failure()
        return send.ids


class _Sender:
    """The proactive turn's callback. The adapter swallows a turn's errors, so the failure is kept and re-raised."""

    def __init__(self, activities: list[Activity]) -> None:
        self.activities = activities
        self.failure: Exception | None = None
        self.ids: list[str | None] = []  # what the connector called each activity sent

    async def __call__(self, turn_context: TurnContext) -> None:
        try:
            responses = await turn_context.send_activities(self.activities)
        except Exception as exc:  # re-raised by raise_failure, outside the adapter's error handler
            self.failure = exc
            return
        self.ids = [getattr(response, "id", None) for response in responses or []]

    def raise_failure(self) -> None:
        """Raise what went wrong while sending, if anything did."""
        if self.failure is not None:
            raise self.failure
