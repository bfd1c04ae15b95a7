"""The grouped queries behind the DfE termly return and `/cme stats`: one statement each, never a loop over rows.

Dates are compared with bounds computed in Python (`missing_since >= census - 84 days`), so the SQL is the
same on SQLite and PostgreSQL; only the month label of a timestamp needs each dialect's own function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.children import Child
from storage.models import AuditEvent, Case

# The audit action of migration 0011, which moved each case's old reason code onto the DfE's categories.
REASON_MIGRATED = "case.reason_migrated"

# The triage outcomes that make a case a child missing education (handlers/knowledge/triage_model.Outcome).
CME_OUTCOMES = ("cme", "possible_cme")
UNKNOWN_BAND = "unknown"
# A band of time missing: its code and the longest time it holds in days (None: no upper bound). The bands
# themselves are the DfE's (handlers/knowledge/dfe_categories.py): the caller passes them in, shortest first.
Band = tuple[str, int | None]


@dataclass(frozen=True)
class ReturnCell:
    """One group of the return: how many cases share this sex, year group, band of time missing and reason."""

    sex: str | None
    year_group: str | None
    length: str  # a band's code, or "unknown"
    reason: str | None
    number: int


def _is_cme_case():
    """A case that counts: a standing case (not merged into another) triaged as CME or possible CME.

    A school's deletion notice (source "deletion") opens a case as possible CME even before triage.
    """
    triaged = col(Case.triage_outcome).in_(CME_OUTCOMES)
    notice = sa.and_(col(Case.triage_outcome).is_(None), Case.source == "deletion")
    return sa.and_(col(Case.merged_into).is_(None), sa.or_(triaged, notice))


def _open_between(start: dt.datetime, end: dt.datetime):
    """Open at some moment in [start, end): raised before `end` and not closed before `start`."""
    return sa.and_(Case.created_at < end, sa.or_(col(Case.closed_at).is_(None), Case.closed_at >= start))


def _length_missing(census: dt.date, bands: Sequence[Band]):
    """The band of time missing at the census date, from missing_since (none, or after the census: unknown)."""
    whens = [
        (col(Case.missing_since).is_(None), UNKNOWN_BAND),
        (Case.missing_since > census, UNKNOWN_BAND),
        *((Case.missing_since >= census - dt.timedelta(days=days), code) for code, days in bands if days is not None),
    ]
    return sa.case(*whens, else_=next(code for code, days in bands if days is None))


def census_cells(session: Session, *, census: dt.date, day_end: dt.datetime, bands: Sequence[Band]) -> list[ReturnCell]:
    """CME at the census date grouped by sex, year group, band of time missing and reason (one grouped query).

    `day_end` is the first instant after the census date in the council's time zone: a case counts when it
    was raised before then and not closed by then.
    """
    length = _length_missing(census, bands).label("length")
    query = (
        select(Case.sex, Case.year_group, length, Case.cme_reason, sa.func.count().label("number"))
        .where(_is_cme_case(), _open_between(day_end, day_end))
        .group_by(Case.sex, Case.year_group, length, Case.cme_reason)
    )
    return [ReturnCell(*row) for row in session.exec(query).all()]


@dataclass(frozen=True)
class CountedCase:
    """A case the return counts at the census date, with the fields an officer may need to complete."""

    id: int
    reference: str
    cme_reason: str | None
    sex: str | None
    year_group: str | None
    missing_since: dt.date | None
    missing_since_precision: str | None = None  # a rough date from the referral ("early"): the day is to be set


def census_cases(session: Session, *, day_end: dt.datetime) -> list[CountedCase]:
    """The cases the return counts at the census date (ending at `day_end`), by reference."""
    query = (
        select(
            Case.id,
            Case.reference,
            Case.cme_reason,
            Case.sex,
            Case.year_group,
            Case.missing_since,
            Case.missing_since_precision,
        )
        .where(_is_cme_case(), _open_between(day_end, day_end))
        .order_by(col(Case.reference))
    )
    return [CountedCase(*row) for row in session.exec(query).all()]


def first_case_raised(session: Session) -> dt.datetime | None:
    """When the first case was raised (None when there is none)."""
    return session.exec(select(sa.func.min(Case.created_at))).one()


def migrated_reasons(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """The old reason code each of these cases had before the DfE categories migration (0011), by case id."""
    if not case_ids:
        return {}
    query = select(AuditEvent).where(AuditEvent.action == REASON_MIGRATED, col(AuditEvent.case_id).in_(case_ids))
    return {event.case_id: event.detail.get("was") for event in session.exec(query).all() if event.case_id}


def unique_children_cme(session: Session, *, start: dt.datetime, end: dt.datetime) -> int:
    """Children CME at any time in [start, end), each counted once: by child record, through merges.

    Merges are followed two hops (storage/child_queries.MAX_HOPS says chains are one merge each); a case
    without a child record counts as a child of its own.
    """
    first, second = aliased(Child), aliased(Child)
    child = sa.func.coalesce(second.merged_into, first.merged_into, Case.child_id, -col(Case.id))
    query = (
        select(sa.func.count(sa.distinct(child)))
        .select_from(Case)
        .outerjoin(first, first.id == Case.child_id)
        .outerjoin(second, second.id == first.merged_into)
        .where(_is_cme_case(), _open_between(start, end))
    )
    return int(session.exec(query).one())


@dataclass(frozen=True)
class StatsCell:
    """One group of the statistics: cases raised in a month (or before the window), closed in a month (or not).

    The reason and the length missing are kept only for cases still open at the window's end (what the
    breakdowns show): closed cases grouped by them too would make several times the groups to hash.
    """

    raised: str  # "YYYY-MM", or BEFORE when raised before the window (several cells may say BEFORE)
    closed: str | None  # "YYYY-MM", or None when still open at the window's end
    reason: str | None  # None for a closed case (or when not recorded)
    length: str | None  # the length-missing band at the window's end; None for a closed case
    number: int


BEFORE = "0000-00"  # sorts before every month label


def _month(session: Session, column):
    """A timestamp's month, grouped cheaply: date_trunc on PostgreSQL (about a third faster than to_char at a
    million rows), the stored text's "YYYY-MM" prefix on SQLite (its timestamps are stored as UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.date_trunc("month", sa.func.timezone("UTC", column))
    return sa.func.substr(column, 1, 7)


def _label(month: dt.datetime | str | None, since: str) -> str | None:
    """The "YYYY-MM" label of a grouped month (BEFORE for one before the window)."""
    if month is None:
        return None
    label = month if isinstance(month, str) else f"{month:%Y-%m}"
    return BEFORE if label < since else label


def stats_cells(
    session: Session, *, since: dt.datetime, end: dt.datetime, as_of: dt.date, bands: Sequence[Band]
) -> list[StatsCell]:
    """Standing cases open at some time in [since, end), grouped by month raised and closed, reason, band of
    time missing at `as_of` (one grouped query; handlers/reports/stats.py adds them up)."""
    raised = _month(session, Case.created_at).label("raised")
    still_open = sa.or_(col(Case.closed_at).is_(None), Case.closed_at >= end)
    closed = sa.case((still_open, None), else_=_month(session, Case.closed_at)).label("closed")
    reason = sa.case((still_open, Case.cme_reason), else_=None).label("reason")
    length = sa.case((still_open, _length_missing(as_of, bands)), else_=None).label("length")
    query = (
        select(raised, closed, reason, length, sa.func.count().label("number"))
        .where(col(Case.merged_into).is_(None), _open_between(since, end))
        .group_by(raised, closed, reason, length)
    )
    first = f"{since.astimezone(dt.UTC):%Y-%m}"
    return [
        StatsCell(_label(r, first), _label(c, first), reason, length, number)
        for r, c, reason, length, number in session.exec(query).all()
    ]


def open_cases_without_reason(session: Session) -> list[tuple[str, str | None]]:
    """(reference, assigned officer) of the open cases the return would count that have no reason recorded."""
    query = (
        select(Case.reference, Case.assigned_to)
        .where(_is_cme_case(), col(Case.closed_at).is_(None), col(Case.cme_reason).is_(None))
        .order_by(col(Case.reference))
    )
    return [(reference, assigned) for reference, assigned in session.exec(query).all()]
