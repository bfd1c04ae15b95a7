"""Deliver outbox rows addressed to Slack: officer alerts (reference and urgency only) and messages to a person."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify import Unreachable
from bot.slack.blocks import alert_blocks, fallback_text, message_blocks, reply_from_json
from handlers.messages import Address, Reply

# chat.postMessage's errors that mean this person can't be messaged at all (Slack's published error codes): a
# deactivated account archives its DM, a deleted one is not found. Retrying never helps; rate limits and
# Slack's own faults are retried by the outbox as before.
GONE = frozenset(
    {"channel_not_found", "is_archived", "user_not_found", "user_disabled", "cannot_dm_bot", "messages_tab_disabled"}
)


def outbox_sender(client: AsyncWebClient):
    """A sender for OutboxSender.register("slack", ...): returns the message's ts. A failure raises, so the row
    stays in the outbox (Unreachable when Slack says the person can't be messaged)."""

    async def send(address: Address, reply: Reply) -> str | None:
        stored = reply.data.get("replies")
        if stored:  # a message composed by the Slack adapter (a confirmation), kept as replies
            replies = [reply_from_json(r) for r in stored]
            text, blocks = fallback_text(replies), message_blocks(replies)
        else:
            # The notification shows the fallback text: a question to a reporter says only its reference there.
            text, blocks = reply.data.get("preview") or fallback_text([reply]), alert_blocks(reply)
        try:
            response = await client.chat_postMessage(channel=address.conversation_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            if code in GONE:
                raise Unreachable(code) from exc
            raise
        return response.get("ts")

    return send
