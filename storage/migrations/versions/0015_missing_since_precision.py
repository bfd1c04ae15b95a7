"""case.missing_since_precision: a rough date of missing education kept as rough as the referral said it

A referral may say when the child last attended roughly ("early October", "Sept", "last week"). The case keeps
the first day it can mean in missing_since (the DfE return needs a date) and the precision beside it, so that
the officer is asked to set the day before the return is sent. Existing cases have exact days: NULL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(
            sa.Column("missing_since_precision", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): batch mode copies the table and drops "case", which the other tables'
    # foreign keys refuse.
    op.drop_column("case", "missing_since_precision")
