"""child_key: a child's search keys (name words, address, parent at address), backfilled from child

/cme find and cme-bot find look names up by these keys (equality and prefix range scans of the
(kind, key) index), and siblings and households are linked by them, so neither scans the child table;
child.merged_into gets an index too (a child is read through the records merged into it).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.child_keys import keys_of_rows

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("id", "forenames", "surname", "other_names", "address", "postcode", "parent_names")
_CHILD = sa.table("child", *(sa.column(name) for name in _COLUMNS))
_KEY = sa.table("child_key", sa.column("child_id"), sa.column("kind"), sa.column("key"))
_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "child_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "kind", "key", name="uq_child_key"),
    )
    with op.batch_alter_table("child_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_key_child_id"), ["child_id"], unique=False)
        batch_op.create_index("ix_child_key_kind_key", ["kind", "key"], unique=False)
    # Reading a child through merges asks which records were merged into it: an index, not a scan.
    op.create_index(op.f("ix_child_merged_into"), "child", ["merged_into"], unique=False)
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    rows = connection.execute(sa.select(_CHILD).order_by(_CHILD.c.id)).mappings()
    while batch := rows.fetchmany(_BATCH):
        keys = keys_of_rows(batch)
        if keys:
            connection.execute(sa.insert(_KEY), keys)


def downgrade() -> None:
    op.drop_index(op.f("ix_child_merged_into"), table_name="child")
    op.drop_table("child_key")
