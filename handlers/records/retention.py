"""Retention: a closed case past its date is anonymised; its statistics stay, a disposal record joins the audit chain.

Which cases: closed, not yet anonymised, not on legal hold, closed more than the profile's years ago
(profile.retention: a case found not to be CME sooner than a CME case). Anonymising removes the child
and family details (the child record once none of its cases still needs it, its search keys and links,
the referral's answers, notes, step notes, a transfer's evidence, a school notice's pupil details) and
keeps the case's statistics (reason, missing since, sex, year group, dates, state, outcome), so the DfE
return and charts still add up. A second run finds nothing more. Audit reasons are kept: the chain
covers them, and they are the record of who did what.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from handlers.knowledge.profile import Profile
from storage.children import Child, ChildKey, ChildLink, Transfer
from storage.db import unit_of_work
from storage.merges import CaseMerge
from storage.models import Case, CaseNote, EnquiryStep, Report
from storage.notices import SchoolNotice
from storage.queries import record_audit
from storage.types import utcnow

ACTOR = "retention"
REMOVED = "(removed under the retention schedule)"
_CHILD_DETAILS = ("forenames", "surname", "other_names", "dob", "upn", "address", "postcode", "school", "parent_names")


@dataclasses.dataclass(frozen=True)
class Due:
    """One closed case and its retention: the class, the day it falls due, and whether a legal hold keeps it."""

    reference: str
    case_id: int
    retention_class: str
    closed_on: dt.date
    due_on: dt.date
    held: bool

    @property
    def why(self) -> str:
        """In words, for the listing (no child details: the reference, the class and dates)."""
        if self.held:
            return f"kept: on legal hold (would have been due {self.due_on.isoformat()})"
        return f"{self.retention_class}, closed {self.closed_on.isoformat()}, due {self.due_on.isoformat()}"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _years_after(day: dt.date, years: int) -> dt.date:
    return _years_before(day, -years)


def _start_of(day: dt.date, profile: Profile) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=profile.tz)


def due_cases(session: Session, *, profile: Profile, today: dt.date, lock: bool = False) -> list[Due]:
    """Closed cases past their retention date and not yet anonymised (held ones too, marked held): one query.

    `lock`: the rows stay locked to the end of the transaction (PostgreSQL), so a hold typed meanwhile waits
    and then finds the case anonymised, instead of the run anonymising a case just put on hold.
    """
    rules = profile.retention
    not_cme = col(Case.outcome).in_(rules.not_cme_outcomes)
    # Closed before the start of (today - N years): due on or before today.
    short = _start_of(_years_before(today, rules.not_cme_years), profile) + dt.timedelta(days=1)
    long = _start_of(_years_before(today, rules.closed_cme_years), profile) + dt.timedelta(days=1)
    query = (
        select(Case)
        .where(Case.state == "closed", col(Case.anonymised_at).is_(None), col(Case.closed_at).is_not(None))
        .where(
            or_(
                not_cme & (col(Case.closed_at) < short),
                or_(col(Case.outcome).is_(None), ~not_cme) & (col(Case.closed_at) < long),
            )
        )
        .order_by(col(Case.closed_at), col(Case.id))
    )
    if lock:
        query = query.with_for_update()
    return [_due(case, profile) for case in session.exec(query).all()]


def _due(case: Case, profile: Profile) -> Due:
    rules = profile.retention
    short = case.outcome in rules.not_cme_outcomes
    years = rules.not_cme_years if short else rules.closed_cme_years
    closed_on = case.closed_at.astimezone(profile.tz).date()
    name = f"not CME: {years} year(s) after closure" if short else f"closed CME case: {years} years after closure"
    return Due(case.reference, case.id, name, closed_on, _years_after(closed_on, years), case.legal_hold)


def run(*, engine: Engine, profile: Profile, today: dt.date, dry_run: bool = False) -> list[Due]:
    """Anonymise every case due today (unless a dry run); what was due, held ones included, for the listing."""
    with unit_of_work(engine) as session:
        due = due_cases(session, profile=profile, today=today, lock=not dry_run)
        if not dry_run:
            now = utcnow()
            for item in due:
                if not item.held:
                    anonymise(session, case_id=item.case_id, why=item, now=now)
    return due


def anonymise(session: Session, *, case_id: int, why: Due, now: dt.datetime) -> None:
    """Remove the case's child and family details, keep its statistics, and record the disposal (no details)."""
    case = session.get(Case, case_id)
    if case is None or case.anonymised_at is not None or case.legal_hold:
        return  # already done (a second run) or held since it was listed
    for report in session.exec(select(Report).where(Report.case_id == case_id)).all():
        report.answers = {}
        session.add(report)
    session.execute(update(CaseNote).where(col(CaseNote.case_id) == case_id).values(text=REMOVED))
    session.execute(update(EnquiryStep).where(col(EnquiryStep.case_id) == case_id).values(note=None))
    session.execute(update(Transfer).where(col(Transfer.case_id) == case_id).values(evidence=None, contact=None))
    merged = or_(col(CaseMerge.case_id) == case_id, col(CaseMerge.into_case_id) == case_id)
    session.execute(update(CaseMerge).where(merged).values(undo={}))  # the records' details before and after a merge
    for notice in session.exec(select(SchoolNotice).where(SchoolNotice.case_id == case_id)).all():
        notice.details = {}
        session.add(notice)
    case.anonymised_at, case.reporter_address = now, {}
    session.add(case)
    session.flush()
    wiped = _forget_child(session, case.child_id)
    detail = {"class": why.retention_class, "closed_on": why.closed_on.isoformat(), "due_on": why.due_on.isoformat()}
    record_audit(
        session,
        actor=ACTOR,
        action="case.anonymised",
        case_id=case_id,
        at=now,
        reason=f"retention schedule: {why.retention_class}",
        detail={**detail, "child_record_removed": wiped},
    )


def _forget_child(session: Session, child_id: int | None) -> bool:
    """Wipe the child record (and records merged into it) once none of its cases keeps details; True if wiped."""
    if child_id is None:
        return False
    merged = session.exec(select(Child.id).where(Child.merged_into == child_id)).all()
    ids = [child_id, *merged]
    live = select(Case.id).where(col(Case.child_id).in_(ids), col(Case.anonymised_at).is_(None)).limit(1)
    if session.exec(live).first() is not None:
        return False  # another case of this child is still open, within its period, or on hold
    for child in session.exec(select(Child).where(col(Child.id).in_(ids))).all():
        for name in _CHILD_DETAILS:
            setattr(child, name, None)
        child.updated_at = utcnow()
        session.add(child)
    session.execute(delete(ChildKey).where(col(ChildKey.child_id).in_(ids)))
    session.execute(delete(ChildLink).where(or_(col(ChildLink.child_id).in_(ids), col(ChildLink.other_id).in_(ids))))
    return True


def listing(due: Sequence[Due]) -> list[dict]:
    """The listing as JSON-ready rows (reference, class, due date, why): no child details."""
    return [
        {
            "reference": d.reference,
            "class": d.retention_class,
            "due_on": d.due_on.isoformat(),
            "held": d.held,
            "why": d.why,
        }
        for d in due
    ]
