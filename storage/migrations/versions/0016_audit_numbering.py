"""audit_numbering: audit event ids are handed out by the chain's head, with no gaps

Until this revision the ids came from the table's sequence, which on PostgreSQL skips the id of every
rolled-back transaction, so a gap could not be told from a renumbered row. From now on the head hands
out the id after its last one (storage/audit_chain.py), and `cme-bot audit verify` names a gap. A
database whose chained rows already have gaps gets one audit_numbering row: the id of the row after its
last gap, from which ids are checked; a database without gaps gets none (checked from the first row).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The newest chained row whose id is not one more than the chained row before it (window functions:
# SQLite 3.25 and PostgreSQL alike).
LAST_GAP = """
SELECT max(id) FROM (
    SELECT id, lag(id) OVER (ORDER BY id) AS before FROM auditevent WHERE hash IS NOT NULL
) AS chained WHERE before IS NOT NULL AND id <> before + 1
"""


def upgrade() -> None:
    numbering = op.create_table(
        "audit_numbering",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("numbered_from", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    last_gap = op.get_bind().execute(sa.text(LAST_GAP)).scalar()
    if last_gap is not None:
        op.bulk_insert(numbering, [{"id": 1, "numbered_from": last_gap}])


def downgrade() -> None:
    op.drop_table("audit_numbering")
