"""enquiry plans and the reminder sweep's bookkeeping

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "enquiry_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step_id", text(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", text(length=255), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("note", text(length=1000), nullable=True),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", text(length=255), nullable=True),
        sa.Column("alerted_on", sa.Date(), nullable=True),
        sa.Column("escalated_for", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "step_id", name="uq_enquiry_step_case_step"),
    )
    with op.batch_alter_table("enquiry_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enquiry_step_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_enquiry_step_sweep", ["state", "due_on"], unique=False)
    op.create_table(
        "reminder_run",
        sa.Column("name", text(length=32), nullable=False),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.Column("last_run_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", text(length=255), nullable=False),
        sa.Column("text", text(length=4000), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))
    op.drop_table("case_note")
    op.drop_table("reminder_run")
    with op.batch_alter_table("enquiry_step", schema=None) as batch_op:
        batch_op.drop_index("ix_enquiry_step_sweep")
        batch_op.drop_index(batch_op.f("ix_enquiry_step_case_id"))
    op.drop_table("enquiry_step")
