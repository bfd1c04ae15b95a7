"""Encryption at rest: child data columns become text (ciphertext is longer), blind indexes replace plain ones

child's dob, upn and postcode lose their plain indexes and gain blind-index columns (dob_bidx, upn_bidx,
postcode_bidx, indexed) and `keyed`; the plain search keys in child_key are deleted (they spelt out
children's names and addresses). The migration cannot reach the data keys (they never live in the
database), so the data step is not here: existing rows stay readable as legacy plain text, and
`cme-bot keys rotate` (run by the bot at start when rows wait) encrypts them and makes their blind
indexes and search keys again (storage/rekey.py). Until then, old children are not found by search.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, its type before): each becomes TEXT holding "enc:v1:KEY:TOKEN" (or legacy plain text).
WIDENED = (
    ("report", "answers", sa.JSON()),
    ("auditevent", "reason", sa.String(1000)),
    ("auditevent", "detail", sa.JSON()),
    ("conversation", "state", sa.JSON()),
    ("enquiry_step", "note", sa.String(1000)),
    ("case_note", "text", sa.String(4000)),
    ("transfer", "evidence", sa.String(1000)),
    ("school_notice", "details", sa.JSON()),
    ("child", "forenames", sa.String(200)),
    ("child", "surname", sa.String(200)),
    ("child", "other_names", sa.String(200)),
    ("child", "dob", sa.Date()),
    ("child", "upn", sa.String(13)),
    ("child", "address", sa.String(3000)),
    ("child", "postcode", sa.String(8)),
    ("child", "school", sa.String(200)),
    ("child", "parent_names", sa.String(200)),
)
BLIND = ("dob_bidx", "upn_bidx", "postcode_bidx")


def upgrade() -> None:
    # SQLite keeps any text in any column, and a batch copy of a table other rows point at fails their
    # foreign keys: there the declared types stay; PostgreSQL's are changed in place.
    if op.get_bind().dialect.name == "postgresql":
        for table, column, _before in WIDENED:
            op.alter_column(table, column, type_=sa.Text(), postgresql_using=f'"{column}"::text')
    for name in ("dob", "upn", "postcode"):
        op.drop_index(f"ix_child_{name}", table_name="child")
    for name in BLIND:
        op.add_column("child", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        op.create_index(f"ix_child_{name}", "child", [name], unique=False)
    op.add_column("child", sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("DELETE FROM child_key")  # plain names and addresses; rebuilt blinded by storage/rekey.py


def downgrade() -> None:
    # Values already encrypted stay encrypted: a downgrade is for an empty or never-rotated database.
    op.execute("DELETE FROM child_key")
    op.drop_column("child", "keyed")
    for name in BLIND:
        op.drop_index(f"ix_child_{name}", table_name="child")
        op.drop_column("child", name)
    for name in ("dob", "upn", "postcode"):
        op.create_index(f"ix_child_{name}", "child", [name], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, column, before in WIDENED:
            op.alter_column(table, column, type_=before, postgresql_using=f'"{column}"::{_pg(before)}')


def _pg(kind: sa.types.TypeEngine) -> str:
    return kind.compile(dialect=op.get_bind().dialect)
