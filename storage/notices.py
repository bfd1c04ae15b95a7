"""Schools' register notices (deletions and admissions) and one-off download links for exported files."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field

from storage.models import SQLModel
from storage.types import EncryptedBytes, EncryptedJSON, UTCDateTime, utcnow


class NoticeKind(StrEnum):
    """What a school told the council (SI 2024/208 regulation 13)."""

    DELETION = "deletion"  # a pupil taken off the admission register, reg 13(4), ground in reg 9
    ADMISSION = "admission"  # a new pupil, reg 13(1)-(3), within five days


class SchoolNotice(SQLModel, table=True):
    """One notice from a school. `details` holds the pupil's details (child data); the rest is not identifying."""

    __tablename__ = "school_notice"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=32)  # given to the school's designated person
    kind: str = Field(max_length=16)
    school_name: str = Field(max_length=200)
    school_urn: str | None = Field(default=None, max_length=8)
    ground: str | None = Field(default=None, max_length=8)  # the reg 9 ground's code, deletions only
    event_date: dt.date  # the date of deletion or of admission
    new_school_name: str | None = Field(default=None, max_length=200)
    new_school_urn: str | None = Field(default=None, max_length=8)
    new_school_la_code: str | None = Field(default=None, max_length=8)  # DfE LA code of the new school's council
    enquiries_due: dt.date | None = None  # joint reasonable enquiries by the school and the council
    details: dict = Field(sa_column=Column(EncryptedJSON, nullable=False), default_factory=dict)  # encrypted
    submitted_by: str = Field(max_length=255)
    submission_key: str | None = Field(default=None, unique=True, max_length=255)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)  # the CME case it opened
    transfer_id: int | None = Field(default=None, foreign_key="transfer.id")  # the move it prompted
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class Download(SQLModel, table=True):
    """An exported file waiting behind a one-off link with a short expiry (Teams); only its token's hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    owner: str = Field(max_length=255)  # the officer it was made for
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(EncryptedBytes, nullable=False))  # encrypted (a file of child data)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
