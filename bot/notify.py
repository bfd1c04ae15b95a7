"""Deliver outbox messages on any channel: at least once, de-duplicated, retried with backoff.

A channel registers a sender for its name ("slack", "teams"). Messages are claimed for a while
(SKIP LOCKED on PostgreSQL), delivered outside the transaction, then marked sent. A failed send
stays in the outbox with the error and a later not_before, so nothing is lost. The rows themselves
are kept by handlers/casework/outbox.py: this module only sends.

A sender returns the posted message's id (Slack's ts, Teams' activity id) when it has one: a message
about a reporter's concern is remembered, so that a reply to it adds to that concern. A sender raises
Unreachable when the channel says the person can't be reached there at all; a question to a reporter
is then given up (sent_at set, last_error "gave up: ...") and the officer who asked is told
(handlers/casework/follow_ups.py); any other row is retried as before (an officer who has not opened a
chat with the bot yet gets it once they do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.metrics import Metrics
from handlers.casework import outbox
from handlers.casework.reporter_notes import remember_posted
from handlers.core import Core
from handlers.messages import Address, Reply

log = logging.getLogger(__name__)
Sender = Callable[[Address, Reply], Awaitable[str | None]]  # the posted message's id, when the channel gives one


class Unreachable(Exception):
    """The channel says this person can't be reached there (an account deactivated, no chat with the bot)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # the channel's own code (is_archived, no_conversation, teams_403): no data


@dataclass
class OutboxSender:
    """Delivers pending outbox rows through the senders registered per channel."""

    core: Core
    senders: dict[str, Sender] = field(default_factory=dict)
    metrics: Metrics | None = None  # deliveries failed, by channel, for /metrics

    def register(self, channel: str, sender: Sender) -> None:
        """Deliver rows addressed to `channel` with `sender`."""
        self.senders[channel] = sender

    async def deliver_pending(self, limit: int = 100) -> int:
        """Deliver what is due; returns how many were sent."""
        pending = await asyncio.to_thread(outbox.claim, self.core, channels=set(self.senders), limit=limit)
        sent = 0
        for message in pending:
            try:
                posted = await self.senders[message.channel](message.address, message.reply)
            except Exception as exc:  # any failure: keep the row, try again later (unless it can never go)
                if isinstance(exc, Unreachable) and await asyncio.to_thread(
                    outbox.give_up, self.core, message.id, exc.reason
                ):
                    log.warning("outbox %s: recipient unreachable (%s); the officer is told", message.id, exc.reason)
                    continue
                cause = exc.__cause__ if isinstance(exc, Unreachable) and exc.__cause__ is not None else exc
                log.warning("outbox %s not delivered (%s); will retry", message.id, type(cause).__name__)
                if self.metrics is not None:
                    self.metrics.delivery_failed(message.channel)
                    self.metrics.count_error(cause)
                await asyncio.to_thread(outbox.failed, self.core, message.id, type(cause).__name__)
                continue
            await asyncio.to_thread(self._sent, message, posted)
            sent += 1
        return sent

    def _sent(self, message: outbox.Pending, posted: str | None) -> None:
        outbox.sent(self.core, message.id)
        if posted:  # after the mark: a failure here must not send the message again
            remember(self.core, message.address, posted, [message.reply])


def remember(core: Core, address: Address, message_id: str | None, replies: list[Reply]) -> None:
    """Keep which concern a posted message is about (a reply to it adds to it); a failure only loses that link."""
    if not message_id:
        return
    try:
        remember_posted(
            core.engine,
            channel=address.channel,
            conversation_id=address.conversation_id,
            message_id=message_id,
            replies=replies,
        )
    except Exception as exc:  # the message went; a reply to it will be taken as any message
        log.warning("could not remember a posted message's concern (%s)", type(exc).__name__)
