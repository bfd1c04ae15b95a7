"""Deliver outbox rows addressed to Slack: officer alerts (reference and urgency only) and messages to a person."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import alert_blocks, fallback_text, message_blocks, reply_from_json
from handlers.messages import Address, Reply


def outbox_sender(client: AsyncWebClient):
    """A sender for OutboxSender.register("slack", ...). A failure raises, so the row stays in the outbox."""

    async def send(address: Address, reply: Reply) -> None:
        stored = reply.data.get("replies")
        if stored:  # a message composed by the Slack adapter (a confirmation), kept as replies
            replies = [reply_from_json(r) for r in stored]
            await client.chat_postMessage(
                channel=address.conversation_id, text=fallback_text(replies), blocks=message_blocks(replies)
            )
            return
        await client.chat_postMessage(
            channel=address.conversation_id, text=fallback_text([reply]), blocks=alert_blocks(reply)
        )

    return send
