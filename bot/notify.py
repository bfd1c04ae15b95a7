"""Deliver outbox messages on any channel: at least once, de-duplicated, retried with backoff.

A channel registers a sender for its name ("slack", "teams"). Rows are claimed for a while
(SKIP LOCKED on PostgreSQL), delivered outside the transaction, then marked sent. A failed send
stays in the outbox with the error and a later not_before, so nothing is lost.
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
from handlers.core import Core
from handlers.messages import Address, Reply
from storage.db import unit_of_work
from storage.models import Outbox
from storage.queries import pending_outbox

log = logging.getLogger(__name__)
Sender = Callable[[Address, Reply], Awaitable[None]]
CLAIM_FOR = dt.timedelta(minutes=2)
MAX_BACKOFF = dt.timedelta(minutes=30)


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
            try:
                await sender(Address.from_dict(row.recipient), as_reply(row))
            except Exception as exc:  # any failure: keep the row, try again later
                log.warning("outbox %s not delivered (%s); will retry", row.id, type(exc).__name__)
                if self.metrics is not None:
                    self.metrics.delivery_failed(row.recipient["channel"])
                    self.metrics.count_error(exc)
                await asyncio.to_thread(self._failed, row.id, type(exc).__name__)
                continue
            await asyncio.to_thread(self._sent, row.id)
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

    def _sent(self, row_id: int) -> None:
        with unit_of_work(self.core.engine) as session:
            row = session.get(Outbox, row_id)
            row.sent_at, row.attempts, row.claimed_until = self.core.clock(), row.attempts + 1, None
            session.add(row)

    def _failed(self, row_id: int, error: str) -> None:
        with unit_of_work(self.core.engine) as session:
            row = session.get(Outbox, row_id)
            _schedule_retry(session, row, error, self.core.clock())


def _schedule_retry(session: Session, row: Outbox, error: str, now: dt.datetime) -> None:
    row.attempts += 1
    row.last_error = error[:1000]
    row.claimed_until = None
    row.not_before = now + min(dt.timedelta(seconds=15 * 2 ** min(row.attempts, 10)), MAX_BACKOFF)
    session.add(row)
