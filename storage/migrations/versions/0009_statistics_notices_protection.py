"""Statistics for the DfE return, schools' register notices, download links, and data protection tables

case gains the return's fields (source, cme_reason, missing_since, sex, year_group) and the data protection
flags (restricted, legal_hold, anonymised_at); auditevent gains its hash chain (prev_hash, hash) with
audit_head; new tables: school_notice, download, case_access, subject_access_request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:41:00.586640
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "subject_access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("pack_written_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "case_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("officer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("granted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "officer", name="uq_case_access"),
    )
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_access_case_id"), ["case_id"], unique=False)

    op.create_table(
        "school_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("school_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("school_urn", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("ground", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("new_school_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("new_school_urn", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("new_school_la_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("enquiries_due", sa.Date(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("submission_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_key"),
    )
    with op.batch_alter_table("school_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_notice_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_notice_reference"), ["reference"], unique=True)

    # Plain ADD COLUMN, not a batch copy: on SQLite a copy of "case" fails its foreign keys once rows point at it.
    op.add_column("auditevent", sa.Column("prev_hash", _str(64), nullable=True))
    op.add_column("auditevent", sa.Column("hash", _str(64), nullable=True))
    op.add_column("case", sa.Column("source", _str(16), nullable=False, server_default="referral"))
    op.add_column("case", sa.Column("cme_reason", _str(32), nullable=True))
    op.add_column("case", sa.Column("missing_since", sa.Date(), nullable=True))
    op.add_column("case", sa.Column("sex", _str(16), nullable=True))
    op.add_column("case", sa.Column("year_group", _str(16), nullable=True))
    op.add_column("case", sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("case", sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("case", sa.Column("anonymised_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_case_cme_reason"), "case", ["cme_reason"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_cme_reason"))
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("legal_hold")
        batch_op.drop_column("restricted")
        batch_op.drop_column("year_group")
        batch_op.drop_column("sex")
        batch_op.drop_column("missing_since")
        batch_op.drop_column("cme_reason")
        batch_op.drop_column("source")

    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")

    with op.batch_alter_table("school_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_notice_reference"))
        batch_op.drop_index(batch_op.f("ix_school_notice_case_id"))

    op.drop_table("school_notice")
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_access_case_id"))

    op.drop_table("case_access")
    op.drop_table("subject_access_request")
    op.drop_table("download")
    op.drop_table("audit_head")
