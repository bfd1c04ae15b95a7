"""The reporter's side of a case after it is raised: questions from the officer, replies by thread, harm drafts.

The words themselves (the officer's question, the reporter's answer) are case notes (storage.models.CaseNote,
encrypted, covered by retention and subject access); these tables hold who, when and which message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, or_, update
from sqlmodel import Field, Session, col, select

from storage.models import Case, SQLModel, secret_text
from storage.types import UTCDateTime, utcnow


def _when(**kwargs) -> dt.datetime | None:
    return Field(sa_type=UTCDateTime, **kwargs)


class FollowUpState(StrEnum):
    """Where an officer's question to the reporter is."""

    WAITING = "waiting"
    ANSWERED = "answered"
    UNREACHABLE = "unreachable"  # the reporter's channel refused the message (account gone, no chat)
    WITHDRAWN = "withdrawn"  # the officer no longer needs an answer


class FollowUp(SQLModel, table=True):
    """An officer's question to the person who raised a concern, and what became of it."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)  # the reporter's own case (their reference)
    reporter_key: str = Field(max_length=255)
    asked_by: str = Field(max_length=255)
    asked_at: dt.datetime = _when(default_factory=utcnow)
    question_note_id: int = Field(foreign_key="case_note.id")
    remind_on: dt.date  # the school day a reminder goes if it is still unanswered
    state: str = Field(default=FollowUpState.WAITING, max_length=16)
    reminded_at: dt.datetime | None = _when(default=None)
    settled_at: dt.datetime | None = _when(default=None)  # answered, unreachable or withdrawn
    answer_note_id: int | None = Field(default=None, foreign_key="case_note.id")
    unreachable_reason: str | None = Field(default=None, max_length=64)  # a channel's error code, no data

    __table_args__ = (Index("ix_follow_up_waiting", "state", "remind_on"),)


class ReporterThread(SQLModel, table=True):
    """A message the bot sent a reporter about their concern: a reply to it adds to that concern."""

    __tablename__ = "reporter_thread"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    conversation_id: str = Field(max_length=255)
    message_id: str = Field(max_length=255)  # Slack's ts, Teams' activity id
    case_id: int = Field(foreign_key="case.id")  # the reporter's own case
    reporter_key: str = Field(max_length=255)
    follow_up_id: int | None = Field(default=None, foreign_key="follow_up.id")
    created_at: dt.datetime = _when(default_factory=utcnow)

    __table_args__ = (UniqueConstraint("channel", "message_id", "conversation_id", name="uq_reporter_thread"),)


class HarmDraft(SQLModel, table=True):
    """A referral in which harm was flagged before it was sent: followed until it is sent, abandoned or expires."""

    __tablename__ = "harm_draft"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: str = Field(unique=True, max_length=64)
    reporter_key: str = Field(max_length=255)
    contact: str = secret_text(max_length=1000)  # who they are and how to reach them, as the alert said (encrypted)
    alerted_at: dt.datetime = _when(default_factory=utcnow)
    outcome: str | None = Field(default=None, max_length=16, index=True)  # sent | abandoned | expired
    reference: str | None = Field(default=None, max_length=32)
    settled_at: dt.datetime | None = _when(default=None)


def waiting_follow_ups(session: Session, case_ids: Iterable[int]) -> list[FollowUp]:
    """The unanswered questions on these cases (the reporter's own cases), oldest first."""
    ids = list(case_ids)
    if not ids:
        return []
    query = select(FollowUp).where(col(FollowUp.case_id).in_(ids), FollowUp.state == FollowUpState.WAITING)
    return list(session.exec(query.order_by(col(FollowUp.id))).all())


def cases_with_waiting_question(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases, as they stand, have a question waiting for a reporter (theirs, or a merged case's)."""
    ids = set(case_ids)
    if not ids:
        return set()
    merged = session.exec(select(Case.id, Case.merged_into).where(col(Case.merged_into).in_(ids))).all()
    standing = {case_id: case_id for case_id in ids} | {case_id: into for case_id, into in merged}
    return {standing[follow_up.case_id] for follow_up in waiting_follow_ups(session, standing)}


def follow_ups_of(session: Session, case_ids: Iterable[int]) -> list[FollowUp]:
    """Every question asked on these cases, oldest first."""
    ids = list(case_ids)
    if not ids:
        return []
    return list(session.exec(select(FollowUp).where(col(FollowUp.case_id).in_(ids)).order_by(col(FollowUp.id))).all())


def due_reminders(session: Session, *, today: dt.date) -> Sequence[tuple[FollowUp, Case]]:
    """Unanswered questions on open cases whose reminder day has come and which have had no reminder."""
    query = (
        select(FollowUp, Case)
        .join(Case, col(Case.id) == FollowUp.case_id)
        .where(FollowUp.state == FollowUpState.WAITING, col(FollowUp.remind_on) <= today)
        .where(col(FollowUp.reminded_at).is_(None))
        .order_by(col(FollowUp.id))
    )
    return session.exec(query).all()


def reminded_and_waiting(session: Session, *, due_before: dt.date | None = None) -> Sequence[tuple[FollowUp, Case]]:
    """Unanswered questions that have had their one reminder (the officer's digest lists them); with
    `due_before`, also those whose reminder falls before that day (a preview of a day to come)."""
    reminded = col(FollowUp.reminded_at).is_not(None)
    if due_before is not None:
        reminded = or_(reminded, col(FollowUp.remind_on) < due_before)
    query = (
        select(FollowUp, Case)
        .join(Case, col(Case.id) == FollowUp.case_id)
        .where(FollowUp.state == FollowUpState.WAITING, reminded)
        .order_by(col(FollowUp.asked_at), col(FollowUp.id))
    )
    return session.exec(query).all()


def settle_follow_up(session: Session, follow_up_id: int, *, state: str, at: dt.datetime, **values) -> bool:
    """Move a waiting question to `state` (answered, unreachable, withdrawn); False when it was no longer waiting."""
    statement = (
        update(FollowUp)
        .where(col(FollowUp.id) == follow_up_id, col(FollowUp.state) == FollowUpState.WAITING)
        .values(state=state, settled_at=at, **values)
    )
    return bool(session.execute(statement).rowcount)


def claim_reminder(session: Session, follow_up_id: int, *, at: dt.datetime) -> bool:
    """Mark a waiting question reminded; False when another run (a replica) did it first."""
    statement = (
        update(FollowUp)
        .where(col(FollowUp.id) == follow_up_id, col(FollowUp.reminded_at).is_(None))
        .where(col(FollowUp.state) == FollowUpState.WAITING)
        .values(reminded_at=at)
    )
    return bool(session.execute(statement).rowcount)


def thread_for(session: Session, *, channel: str, message_id: str, reporter_key: str) -> ReporterThread | None:
    """The concern of `reporter_key` that a message the bot sent them is about, if it is one of those.

    Matched without the conversation: Slack answers a post to a user id with the DM's own channel id, and a
    message id is only ever looked up for the person it was sent to.
    """
    query = select(ReporterThread).where(
        ReporterThread.channel == channel,
        ReporterThread.message_id == message_id,
        ReporterThread.reporter_key == reporter_key,
    )
    return session.exec(query.order_by(col(ReporterThread.id).desc())).first()


def unsettled_harm_drafts(session: Session) -> list[HarmDraft]:
    """Harm drafts not yet sent, abandoned or expired."""
    return list(session.exec(select(HarmDraft).where(col(HarmDraft.outcome).is_(None)).order_by(col(HarmDraft.id))))


def settle_harm_draft(session: Session, draft_id: str, *, outcome: str, at: dt.datetime, reference: str | None = None):
    """Record what became of a harm draft; False when it was settled already (another replica, a retry)."""
    statement = (
        update(HarmDraft)
        .where(col(HarmDraft.draft_id) == draft_id, col(HarmDraft.outcome).is_(None))
        .values(outcome=outcome, settled_at=at, reference=reference)
    )
    return bool(session.execute(statement).rowcount)
