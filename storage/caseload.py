"""The caseload's queries: one page of open cases (filtered, sorted in SQL) and what each row shows, a query each.

Every function takes the page's case ids and asks once for all of them, so a page costs the same handful of
queries whether 5 or 5,000 cases are open (no query per case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from storage.children import Child, ChildMatch, MatchState
from storage.models import ACTIVE_STEP_STATES, Case, EnquiryStep, Report


@dataclass(frozen=True)
class Filters:
    """Which open cases to list: each one set narrows the list (they combine)."""

    assigned_to: str | None = None  # `mine`: the caller's key
    unassigned: bool = False
    urgent: bool = False
    overdue: bool = False
    matches: bool = False


def open_cases_page(
    session: Session, *, today: dt.date, filters: Filters, offset: int = 0, limit: int | None = None
) -> tuple[list[Any], int]:
    """One page of (Case, next_due, overdue, due_today), urgent then soonest due first, and how many match in all."""
    active = col(EnquiryStep.state).in_(ACTIVE_STEP_STATES)
    next_due = func.min(case((active, EnquiryStep.due_on)))
    overdue = func.count(case((and_(active, col(EnquiryStep.due_on) < today), 1)))
    due_today = func.count(case((and_(active, col(EnquiryStep.due_on) == today), 1)))
    conditions = [Case.state == "open", *_conditions(filters, today)]
    query = (
        select(Case, next_due.label("next_due"), overdue.label("overdue"), due_today.label("due_today"))
        .join(EnquiryStep, col(EnquiryStep.case_id) == col(Case.id), isouter=True)
        .where(*conditions)
        .group_by(col(Case.id))
    )
    total = session.exec(select(func.count()).select_from(Case).where(*conditions)).one()  # no join: cheap
    ordered = query.order_by(col(Case.urgent).desc(), next_due.is_(None), next_due, col(Case.id)).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return list(session.exec(ordered).all()), int(total)


def _conditions(filters: Filters, today: dt.date) -> list[Any]:
    found: list[Any] = []
    if filters.overdue:  # a waiting step past its due date (the sweep's index: state, due_on)
        late = select(EnquiryStep.case_id).where(
            col(EnquiryStep.state).in_(ACTIVE_STEP_STATES), col(EnquiryStep.due_on) < today
        )
        found.append(col(Case.id).in_(late))
    if filters.assigned_to is not None:
        found.append(Case.assigned_to == filters.assigned_to)
    if filters.unassigned:
        found.append(col(Case.assigned_to).is_(None))
    if filters.urgent:
        found.append(Case.urgent == True)  # noqa: E712 - SQL, not Python
    if filters.matches:
        pending = ChildMatch.state == MatchState.PENDING.value
        found.append(
            or_(
                col(Case.id).in_(select(ChildMatch.case_id).where(pending)),
                col(Case.child_id).in_(select(ChildMatch.candidate_id).where(pending)),
            )
        )
    return found


def children_of(session: Session, child_ids: Iterable[int]) -> dict[int, Child]:
    """These children's records by id (one query; their details are decrypted as they load)."""
    ids = sorted({child_id for child_id in child_ids if child_id is not None})
    if not ids:
        return {}
    return {child.id: child for child in session.exec(select(Child).where(col(Child.id).in_(ids))).all()}


def next_steps(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Each case's waiting enquiry step due soonest, by its title (one query; no step's note is decrypted)."""
    if not case_ids:
        return {}
    query = (
        select(EnquiryStep.case_id, EnquiryStep.title)
        .where(col(EnquiryStep.case_id).in_(list(case_ids)), col(EnquiryStep.state).in_(ACTIVE_STEP_STATES))
        .order_by(col(EnquiryStep.due_on), col(EnquiryStep.position), col(EnquiryStep.id))
    )
    found: dict[int, str] = {}
    for case_id, title in session.exec(query).all():
        found.setdefault(case_id, title)
    return found


def harm_flagged(session: Session, case_ids: Sequence[int]) -> set[int]:
    """Which of these cases have a referral that flagged harm (the flag's column only: no answers decrypted)."""
    if not case_ids:
        return set()
    query = select(Report.case_id).where(col(Report.case_id).in_(list(case_ids)), Report.harm_flagged == True)  # noqa: E712
    return set(session.exec(query.distinct()).all())


def ages_given(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """The age a reporter gave in place of a date of birth, by case (the latest report saying one; decrypted)."""
    return {case_id: age for case_id, (age, _) in ages_given_when(session, case_ids).items()}


def ages_given_when(session: Session, case_ids: Sequence[int]) -> dict[int, tuple[int, dt.datetime]]:
    """As ages_given, with when the report giving it was sent (an age is true of its day)."""
    if not case_ids:
        return {}
    query = select(Report).where(col(Report.case_id).in_(list(case_ids))).order_by(col(Report.id))
    found = {}
    for report in session.exec(query).all():
        age = report.answers.get("child_age")
        if isinstance(age, int) and not isinstance(age, bool):
            found[report.case_id] = (age, report.submitted_at)
    return found


def repeat_episodes(session: Session, cases: Sequence[Case]) -> set[int]:
    """Which of these cases are a later episode: the same child had a case raised before (not one merged in)."""
    child_ids = {case.child_id for case in cases if case.child_id is not None}
    if not child_ids:
        return set()
    query = (
        select(Case.child_id, func.min(Case.id))  # ids grow as cases are raised
        .where(col(Case.child_id).in_(child_ids), col(Case.merged_into).is_(None))
        .group_by(col(Case.child_id))
    )
    first = dict(session.exec(query).all())
    return {case.id for case in cases if case.child_id in first and case.id > first[case.child_id]}
