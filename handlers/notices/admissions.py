"""Recording a new pupil return (SI 2024/208 reg 13(1)): the notice, and the officers told when it closes a loop.

A new pupil is matched against known children like a referral (handlers/children/matching.py), but only a
strong match counts (the same date of birth, or the same UPN) and no child record is made or changed: when
the child has an open CME case, the officers are told that a school has admitted them (the notice's and the
case's references only) and the case's audit trail records it. The school is told nothing about any case.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from handlers.casework.alerts import notify_role
from handlers.children.matching import find_matches
from handlers.children.record import child_values
from handlers.core import FormContext
from handlers.messages import Identity
from handlers.notices.forms import NEW_PUPIL_SPEC
from handlers.notices.service import Recorded, new_notice, notice_by_submission
from storage.child_queries import cases_of_child, surviving_case, surviving_child
from storage.models import Case
from storage.notices import NoticeKind, SchoolNotice
from storage.queries import record_audit


def open_cases_of(session: Session, answers: dict[str, Any], ctx: FormContext) -> list[Case]:
    """The open cases (the ones that stand) of the known child these answers strongly match; none otherwise."""
    found = find_matches(session, child_values(answers), ctx.profile.matching)
    child = surviving_child(session, found.strong.child_id) if found.strong else None
    if child is None:
        return []
    standing = {case.id: case for c in cases_of_child(session, child.id) if (case := surviving_case(session, c))}
    return [case for case in standing.values() if case.state == "open"]


def _tell_officers(session: Session, notice: SchoolNotice, case: Case, identity: Identity, ctx: FormContext) -> None:
    text = (
        f"New pupil return {notice.reference}: the child of open case {case.reference} has been admitted to a "
        f"school ({notice.event_date:%-d %B %Y}). Check it and close the case if the child is in education: "
        f"/cme case {case.reference}"
    )
    notify_role(
        session,
        profile=ctx.profile,
        role="officers",
        kind="notice.admitted",
        key=f"notice-admitted:{notice.reference}:{case.reference}",
        text=text,
        urgent=False,
        now=ctx.now,
        case_id=case.id,
        payload={"notice": notice.reference, "reference": case.reference},
    )
    record_audit(
        session,
        case_id=case.id,
        actor=identity.key,
        action="notice.admitted",
        at=ctx.now,
        reason="school new pupil return",
        detail={"notice": notice.reference, "school_urn": notice.school_urn},
    )


def record_new_pupil(
    session: Session, *, answers: dict[str, Any], identity: Identity, submission_key: str, ctx: FormContext
) -> Recorded:
    """Record a new pupil return, its audit event, and tell the officers when it matches a child with an open case."""
    existing = notice_by_submission(session, submission_key)
    if existing is not None:
        return Recorded(existing, created=False)
    answers = NEW_PUPIL_SPEC.clean(answers)
    notice = new_notice(session, NoticeKind.ADMISSION, answers, identity, submission_key, ctx)
    matched = open_cases_of(session, answers, ctx)
    for case in matched:
        _tell_officers(session, notice, case, identity, ctx)
    detail = {"notice": notice.reference, "open_cases": [case.reference for case in matched]}
    record_audit(
        session,
        actor=identity.key,
        action="notice.new_pupil",
        at=ctx.now,
        reason="school new pupil return",
        detail=detail,
    )
    return Recorded(notice)
