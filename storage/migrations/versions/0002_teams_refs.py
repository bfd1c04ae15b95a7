"""teams conversation references

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("conversation_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id"),
    )
    with op.batch_alter_table("teams_conversation_ref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_conversation_ref_user_key"), ["user_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("teams_conversation_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_conversation_ref_user_key"))
    op.drop_table("teams_conversation_ref")
