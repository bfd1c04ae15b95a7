"""Data protection tables: who may see a restricted case, the audit chain's head, subject access requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from storage.models import SQLModel
from storage.types import UTCDateTime, utcnow


class CaseAccess(SQLModel, table=True):
    """A named officer allowed to see a restricted case (CPOMS/MyConcern-style restricted access)."""

    __tablename__ = "case_access"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    officer: str = Field(max_length=255)
    granted_by: str = Field(max_length=255)
    granted_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "officer", name="uq_case_access"),)


class AuditHead(SQLModel, table=True):
    """The audit chain's newest link: one row, locked while an event is chained so two writers never fork it."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int | None = None
    last_hash: str = Field(default="", max_length=64)


class AuditNumbering(SQLModel, table=True):
    """Where the head began handing out audit ids (no gaps after it): a row only in a database that had gaps (0016).

    A table of its own, not a column of AuditHead, so the chain's writes never need it (nor an old schema).
    """

    __tablename__ = "audit_numbering"

    id: int = Field(default=1, primary_key=True)
    numbered_from: int


class SubjectAccessRequest(SQLModel, table=True):
    """A subject access request: whose, when received, when due (one calendar month), when answered."""

    __tablename__ = "subject_access_request"

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=16)  # child | person
    subject: str = Field(max_length=255)  # a child id or case reference, or a person's user key
    requested_by: str = Field(max_length=255)  # the officer or manager who recorded it
    received_on: dt.date
    due_on: dt.date  # one calendar month after receipt (UK GDPR art. 12(3)); extendable by two
    extended_to: dt.date | None = None
    pack_written_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_on: dt.date | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
