"""delivery claims for every channel (Slack and Teams), replacing slack_seen

Claims live an hour at most, so the old table's rows are dropped rather than copied: a retry
arriving during the upgrade itself is the only thing that could be handled twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _claims_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_seen_at"), ["seen_at"], unique=False)


def _drop(name: str) -> None:
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{name}_seen_at"))
    op.drop_table(name)


def upgrade() -> None:
    _claims_table("delivery_claim")
    _drop("slack_seen")


def downgrade() -> None:
    _claims_table("slack_seen")
    _drop("delivery_claim")
