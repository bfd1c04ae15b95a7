"""Queries and writes used by the services; each takes the caller's session (the caller owns the transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, case, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from storage import audit_chain
from storage.models import (
    ACTIVE_STEP_STATES,
    AuditEvent,
    Case,
    Conversation,
    EnquiryStep,
    Outbox,
    ReferenceCounter,
    ReminderRun,
    Report,
)
from storage.types import utcnow


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def allocate_reference(session: Session, *, year: int, prefix: str) -> tuple[int, str]:
    """Take the next sequence number for `year` (row-locked, so concurrent submits never share one)."""
    session.execute(
        _insert(session)(ReferenceCounter).values(year=year, last=0).on_conflict_do_nothing(index_elements=["year"])
    )
    seq = session.execute(
        update(ReferenceCounter)
        .where(col(ReferenceCounter.year) == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return seq, f"{prefix}-{year}-{seq:04d}"


def case_by_reference(session: Session, reference: str) -> Case | None:
    """The case with this reference, if any; a merged case's reference gives the case it was merged into."""
    case = session.exec(select(Case).where(Case.reference == reference.upper())).first()
    for _ in range(10):  # merges chain at most a few deep; never follow a cycle forever
        if case is None or case.merged_into is None:
            break
        case = session.get(Case, case.merged_into)
    return case


def case_by_submission(session: Session, submission_key: str) -> Case | None:
    """The case created by this submission, if it already exists (double submits, retries)."""
    return session.exec(select(Case).where(Case.submission_key == submission_key)).first()


def cases_reported_by(session: Session, reporter_key: str, limit: int = 20) -> Sequence[Case]:
    """A reporter's own cases, newest first."""
    query = select(Case).where(Case.reporter_key == reporter_key).order_by(col(Case.created_at).desc()).limit(limit)
    return session.exec(query).all()


def recent_cases(session: Session, limit: int = 20) -> Sequence[Case]:
    """Open cases, urgent first, then newest."""
    query = (
        select(Case)
        .where(Case.state == "open")
        .order_by(col(Case.urgent).desc(), col(Case.created_at).desc())
        .limit(limit)
    )
    return session.exec(query).all()


def report_for(session: Session, case_id: int) -> Report | None:
    """The referral report of a case."""
    return session.exec(select(Report).where(Report.case_id == case_id).order_by(col(Report.id))).first()


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    case_id: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Add an audit event (who, what, when, why) in the caller's transaction, chained by hash (audit_chain)."""
    event = AuditEvent(
        case_id=case_id, actor=actor, action=action, reason=reason, detail=detail or {}, at=at or utcnow()
    )
    audit_chain.chain(session, event)
    return event


def audit_trail(session: Session, case_id: int) -> Sequence[AuditEvent]:
    """A case's audit events, oldest first."""
    return session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.id))).all()


def enqueue(session: Session, message: Outbox) -> bool:
    """Add an outbox message unless one with the same dedupe_key exists; True when added."""
    values = message.model_dump(exclude={"id"})
    result = session.execute(
        _insert(session)(Outbox).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(result.rowcount)


def pending_outbox(session: Session, *, now: dt.datetime, limit: int = 100) -> Sequence[Outbox]:
    """Messages due for delivery and not claimed by another sender, urgent first."""
    query = (
        select(Outbox)
        .where(col(Outbox.sent_at).is_(None), col(Outbox.not_before) <= now)
        .where((col(Outbox.claimed_until).is_(None)) | (col(Outbox.claimed_until) < now))
        .order_by(col(Outbox.urgent).desc(), col(Outbox.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).all()


# Built once: a turn looks the conversation up several times, and building the statement each time
# (SQLAlchemy's operator and coercion machinery) cost three times the query itself, in the database
# thread, holding the GIL the event loop needs for its acks.
_CONVERSATION_BY_KEY = select(Conversation).where(Conversation.user_key == bindparam("user_key"))


def conversation_of(session: Session, user_key: str) -> Conversation | None:
    """The person's conversation in progress, if any."""
    return session.exec(_CONVERSATION_BY_KEY, params={"user_key": user_key}).first()


def save_conversation(session: Session, *, user_key: str, flow: str, state: dict[str, Any], now: dt.datetime) -> None:
    """Create or replace the person's conversation state."""
    row = conversation_of(session, user_key)
    if row is None:
        row = Conversation(user_key=user_key, flow=flow, state=state, created_at=now, updated_at=now)
    else:
        row.flow, row.state, row.updated_at, row.version = flow, state, now, row.version + 1
        # The state is often the loaded dict changed in place: JSON changes aren't tracked, so say so.
        flag_modified(row, "state")
    session.add(row)


def idle_conversations(session: Session, *, before: dt.datetime, exclude_flow: str) -> Sequence[Conversation]:
    """Conversations last touched before `before` (idle drafts), except those of one flow."""
    query = select(Conversation).where(col(Conversation.updated_at) < before, Conversation.flow != exclude_flow)
    return session.exec(query).all()


def drop_conversation(session: Session, user_key: str) -> None:
    """Forget the person's conversation in progress."""
    row = conversation_of(session, user_key)
    if row is not None:
        session.delete(row)


def take_outbox_for(session: Session, *, channel: str, conversation_id: str, now: dt.datetime) -> Sequence[Outbox]:
    """Unsent messages for one conversation, marked sent in the caller's transaction (terminal delivery)."""
    # Filtered in SQL: the outbox also holds every Slack and Teams message waiting to go.
    mine = session.exec(
        select(Outbox)
        .where(col(Outbox.sent_at).is_(None), col(Outbox.not_before) <= now)
        .where(Outbox.recipient["channel"].as_string() == channel)
        .where(Outbox.recipient["conversation_id"].as_string() == conversation_id)
        .order_by(col(Outbox.urgent).desc(), col(Outbox.id))
    ).all()
    for row in mine:
        row.sent_at, row.attempts = now, row.attempts + 1
        session.add(row)
    return mine


def steps_of(session: Session, case_id: int) -> Sequence[EnquiryStep]:
    """A case's enquiry plan in the profile's order."""
    query = select(EnquiryStep).where(EnquiryStep.case_id == case_id).order_by(col(EnquiryStep.position))
    return session.exec(query).all()


def open_case_summaries(session: Session, *, today: dt.date, limit: int | None = None) -> list[Any]:
    """Open cases with their next due date and overdue / due-today step counts: urgent, then most overdue first."""
    active = col(EnquiryStep.state).in_(ACTIVE_STEP_STATES)
    next_due = func.min(case((active, EnquiryStep.due_on)))
    overdue = func.count(case((and_(active, col(EnquiryStep.due_on) < today), 1)))
    due_today = func.count(case((and_(active, col(EnquiryStep.due_on) == today), 1)))
    query = (
        select(Case, next_due.label("next_due"), overdue.label("overdue"), due_today.label("due_today"))
        .join(EnquiryStep, col(EnquiryStep.case_id) == col(Case.id), isouter=True)
        .where(Case.state == "open")
        .group_by(col(Case.id))
        .order_by(col(Case.urgent).desc(), next_due.is_(None), next_due, col(Case.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def due_step_rows(session: Session, *, today: dt.date) -> list[Any]:
    """Waiting steps of open cases due on or before `today` (one range scan of ix_enquiry_step_sweep)."""
    query = (
        select(
            EnquiryStep.id,
            EnquiryStep.step_id,
            EnquiryStep.position,
            EnquiryStep.title,
            EnquiryStep.due_on,
            EnquiryStep.alerted_on,
            EnquiryStep.escalated_for,
            EnquiryStep.case_id,
            Case.reference,
            Case.urgent,
            Case.assigned_to,
            Case.restricted,
        )
        .join(Case, col(Case.id) == col(EnquiryStep.case_id))
        .where(col(EnquiryStep.state).in_(ACTIVE_STEP_STATES), col(EnquiryStep.due_on) <= today)
        .where(Case.state == "open")
    )
    return list(session.exec(query).all())


def open_case_officers(session: Session) -> set[str]:
    """Everyone some open case is assigned to (the officers a digest can reach by name)."""
    query = select(Case.assigned_to).where(Case.state == "open", col(Case.assigned_to).is_not(None)).distinct()
    return {key for key in session.exec(query).all() if key}


def harm_flagged_cases(session: Session, case_ids: Sequence[int]) -> set[int]:
    """Which of these cases had harm flagged in a referral (the digest lists them first)."""
    found: set[int] = set()
    ids = list(dict.fromkeys(case_ids))
    for start in range(0, len(ids), 5000):
        query = select(Report.case_id).where(col(Report.case_id).in_(ids[start : start + 5000]), Report.harm_flagged)
        found.update(session.exec(query).all())
    return found


def reminder_run(session: Session, name: str) -> ReminderRun | None:
    """The sweep's bookkeeping row, read only (the preview: no lock, nothing written)."""
    return session.exec(select(ReminderRun).where(ReminderRun.name == name)).first()


def update_steps(session: Session, ids: Sequence[int], **values: Any) -> None:
    """Set `values` on the steps with these ids (in chunks: SQLite limits bound parameters)."""
    for start in range(0, len(ids), 5000):
        chunk = list(ids[start : start + 5000])
        session.execute(update(EnquiryStep).where(col(EnquiryStep.id).in_(chunk)).values(**values))


def enqueue_many(session: Session, messages: Sequence[Outbox]) -> int:
    """Add outbox messages in one statement, skipping dedupe_keys already queued; returns how many were new."""
    if not messages:
        return 0
    rows = [m.model_dump(exclude={"id"}) for m in messages]
    # RETURNING counts what was new on both backends (psycopg's executemany reports no rowcount).
    statement = _insert(session)(Outbox).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Outbox.id)
    connection = session.connection()
    return sum(len(connection.execute(statement, rows[i : i + 500]).all()) for i in range(0, len(rows), 500))


def lock_reminder_run(session: Session, name: str) -> ReminderRun | None:
    """Lock the sweep's bookkeeping row for this transaction; None when another replica holds it (PostgreSQL)."""
    session.execute(_insert(session)(ReminderRun).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
    query = select(ReminderRun).where(ReminderRun.name == name)
    if session.get_bind().dialect.name == "postgresql":
        # SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL a busy replica is skipped.
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()
