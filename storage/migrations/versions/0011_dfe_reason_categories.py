"""Cases' reasons move onto the DfE's own categories (the 20 published reasons)

cme-bot's first reason list was written from memory; the DfE's published list differs (issue 23). A case
whose reason has a DfE category of the same meaning keeps it (those codes did not change). A case whose old
reason has none (for example "whereabouts-unknown") loses it: it counts as "Not recorded" until an officer
chooses, and the old value, with the DfE categories to choose between, is kept in the case's history as an
audit event (action "case.reason_migrated"), chained like every other event. `cme-bot export dfe-return
--check` lists these cases by reference. No column changes. The mapping is frozen here, as it stood when the
migration was written (handlers/knowledge/data/dfe_cme_categories.yaml, legacy_reasons).

Downgrade puts the old codes back from those events.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 12:00:00
"""

import datetime as dt
import json
from collections.abc import Sequence
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.audit_chain import GENESIS, HEAD_ID, digest

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION = "case.reason_migrated"
ACTOR = "system:migration-0011"
# Old codes with no DfE category of the same meaning: (the old words, the DfE categories to choose between).
TO_CHOOSE = {
    "place-not-taken-up": ("Offered a school place, not yet started", ["offered-not-accepted", "waiting-school-start"]),
    "moved-destination-unknown": ("Moved, destination not known", ["moved-abroad", "moved-other-la", "unknown"]),
    "whereabouts-unknown": ("Whereabouts unknown", ["unknown", "moved-abroad", "moved-other-la"]),
    "permanently-excluded": ("Permanently excluded, no provision yet", ["no-suitable-place", "other"]),
    "awaiting-send-provision": (
        "Awaiting special educational provision (SEND)",
        ["no-suitable-place", "dissatisfied-send", "application-awaiting-outcome"],
    ),
    "health": ("Health reasons", ["physical-health", "mental-health"]),
    "newly-arrived": ("Newly arrived in the country, not yet applied", ["arrived-from-abroad", "did-not-apply"]),
    "parent-refuses-place": (
        "Parent refused a school place offered",
        ["parent-not-registering", "offered-not-accepted", "preference-not-met"],
    ),
}

case_table = sa.table("case", sa.column("id", sa.Integer), sa.column("cme_reason", sa.String))
event_table = sa.table(
    "auditevent",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("at", storage.types.UTCDateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("reason", sa.Text),  # plain text: read as legacy until `cme-bot keys rotate` encrypts it
    sa.column("detail", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
head_table = sa.table(
    "audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer), sa.column("last_hash", sa.String)
)


def _head(bind) -> str:
    """The chain head's hash, the head row made if the chain has not begun."""
    last = bind.execute(sa.select(head_table.c.last_hash).where(head_table.c.id == HEAD_ID)).scalar()
    if last is None:
        bind.execute(sa.insert(head_table).values(id=HEAD_ID, last_id=None, last_hash=GENESIS))
        return GENESIS
    return last


def _append(bind, previous: str, *, case_id: int, at: dt.datetime, reason: str, detail: dict) -> str:
    """Insert one chained event after `previous`; its hash."""
    content = SimpleNamespace(action=ACTION, actor=ACTOR, at=at, case_id=case_id, detail=detail, reason=reason)
    hashed = digest(previous, content)
    values = dict(case_id=case_id, at=at, actor=ACTOR, action=ACTION, reason=reason, prev_hash=previous, hash=hashed)
    # The id after the newest, as the chain's head hands them out (storage/audit_chain.py, 0016): not the
    # table's sequence, which events chained by the bot since then have not moved.
    new_id = (bind.execute(sa.select(sa.func.max(event_table.c.id))).scalar() or 0) + 1
    insert = sa.insert(event_table).values(id=new_id, **values, detail=json.dumps(detail, separators=(",", ":")))
    bind.execute(insert)
    bind.execute(sa.update(head_table).where(head_table.c.id == HEAD_ID).values(last_id=new_id, last_hash=hashed))
    return hashed


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(case_table.c.id, case_table.c.cme_reason)
        .where(case_table.c.cme_reason.in_(list(TO_CHOOSE)))
        .order_by(case_table.c.id)
    ).all()
    if not rows:
        return
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    previous = _head(bind)
    for case_id, old in rows:
        words, candidates = TO_CHOOSE[old]
        reason = (
            f'The DfE\'s list of reasons has no category meaning "{words}": the reason is not recorded until an '
            f"officer chooses one ({', '.join(candidates)}). cme-bot export dfe-return --check lists this case."
        )
        detail = {"field": "cme_reason", "was": old, "now": None, "candidates": candidates}
        previous = _append(bind, previous, case_id=case_id, at=at, reason=reason, detail=detail)
        bind.execute(sa.update(case_table).where(case_table.c.id == case_id).values(cme_reason=None))


def downgrade() -> None:
    bind = op.get_bind()
    events = bind.execute(
        sa.select(event_table.c.case_id, event_table.c.detail).where(event_table.c.action == ACTION)
    ).all()
    for case_id, detail in events:
        old = (json.loads(detail) if isinstance(detail, str) and detail.startswith("{") else {}).get("was")
        if old in TO_CHOOSE:
            query = sa.update(case_table).where(case_table.c.id == case_id, case_table.c.cme_reason.is_(None))
            bind.execute(query.values(cme_reason=old))
