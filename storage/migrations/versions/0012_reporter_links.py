"""The reporter's side of a case: questions from the officer, replies by thread, harm drafts followed

follow_up (an officer's question to the reporter: its words are a case note), reporter_thread (a message the
bot sent a reporter about their concern, so a reply to it adds to that concern), harm_draft (a referral in
which harm was flagged before it was sent, followed until it is sent, abandoned or expires).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    when = storage.types.UTCDateTime(timezone=True)
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reporter_key", _str(255), nullable=False),
        sa.Column("asked_by", _str(255), nullable=False),
        sa.Column("asked_at", when, nullable=False),
        sa.Column("question_note_id", sa.Integer(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("state", _str(16), nullable=False),
        sa.Column("reminded_at", when, nullable=True),
        sa.Column("settled_at", when, nullable=True),
        sa.Column("answer_note_id", sa.Integer(), nullable=True),
        sa.Column("unreachable_reason", _str(64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["question_note_id"], ["case_note.id"]),
        sa.ForeignKeyConstraint(["answer_note_id"], ["case_note.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_follow_up_case_id", "follow_up", ["case_id"])
    op.create_index("ix_follow_up_waiting", "follow_up", ["state", "remind_on"])
    op.create_table(
        "reporter_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", _str(16), nullable=False),
        sa.Column("conversation_id", _str(255), nullable=False),
        sa.Column("message_id", _str(255), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reporter_key", _str(255), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "message_id", "conversation_id", name="uq_reporter_thread"),
    )
    op.create_table(
        "harm_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", _str(64), nullable=False),
        sa.Column("reporter_key", _str(255), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),  # encrypted at rest (storage.types.EncryptedText)
        sa.Column("alerted_at", when, nullable=False),
        sa.Column("outcome", _str(16), nullable=True),
        sa.Column("reference", _str(32), nullable=True),
        sa.Column("settled_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_id"),
    )
    op.create_index("ix_harm_draft_outcome", "harm_draft", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_harm_draft_outcome", table_name="harm_draft")
    op.drop_table("harm_draft")
    op.drop_table("reporter_thread")
    op.drop_index("ix_follow_up_waiting", table_name="follow_up")
    op.drop_index("ix_follow_up_case_id", table_name="follow_up")
    op.drop_table("follow_up")
