"""case_merge: what each merge changed, so /cme split can put both cases back as they were

One row per merge (intake's automatic ones and officers' /cme same): the cases and child records
joined, the score and plain reasons, `undo` (encrypted: referrals moved, enquiry steps stopped, the
surviving record's columns before and after) and who split it, when, with a version for two officers
splitting at once. Merges made before this revision have no row: a split infers what it can
(handlers/children/split.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("into_case_id", sa.Integer(), nullable=True),
        sa.Column("case_merged", sa.Boolean(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("into_child_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("undo", storage.types.EncryptedJSON(), nullable=False),
        sa.Column("merged_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("merged_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("split_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("split_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["into_case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["into_child_id"], ["child.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_merge_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_merge_into_case_id"), ["into_case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_merge_into_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_merge_case_id"))
    op.drop_table("case_merge")
