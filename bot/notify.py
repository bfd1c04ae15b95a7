"""Deliver outbox messages on any channel: at least once, de-duplicated, retried with backoff.

A channel registers a sender for its name ("slack", "teams"). Rows are claimed for a while
(SKIP LOCKED on PostgreSQL), delivered outside the transaction, then marked sent. A failed send
stays in the outbox with the error and a later not_before, so nothing is lost.

A sender returns the posted message's id (Slack's ts, Teams' activity id) when it has one: a message
about a reporter's concern is remembered, so that a reply to it adds to that concern. A sender raises
Unreachable when the channel says the person can't be reached there at all; a question to a reporter
is then given up (sent_at set, last_error "gave up: ...") and the officer who asked is told
(handlers/casework/follow_ups.py); any other row is retried as before (an officer who has not opened a
chat with the bot yet gets it once they do).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.metrics import Metrics
from handlers.casework.digest import reply_of
from handlers.casework.follow_ups import undeliverable
from handlers.casework.reporter_notes import remember_posted
from handlers.core import Core
from handlers.messages import Address, Reply
from storage.db import unit_of_work
from storage.models import Outbox
from storage.queries import pending_outbox

log = logging.getLogger(__name__)
Sender = Callable[[Address, Reply], Awaitable[str | None]]  # the posted message's id, when the channel gives one
CLAIM_FOR = dt.timedelta(minutes=2)
MAX_BACKOFF = dt.timedelta(minutes=30)


class Unreachable(Exception):
    """The channel says this person can't be reached there (an account deactivated, no chat with the bot)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # the channel's own code (is_archived, no_conversation, teams_403): no data


def as_reply(row: Outbox) -> Reply:
    """The outbox row as a Reply a channel can render: title and buttons from its payload (no child detail)."""
    return reply_of(row)


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
        rows = await asyncio.to_thread(self._claim, limit)
        sent = 0
        for row in rows:
            sender = self.senders[row.recipient["channel"]]
            address, reply = Address.from_dict(row.recipient), as_reply(row)
            try:
                posted = await sender(address, reply)
            except Exception as exc:  # any failure: keep the row, try again later (unless it can never go)
                if isinstance(exc, Unreachable) and await asyncio.to_thread(self._give_up, row.id, exc.reason):
                    log.warning("outbox %s: recipient unreachable (%s); the officer is told", row.id, exc.reason)
                    continue
                cause = exc.__cause__ if isinstance(exc, Unreachable) and exc.__cause__ is not None else exc
                log.warning("outbox %s not delivered (%s); will retry", row.id, type(cause).__name__)
                if self.metrics is not None:
                    self.metrics.delivery_failed(row.recipient["channel"])
                    self.metrics.count_error(cause)
                await asyncio.to_thread(self._failed, row.id, type(cause).__name__)
                continue
            await asyncio.to_thread(self._sent, row.id, address, posted, reply)
            sent += 1
        return sent

    def _claim(self, limit: int) -> list[Outbox]:
        now = self.core.clock()
        with unit_of_work(self.core.engine) as session:
            rows = [
                r for r in pending_outbox(session, now=now, limit=limit) if r.recipient.get("channel") in self.senders
            ]
            for row in rows:
                row.claimed_until = now + CLAIM_FOR
                session.add(row)
            return rows

    def _sent(self, row_id: int, address: Address, posted: str | None, reply: Reply) -> None:
        with unit_of_work(self.core.engine) as session:
            row = session.get(Outbox, row_id)
            row.sent_at, row.attempts, row.claimed_until = self.core.clock(), row.attempts + 1, None
            session.add(row)
        if posted:  # after the mark: a failure here must not send the message again
            remember(self.core, address, posted, [reply])

    def _give_up(self, row_id: int, reason: str) -> bool:
        """True when the row is a question to a reporter the channel can't reach: finished with, officer told."""
        with unit_of_work(self.core.engine) as session:
            row = session.get(Outbox, row_id)
            now = self.core.clock()
            if not undeliverable(session, row=row, reason=reason, profile=self.core.profile, now=now):
                return False
            row.sent_at, row.attempts, row.claimed_until = now, row.attempts + 1, None
            row.last_error = f"gave up: {reason}"[:1000]
            session.add(row)
            return True

    def _failed(self, row_id: int, error: str) -> None:
        with unit_of_work(self.core.engine) as session:
            row = session.get(Outbox, row_id)
            _schedule_retry(session, row, error, self.core.clock())


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


def _schedule_retry(session: Session, row: Outbox, error: str, now: dt.datetime) -> None:
    row.attempts += 1
    row.last_error = error[:1000]
    row.claimed_until = None
    row.not_before = now + min(dt.timedelta(seconds=15 * 2 ** min(row.attempts, 10)), MAX_BACKOFF)
    session.add(row)
