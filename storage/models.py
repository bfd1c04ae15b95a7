"""The tables. Child details live in Report.answers, Conversation.state, Child, notes and audit reasons (encrypted)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import EncryptedJSON, EncryptedText, UTCDateTime, utcnow


def _when(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def _json(**kwargs: Any) -> Any:
    return Field(sa_column=Column(JSON, nullable=False), **kwargs)


def _secret_json(**kwargs: Any) -> Any:
    """A JSON column holding child data: encrypted at rest (storage/crypto.py)."""
    return Field(sa_column=Column(EncryptedJSON, nullable=False), **kwargs)


def secret_text(**kwargs: Any) -> Any:
    """A text column holding child data (or officers' words that may name a child): encrypted at rest."""
    return Field(sa_type=EncryptedText, **kwargs)


class CaseState(StrEnum):
    """Where a case is in its life."""

    OPEN = "open"
    CLOSED = "closed"


class Case(SQLModel, table=True):
    """One concern about one child, known by its reference (CME-2026-0042)."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=32)
    year: int
    seq: int
    state: str = Field(default=CaseState.OPEN, index=True, max_length=16)
    urgent: bool = Field(default=False)
    triage_outcome: str | None = Field(default=None, max_length=32)
    reporter_key: str = Field(index=True, max_length=255)
    reporter_address: dict = _json(default_factory=dict)
    assigned_to: str | None = Field(default=None, max_length=255)
    outcome: str | None = Field(default=None, max_length=64)
    submission_key: str | None = Field(default=None, unique=True, max_length=255)
    created_at: dt.datetime = _when(default_factory=utcnow)
    updated_at: dt.datetime = _when(default_factory=utcnow)
    closed_at: dt.datetime | None = _when(default=None)
    child_id: int | None = Field(default=None, foreign_key="child.id", index=True)  # storage/children.py
    merged_into: int | None = Field(default=None, foreign_key="case.id")  # this reference resolves to that case
    # The statistics the DfE termly return counts (handlers/knowledge/data/dfe_cme_categories.yaml): no child
    # identifiers, so they stay in plain columns for grouped queries and are kept when a case is anonymised.
    source: str = Field(default="referral", max_length=16)  # referral | deletion (a school's register notice)
    cme_reason: str | None = Field(default=None, max_length=32, index=True)  # the DfE primary reason code
    missing_since: dt.date | None = None  # the date the child started missing education
    # How rough missing_since is when the referral said it roughly ("early", "month", "week"; None: the day).
    missing_since_precision: str | None = Field(default=None, max_length=8)
    sex: str | None = Field(default=None, max_length=16)  # female | male | other | not-known
    year_group: str | None = Field(default=None, max_length=16)  # nursery | reception | year-1 .. year-13
    # Data protection (storage/protection.py): who may see it, whether it may be destroyed, and when it was.
    restricted: bool = Field(default=False)
    legal_hold: bool = Field(default=False)
    anonymised_at: dt.datetime | None = _when(default=None)

    __table_args__ = (UniqueConstraint("year", "seq", name="uq_case_year_seq"),)


# A Report row of this form holds the details its reporter added later (/cme details) to the referral whose
# Report id is under DETAILS_OF in its answers: the referral's own row stays as it was sent.
DETAILS_FORM = "cme-referral-details"
DETAILS_OF = "_report"


class Report(SQLModel, table=True):
    """The referral as submitted: the answers (child details) and the harm screen's record."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    form_id: str = Field(max_length=64)
    answers: dict = _secret_json(default_factory=dict)
    submitted_by: str = Field(max_length=255)
    submitted_at: dt.datetime = _when(default_factory=utcnow)
    harm_flagged: bool = False
    signpost_shown_at: dt.datetime | None = _when(default=None)
    mash_contacted: str | None = Field(default=None, max_length=16)


class AuditEvent(SQLModel, table=True):
    """Who did what to a case, when and why, chained by hash (storage/protection.py: AuditHead).

    The reason and detail are officers' words and may name a child: they are child data, shown only to officers.
    """

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    at: dt.datetime = _when(default_factory=utcnow)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=64)
    reason: str | None = secret_text(default=None, max_length=1000)
    detail: dict = _secret_json(default_factory=dict)
    # SHA-256 over this event's canonical content and the previous event's hash (the first: prev_hash "").
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class Outbox(SQLModel, table=True):
    """A notification waiting to be delivered (at least once, de-duplicated by dedupe_key)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    dedupe_key: str = Field(unique=True, max_length=255)
    recipient: dict = _json(default_factory=dict)
    text: str
    payload: dict = _json(default_factory=dict)
    urgent: bool = False
    case_id: int | None = Field(default=None, foreign_key="case.id")
    created_at: dt.datetime = _when(default_factory=utcnow)
    not_before: dt.datetime = _when(default_factory=utcnow)
    claimed_until: dt.datetime | None = _when(default=None)
    sent_at: dt.datetime | None = _when(default=None)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "not_before"),)


class Conversation(SQLModel, table=True):
    """A person's conversation in progress (a form draft); survives restarts."""

    id: int | None = Field(default=None, primary_key=True)
    user_key: str = Field(unique=True, max_length=255)
    flow: str = Field(max_length=64)
    state: dict = _secret_json(default_factory=dict)
    version: int = 0
    created_at: dt.datetime = _when(default_factory=utcnow)
    updated_at: dt.datetime = _when(default_factory=utcnow)


class ReferenceCounter(SQLModel, table=True):
    """The last sequence number handed out for a year; references are never reused."""

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last: int = 0


class StepState(StrEnum):
    """Where one enquiry step is: waiting (open, snoozed) or finished (done, not possible, closed with its case)."""

    OPEN = "open"
    DONE = "done"
    NOT_POSSIBLE = "not_possible"
    SNOOZED = "snoozed"
    CLOSED = "closed"  # the case closed before the step was done; reopening the case opens it again


ACTIVE_STEP_STATES = (StepState.OPEN.value, StepState.SNOOZED.value)


class EnquiryStep(SQLModel, table=True):
    """One reasonable enquiry of a case's plan, with its due date (its note is the officer's own words)."""

    __tablename__ = "enquiry_step"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    step_id: str = Field(max_length=64)
    position: int = 0
    title: str = Field(max_length=255)
    due_on: dt.date  # the date it is due now (a snooze moves it)
    state: str = Field(default=StepState.OPEN, max_length=16)
    snoozed_until: dt.date | None = None
    note: str | None = secret_text(default=None, max_length=1000)
    done_at: dt.datetime | None = _when(default=None)
    done_by: str | None = Field(default=None, max_length=255)
    alerted_on: dt.date | None = None  # the day the last overdue alert was queued (one a day)
    escalated_for: dt.date | None = None  # the due date the manager was told about (once per due date)

    __table_args__ = (
        UniqueConstraint("case_id", "step_id", name="uq_enquiry_step_case_step"),
        Index("ix_enquiry_step_sweep", "state", "due_on"),
    )


class ReminderRun(SQLModel, table=True):
    """The sweep's own bookkeeping: a row to lock (one sweep at a time) and the last digest day."""

    __tablename__ = "reminder_run"

    name: str = Field(primary_key=True, max_length=32)
    last_digest_on: dt.date | None = None
    last_run_at: dt.datetime | None = _when(default=None)


class CaseNote(SQLModel, table=True):
    """An officer's note on a case. May hold child details: shown only in the officer's case view."""

    __tablename__ = "case_note"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    at: dt.datetime = _when(default_factory=utcnow)
    author: str = Field(max_length=255)
    text: str = secret_text(max_length=4000)
