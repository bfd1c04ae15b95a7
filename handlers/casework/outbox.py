"""The outbox's service for the channels: what is waiting to be delivered, and marking it sent or failed.

Every notification (a reminder, an alert, an outcome for the reporter) is a row in the outbox, written in
the transaction that caused it; a channel delivers it later, at least once. The channels in bot/ ask here
and never read the table: which inboxes a terminal user may read (their own; officers' and managers'
shared ones by role) is an access rule, so it lives here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from typing import Any

from handlers.casework.digest import outbox_row, reply_of
from handlers.casework.follow_ups import undeliverable
from handlers.core import Core, is_staff, role_of
from handlers.messages import Address, Identity, Reply, Role
from storage.db import unit_of_work
from storage.models import Outbox
from storage.queries import enqueue, pending_outbox, take_outbox_for

CLAIM_FOR = dt.timedelta(minutes=2)
MAX_BACKOFF = dt.timedelta(minutes=30)


@dataclasses.dataclass(frozen=True)
class Pending:
    """One message claimed for delivery: its row id (to mark it), where it goes, and what it says."""

    id: int
    channel: str
    address: Address
    reply: Reply


def claim(core: Core, *, channels: Collection[str], limit: int = 100) -> list[Pending]:
    """Messages due on `channels`, urgent first, claimed for CLAIM_FOR so no other sender takes them meanwhile."""
    now = core.clock()
    with unit_of_work(core.engine) as session:
        due = pending_outbox(session, now=now, limit=limit)
        rows = [row for row in due if row.recipient.get("channel") in channels]
        for row in rows:
            row.claimed_until = now + CLAIM_FOR
            session.add(row)
        return [_pending(row) for row in rows]


def _pending(row: Outbox) -> Pending:
    return Pending(row.id, row.recipient["channel"], Address.from_dict(row.recipient), reply_of(row))


def sent(core: Core, row_id: int) -> None:
    """Mark a claimed message delivered."""
    with unit_of_work(core.engine) as session:
        row = session.get(Outbox, row_id)
        row.sent_at, row.attempts, row.claimed_until = core.clock(), row.attempts + 1, None
        session.add(row)


def give_up(core: Core, row_id: int, reason: str) -> bool:
    """True when the message is a question to a reporter the channel can't reach: settled, the officer told."""
    with unit_of_work(core.engine) as session:
        row = session.get(Outbox, row_id)
        now = core.clock()
        if not undeliverable(session, row=row, reason=reason, profile=core.profile, now=now):
            return False
        row.sent_at, row.attempts, row.claimed_until = now, row.attempts + 1, None
        row.last_error = f"gave up: {reason}"[:1000]
        session.add(row)
        return True


def failed(core: Core, row_id: int, error: str) -> None:
    """Keep a message that could not be delivered, with the error, for a later try (backing off to 30 minutes)."""
    with unit_of_work(core.engine) as session:
        row = session.get(Outbox, row_id)
        row.attempts += 1
        row.last_error = error[:1000]
        row.claimed_until = None
        row.not_before = core.clock() + min(dt.timedelta(seconds=15 * 2 ** min(row.attempts, 10)), MAX_BACKOFF)
        session.add(row)


def queue_once(core: Core, *, kind: str, key: str, address: Address, text: str, payload: dict[str, Any]) -> bool:
    """Queue one message for `address` unless one with `key` was queued before (retries, replicas); True if new."""
    with unit_of_work(core.engine) as session:
        row = outbox_row(kind, key, address.to_dict(), text, payload, now=core.clock())
        return enqueue(session, row)


def inboxes_of(identity: Identity, role: Role) -> list[str]:
    """The terminal inboxes this person reads: their own, and the officers' or managers' shared one by role."""
    inboxes = [f"dm:{identity.user_id}"]
    if is_staff(role):
        inboxes.append("managers" if role is Role.MANAGER else "officers")
    return inboxes


def take_waiting(core: Core, identity: Identity) -> list[Reply]:
    """The terminal messages waiting for this person (their own, and their role's alerts), marked delivered."""
    role = role_of(identity, core.profile, core.role_overrides)
    with unit_of_work(core.engine) as session:
        rows = [
            row
            for inbox in inboxes_of(identity, role)
            for row in take_outbox_for(session, channel="terminal", conversation_id=inbox, now=core.clock())
        ]
        return [reply_of(row) for row in rows]
