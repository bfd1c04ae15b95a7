"""data_key_check: per key id, a known value written with that key, proven at start before anything is written

A key listed under a real id with the wrong bytes used to be taken as it was: new values were encrypted
that only the wrong key opens. Each configured key id (and the index key) now has a check written the
first time it is proven (storage/key_checks.py); a database from before this revision gets its checks
on the first start, each key proven on a value already stored with it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_key_check",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("written_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )


def downgrade() -> None:
    op.drop_table("data_key_check")
