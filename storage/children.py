"""The child behind the cases: one record per child, possible matches, sibling links, moves between councils.

A Child row holds child details (names, date of birth, address): it is read only for officers and never
logged. Cases point at their child (Case.child_id); a child has many cases, one per episode of missing
education (DfE, Children missing education, statutory guidance, September 2025: track each child until
found in education).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint, event
from sqlmodel import Field

from storage.blind import blind_columns
from storage.models import SQLModel, secret_text
from storage.types import EncryptedDate, UTCDateTime, utcnow


class Child(SQLModel, table=True):
    """One child known to the service, its details encrypted. Matching blocks on the dob, postcode and upn
    blind indexes (storage/blind.py: keyed hashes, set on every insert and update)."""

    id: int | None = Field(default=None, primary_key=True)
    forenames: str | None = secret_text(default=None, max_length=200)
    surname: str | None = secret_text(default=None, max_length=200)
    other_names: str | None = secret_text(default=None, max_length=200)
    dob: dt.date | None = Field(default=None, sa_type=EncryptedDate)
    sex: str | None = Field(default=None, max_length=16)
    upn: str | None = secret_text(default=None, max_length=13)
    address: str | None = secret_text(default=None, max_length=3000)
    postcode: str | None = secret_text(default=None, max_length=8)
    school: str | None = secret_text(default=None, max_length=200)
    parent_names: str | None = secret_text(default=None, max_length=200)  # for household links
    # Blind indexes (HMAC-SHA256 hex) of the normalised dob, upn and postcode: equality look-ups only.
    dob_bidx: str | None = Field(default=None, index=True, max_length=64)
    upn_bidx: str | None = Field(default=None, index=True, max_length=64)
    postcode_bidx: str | None = Field(default=None, index=True, max_length=64)
    keyed: bool = Field(default=False)  # blind indexes and search keys made (False: a row from before 0010)
    # A duplicate record points at the survivor (indexed: a child is read through the records merged into it).
    merged_into: int | None = Field(default=None, foreign_key="child.id", index=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


@event.listens_for(Child, "before_insert")
def _blind_new_child(_mapper, _connection, child: Child) -> None:
    # A new child is keyed: intake makes its search keys in the same transaction (handlers/children/household.py).
    for name, value in blind_columns(child.model_dump()).items():
        setattr(child, name, value)


@event.listens_for(Child, "before_update")
def _blind_changed_child(_mapper, _connection, child: Child) -> None:
    # Every edit or merge keeps the blind indexes in step; `keyed` stays as it was, so a child from before 0010
    # is still re-keyed (search keys too) by storage/rekey.py.
    for name, value in blind_columns(child.model_dump()).items():
        if name != "keyed":
            setattr(child, name, value)


class MatchState(StrEnum):
    """An officer's decision on a possible match."""

    PENDING = "pending"
    SAME = "same"
    DIFFERENT = "different"


class ChildMatch(SQLModel, table=True):
    """A possible match found at intake: the new case's child may be a known child. Reasons hold no details."""

    __tablename__ = "child_match"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)  # the case the new referral made
    candidate_id: int = Field(foreign_key="child.id", index=True)  # the known child it may be
    score: float = 0.0
    reasons: list = Field(sa_column=Column(JSON, nullable=False), default_factory=list)  # e.g. ["same date of birth"]
    state: str = Field(default=MatchState.PENDING, max_length=16)
    decided_by: str | None = Field(default=None, max_length=255)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0  # two officers deciding at once: the second write finds the version moved
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "candidate_id", name="uq_child_match_case_candidate"),)


class LinkKind(StrEnum):
    """Why two children are linked."""

    SIBLING = "sibling"  # a parent or carer in common (name and address)
    HOUSEHOLD = "household"  # the same address


class ChildLink(SQLModel, table=True):
    """Two children linked as siblings or one household; stored once, lower id first."""

    __tablename__ = "child_link"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="child.id", index=True)
    other_id: int = Field(foreign_key="child.id", index=True)
    kind: str = Field(max_length=16)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)

    __table_args__ = (UniqueConstraint("child_id", "other_id", "kind", name="uq_child_link"),)


class TransferDirection(StrEnum):
    """A child moving out of this council, or notified to it by another."""

    OUT = "out"
    IN = "in"


class Transfer(SQLModel, table=True):
    """A move between councils: who was told, when and how, and the acknowledgement or evidence."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    direction: str = Field(default=TransferDirection.OUT, max_length=8)
    council_code: str = Field(max_length=16)  # the DfE local authority code, e.g. 351 for Bury
    council_name: str = Field(max_length=200)
    contact: str | None = Field(default=None, max_length=255)  # the other council's CME contact
    their_reference: str | None = Field(default=None, max_length=64)
    notified_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    method: str | None = Field(default=None, max_length=32)  # secure email, phone
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    evidence: str | None = secret_text(default=None, max_length=1000)
    created_by: str = Field(max_length=255)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)

    __table_args__ = (Index("ix_transfer_open", "case_id", "acknowledged_at"),)


class ChildKey(SQLModel, table=True):
    """A child's search keys (storage/child_keys.py), blinded: keyed hashes of name prefixes, address, parent."""

    __tablename__ = "child_key"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="child.id", index=True)
    kind: str = Field(max_length=8)  # name, addr, parent
    key: str = Field(max_length=200)

    # (kind, key) serves equality and prefix range scans: search and household links never scan child.
    __table_args__ = (
        UniqueConstraint("child_id", "kind", "key", name="uq_child_key"),
        Index("ix_child_key_kind_key", "kind", "key"),
    )
