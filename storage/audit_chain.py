"""The tamper-evident audit chain: each event's SHA-256 covers its content and the previous event's hash.

Order: the chain's order is the id order. record_audit() locks the one AuditHead row before the event
is inserted (PostgreSQL: SELECT ... FOR UPDATE; SQLite: every writer already holds the database from
BEGIN IMMEDIATE), and the id is handed out under that lock: the one after the newest. So two writers
never fork the chain, and ids have no gaps (a sequence would skip the ids of rolled-back transactions on
PostgreSQL): a row renumbered (the newest moved from 26 to 100) is a gap verify() names, and the head's
last_id must be the newest row's. A database whose older chained rows have gaps (written before the
head handed out ids) has an AuditNumbering row (migration 0016): the gaps before its id are not faults.
The id is not hashed: moving a row to another id (reordering) leaves its hash intact and breaks the
links instead, so verify() can tell an edited row from a deleted or a reordered one.
Events written before the chain began (hash NULL) are "legacy": counted, not covered.
The hash covers the plaintext (the ORM's values), so re-encrypting reason/detail at rest never breaks it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from storage.models import AuditEvent
from storage.protection import AuditHead, AuditNumbering

HEAD_ID = 1
GENESIS = ""  # the first chained event's prev_hash
BATCH = 5_000


def canonical(event: AuditEvent) -> bytes:
    """The event's content as canonical JSON (sorted keys, no spaces, ASCII): what its hash covers."""
    at = event.at.astimezone(dt.UTC).isoformat()
    content = {
        "action": event.action,
        "actor": event.actor,
        "at": at,
        "case_id": event.case_id,
        "detail": event.detail or {},
        "reason": event.reason,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def digest(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 (hex) over the previous event's hash and this event's canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """The head row, locked for the rest of the transaction (created on first use)."""
    query = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    head = session.exec(query).first()
    if head is None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(AuditHead).values(id=HEAD_ID, last_hash=GENESIS).on_conflict_do_nothing())
        head = session.exec(query).one()
    return head


def chain(session: Session, event: AuditEvent) -> None:
    """Add `event` to the session linked to the chain's head, with the next id, and move the head to it."""
    head = _lock_head(session)  # before the event is added: an autoflush must not insert it unlocked
    event.id = _next_id(session)  # under the head's lock: id order is chain order, with no gaps
    session.add(event)
    session.flush()
    event.prev_hash = head.last_hash
    event.hash = digest(head.last_hash, event)
    head.last_id, head.last_hash = event.id, event.hash
    session.add(head)
    session.flush()


def _next_id(session: Session) -> int:
    """The id after the newest row's (the head is locked: no other writer is between the two)."""
    newest = session.exec(select(func.max(AuditEvent.id))).one()  # the primary key's index: one look-up
    return (newest or 0) + 1


class Fault(StrEnum):
    """How the chain is broken."""

    EDITED = "edited"  # the row's content no longer matches its hash
    DELETED = "deleted"  # a row before this one is gone (its link points at no row)
    REORDERED = "reordered"  # the row's link points at a row that is not the one before it
    TRUNCATED = "truncated"  # the newest rows are gone (the head, or the off-site copy, knows more)
    RENUMBERED = "renumbered"  # the row's id is not the one after the row before it (ids have no gaps)
    HEAD = "head"  # the chain's head does not name the newest row (changed, or gone)


@dataclasses.dataclass
class Break:
    """The first broken link: which row, how, and what it means, in words."""

    row: int | None
    fault: Fault
    message: str


@dataclasses.dataclass
class Verdict:
    """What verify() found: events covered, legacy events before the chain, and the first break (if any)."""

    checked: int = 0
    legacy: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS
    broken: Break | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for `cme-bot audit verify --json`)."""
        out = dataclasses.asdict(self)
        out["ok"] = self.broken is None
        return out


def events(session: Session, *, start: int = 0) -> Iterator[AuditEvent]:
    """Every audit event in id order, read in batches (a large table is never held in memory)."""
    after = start - 1
    while True:
        query = select(AuditEvent).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(BATCH)
        rows = session.exec(query).all()
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1].id
        session.expunge_all()  # what was checked need not stay in the identity map


def _link_fault(session: Session, row: AuditEvent, before: AuditEvent | None) -> Break:
    where = "the start of the chain" if before is None else f"row {before.id}"
    found = session.exec(select(AuditEvent.id).where(AuditEvent.hash == row.prev_hash)).first()
    if found is not None:
        return Break(row.id, Fault.REORDERED, f"row {row.id} is out of order: it follows row {found}, not {where}")
    return Break(
        row.id,
        Fault.DELETED,
        f"row {row.id}'s link to the row before it is broken: a row between {where} and row {row.id} was deleted "
        "(or the row before it was rewritten)",
    )


def _row_fault(session: Session, row: AuditEvent, before: AuditEvent | None) -> Break | None:
    """What is wrong with `row` given the row before it in the chain; None when it is sound."""
    if row.hash is None or digest(row.prev_hash or GENESIS, row) != row.hash:
        return Break(row.id, Fault.EDITED, f"row {row.id} was edited: its content no longer matches its hash")
    if row.prev_hash != (before.hash if before else GENESIS):
        return _link_fault(session, row, before)
    return None


def verify(session: Session, rows: Iterable[AuditEvent], *, progress=None) -> Verdict:
    """Walk `rows` (id order) and name the first broken link; then check the head names the newest row."""
    verdict = Verdict()
    head = session.get(AuditHead, HEAD_ID)
    numbering = session.get(AuditNumbering, HEAD_ID)
    numbered_from = numbering.numbered_from if numbering is not None else 0
    before: AuditEvent | None = None
    for row in rows:
        if row.hash is None and before is None:
            verdict.legacy += 1
            continue
        verdict.broken = _row_fault(session, row, before) or _gap(row, before, numbered_from)
        if verdict.broken is not None:
            return verdict
        before = row
        verdict.checked += 1
        verdict.last_id, verdict.last_hash = row.id, row.hash or GENESIS
        if progress is not None and verdict.checked % BATCH == 0:
            progress(verdict.checked)
    verdict.broken = _head_fault(head, verdict)
    if verdict.broken is not None and verdict.broken.row == verdict.last_id:
        verdict.checked -= 1  # the newest row itself is the one named
    return verdict


def _gap(row: AuditEvent, before: AuditEvent | None, numbered_from: int) -> Break | None:
    """A row whose id is not the one after the row it follows (from where the head hands out ids)."""
    if before is None or before.id < numbered_from or row.id == before.id + 1:
        return None
    return Break(
        row.id,
        Fault.RENUMBERED,
        f"row {row.id} follows row {before.id} in the chain, so its id should be {before.id + 1}: "
        "its id was changed (ids have no gaps)",
    )


def _head_fault(head: AuditHead | None, verdict: Verdict) -> Break | None:
    """The head must name the newest row: its id and its hash."""
    if head is None:
        if verdict.checked == 0:
            return None
        return Break(verdict.last_id, Fault.HEAD, f"the chain's head is gone: the newest row is {verdict.last_id}")
    if head.last_hash != verdict.last_hash:
        return Break(
            head.last_id,
            Fault.TRUNCATED,
            f"the newest rows were deleted: the chain's head records row {head.last_id}, the newest row left is "
            f"{verdict.last_id}",
        )
    if head.last_id == verdict.last_id:
        return None
    if head.last_id is not None and (verdict.last_id is None or head.last_id > verdict.last_id):
        said = f"the chain's head records row {head.last_id} as the newest, but the newest row is {verdict.last_id}"
        return Break(head.last_id, Fault.HEAD, said + ": the head was changed")
    said = f"row {verdict.last_id} is newer than the row the chain's head records ({head.last_id})"
    return Break(verdict.last_id, Fault.HEAD, said + ": its id was changed")


def sound_before(session: Session, row: int | None) -> int:
    """How many chained events come before row `row` (what is sound when the first break is there)."""
    query = select(func.count()).select_from(AuditEvent).where(col(AuditEvent.hash).is_not(None))
    if row is not None:
        query = query.where(col(AuditEvent.id) < row)
    return session.exec(query).one()


def against_copy(session: Session, copy: Iterable[dict[str, Any]]) -> Break | None:
    """The first row of an off-site copy (from `audit export`) that the database lost or changed; None if none."""
    for item in copy:
        row = session.get(AuditEvent, item["id"])
        if row is None:
            return Break(item["id"], Fault.TRUNCATED, f"row {item['id']} is in the copy but not in the database")
        if row.hash != item["hash"]:
            return Break(item["id"], Fault.EDITED, f"row {item['id']} differs from the copy (its hash changed)")
    return None


def exported(event: AuditEvent) -> dict[str, Any]:
    """One line of the off-site copy: the link and who/what/when, never the reason or detail (child data)."""
    return {
        "id": event.id,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "case_id": event.case_id,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
