"""the child record: one row per child, cases point at it; possible matches, sibling links, transfers

Backfill: each existing case gets a child made from its first report's answers. Cases that share a
valid UPN share one child (a UPN is unique to a pupil); everything else stays one child per case,
since merging on names here would be a guess no officer has checked. Intake matching (and the
officer's Same child / Different child) links later referrals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString
_when = storage.types.UTCDateTime


def _create_child() -> None:
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forenames", _str(length=200), nullable=True),
        sa.Column("surname", _str(length=200), nullable=True),
        sa.Column("other_names", _str(length=200), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("sex", _str(length=16), nullable=True),
        sa.Column("upn", _str(length=13), nullable=True),
        sa.Column("address", _str(length=3000), nullable=True),
        sa.Column("postcode", _str(length=8), nullable=True),
        sa.Column("school", _str(length=200), nullable=True),
        sa.Column("parent_names", _str(length=200), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", _when(timezone=True), nullable=False),
        sa.Column("updated_at", _when(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["merged_into"], ["child.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("child", schema=None) as batch_op:
        for column in ("dob", "upn", "postcode"):
            batch_op.create_index(batch_op.f(f"ix_child_{column}"), [column], unique=False)


def _create_links() -> None:
    op.create_table(
        "child_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("state", _str(length=16), nullable=False),
        sa.Column("decided_by", _str(length=255), nullable=True),
        sa.Column("decided_at", _when(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "candidate_id", name="uq_child_match_case_candidate"),
    )
    with op.batch_alter_table("child_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_match_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_child_match_candidate_id"), ["candidate_id"], unique=False)
    op.create_table(
        "child_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", _str(length=16), nullable=False),
        sa.Column("created_at", _when(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["child.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "other_id", "kind", name="uq_child_link"),
    )
    with op.batch_alter_table("child_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_link_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_child_link_other_id"), ["other_id"], unique=False)


def _create_transfer() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("direction", _str(length=8), nullable=False),
        sa.Column("council_code", _str(length=16), nullable=False),
        sa.Column("council_name", _str(length=200), nullable=False),
        sa.Column("contact", _str(length=255), nullable=True),
        sa.Column("their_reference", _str(length=64), nullable=True),
        sa.Column("notified_at", _when(timezone=True), nullable=True),
        sa.Column("method", _str(length=32), nullable=True),
        sa.Column("acknowledged_at", _when(timezone=True), nullable=True),
        sa.Column("evidence", _str(length=1000), nullable=True),
        sa.Column("created_by", _str(length=255), nullable=False),
        sa.Column("created_at", _when(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_transfer_open", ["case_id", "acknowledged_at"], unique=False)


def upgrade() -> None:
    _create_child()
    _create_links()
    _create_transfer()
    _add_case_columns()
    op.create_index(op.f("ix_case_child_id"), "case", ["child_id"], unique=False)
    _backfill(op.get_bind())


def _add_case_columns() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.add_column("case", sa.Column("child_id", sa.Integer(), nullable=True))
        op.add_column("case", sa.Column("merged_into", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_case_child_id_child", "case", "child", ["child_id"], ["id"])
        op.create_foreign_key("fk_case_merged_into_case", "case", "case", ["merged_into"], ["id"])
        return
    # SQLite: a plain ADD COLUMN with an inline reference (allowed for a nullable column). A batch copy
    # of "case" would fail its foreign keys once reports point at it, and Alembic can't ALTER a constraint.
    op.execute('ALTER TABLE "case" ADD COLUMN child_id INTEGER REFERENCES child (id)')
    op.execute('ALTER TABLE "case" ADD COLUMN merged_into INTEGER REFERENCES "case" (id)')


def downgrade() -> None:
    op.drop_index(op.f("ix_case_child_id"), table_name="case")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
        batch_op.drop_column("child_id")
    for table in ("transfer", "child_link", "child_match"):
        op.drop_table(table)
    op.drop_table("child")


# The backfill reads the referral's answers as they were stored then (cme-domain.md section 9 fields).
_CASE = sa.table("case", sa.column("id", sa.Integer), sa.column("child_id", sa.Integer))
_REPORT = sa.table("report", sa.column("id"), sa.column("case_id"), sa.column("answers", sa.JSON))
_CHILD = sa.table(
    "child",
    *(sa.column(name) for name in ("id", "forenames", "surname", "other_names", "sex", "upn", "address")),
    *(sa.column(name) for name in ("postcode", "school", "parent_names")),
    sa.column("dob", sa.Date),
    sa.column("created_at", _when(timezone=True)),
    sa.column("updated_at", _when(timezone=True)),
)


def _text(answers: dict, key: str, limit: int) -> str | None:
    value = answers.get(key)
    return str(value)[:limit] if value not in (None, "", [], {}) else None


def _child_values(answers: dict) -> dict:
    import datetime as dt

    dob = answers.get("child_dob")
    now = dt.datetime.now(dt.UTC)
    return {
        "forenames": _text(answers, "child_forenames", 200),
        "surname": _text(answers, "child_surname", 200),
        "other_names": _text(answers, "child_aliases", 200),
        "dob": dt.date.fromisoformat(dob) if isinstance(dob, str) and len(dob) == 10 else None,
        "sex": _text(answers, "child_gender", 16),
        "upn": (_text(answers, "child_upn", 13) or "").upper() or None,
        "address": _text(answers, "child_address", 3000),
        "postcode": _text(answers, "child_postcode", 8),
        "school": _text(answers, "school_name", 200),
        "parent_names": _text(answers, "parent_names", 200),
        "created_at": now,
        "updated_at": now,
    }


def _backfill(connection: sa.Connection) -> None:
    first_reports = connection.execute(
        sa.select(_REPORT.c.case_id, _REPORT.c.answers).order_by(_REPORT.c.case_id, _REPORT.c.id)
    ).all()
    seen_cases: set[int] = set()
    by_upn: dict[str, int] = {}
    for case_id, answers in first_reports:
        if case_id in seen_cases:
            continue
        seen_cases.add(case_id)
        values = _child_values(answers or {})
        child_id = by_upn.get(values["upn"] or "")
        if child_id is None:
            child_id = connection.execute(sa.insert(_CHILD).values(**values).returning(_CHILD.c.id)).scalar_one()
            if values["upn"] and len(values["upn"]) == 13:
                by_upn[values["upn"]] = child_id
        connection.execute(sa.update(_CASE).where(_CASE.c.id == case_id).values(child_id=child_id))
