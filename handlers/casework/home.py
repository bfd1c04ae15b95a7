"""A person's home page, channel-neutral: a reporter's own concerns, or an officer's open cases.

Also opening one case from a home page or a notification: officers only, and each opening is
recorded in the case's audit trail. Slack's App Home and a Teams tab render the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from handlers.casework.access import hidden_from
from handlers.casework.status import STATE_WORDS, status
from handlers.core import Core, TurnContext, is_staff, role_of
from handlers.forms import flows
from handlers.messages import Identity, Inbound, Reply, ReplyKind, Role
from handlers.referral.check import RESULT_FLOW
from handlers.router import Router
from storage.db import unit_of_work
from storage.models import ACTIVE_STEP_STATES, Case, Conversation, EnquiryStep
from storage.queries import case_by_reference, cases_reported_by, conversation_of, recent_cases, record_audit


@dataclass(frozen=True)
class CaseLine:
    """One case as a home page lists it: no child details."""

    reference: str
    state: str
    state_text: str
    urgent: bool
    raised: dt.date
    overdue: int = 0  # the case's waiting enquiry steps past their due date (staff homes only)


@dataclass(frozen=True)
class Home:
    """What a home page shows. `overdue_enquiries` (staff only) counts open cases' steps past their due date."""

    role: Role
    cases: tuple[CaseLine, ...]
    open_count: int = 0
    urgent_count: int = 0
    overdue_enquiries: int | None = None
    form_open: bool = False  # a form in progress (or kept for later) the page offers to carry on with

    @property
    def staff(self) -> bool:
        """True for officers and managers."""
        return is_staff(self.role)


def home_for(core: Core, identity: Identity) -> Home:
    """The home page of this person, by their role."""
    role = role_of(identity, core.profile, core.role_overrides)
    with unit_of_work(core.engine) as session:
        home = _home(core, session, role, identity)
        return replace(home, form_open=_form_open(session, identity.key))


def _form_open(session: Session, user_key: str) -> bool:
    """True when the person has a form in progress or kept for later (its expiry is checked when it is opened)."""
    row = conversation_of(session, user_key)
    if row is not None and row.flow not in (flows.EXPIRED, flows.SUBMITTED, RESULT_FLOW):
        return True
    kept = (
        select(func.count())
        .select_from(Conversation)
        .where(
            col(Conversation.user_key).startswith(f"{user_key}{flows.KEPT}", autoescape=True),
            Conversation.flow != flows.EXPIRED,
        )
    )
    return bool(session.exec(kept).one())


def _home(core: Core, session: Session, role: Role, identity: Identity) -> Home:
    """The cases part of the home page: a reporter's own, or every open case for staff."""
    if not is_staff(role):
        rows = cases_reported_by(session, identity.key)
        return Home(role, tuple(_line(c, core) for c in rows))
    rows = recent_cases(session)
    opened = select(func.count()).select_from(Case).where(Case.state == "open")
    total = session.exec(opened).one()
    urgent = session.exec(opened.where(Case.urgent == True)).one()  # noqa: E712 - SQL, not Python
    today = core.clock().astimezone(core.profile.tz).date()
    late = overdue_by_case(session, today, [c.id for c in rows])
    hidden = hidden_from(session, cases=rows, user_key=identity.key)  # restricted, and not named on them
    lines = tuple(
        replace(_line(c, core), state_text="restricted case", overdue=0)
        if c.id in hidden
        else replace(_line(c, core), overdue=late.get(c.id, 0))
        for c in rows
    )
    return Home(role, lines, open_count=total, urgent_count=urgent, overdue_enquiries=overdue_count(session, today))


def _overdue() -> Any:
    # Waiting steps of open cases due before today: a range scan of ix_enquiry_step_sweep (state, due_on).
    return and_(col(EnquiryStep.state).in_(ACTIVE_STEP_STATES), Case.state == "open")


def overdue_count(session: Session, today: dt.date) -> int:
    """How many waiting enquiry steps of open cases are past their due date (one indexed query)."""
    query = (
        select(func.count())
        .select_from(EnquiryStep)
        .join(Case, col(Case.id) == col(EnquiryStep.case_id))
        .where(_overdue(), col(EnquiryStep.due_on) < today)
    )
    return int(session.exec(query).one())


def overdue_by_case(session: Session, today: dt.date, case_ids: list[int]) -> dict[int, int]:
    """Each listed case's overdue steps (one grouped query over those cases)."""
    if not case_ids:
        return {}
    query = (
        select(EnquiryStep.case_id, func.count())
        .join(Case, col(Case.id) == col(EnquiryStep.case_id))
        .where(_overdue(), col(EnquiryStep.due_on) < today, col(EnquiryStep.case_id).in_(case_ids))
        .group_by(col(EnquiryStep.case_id))
    )
    return {case_id: int(count) for case_id, count in session.exec(query).all()}


def _line(case: Case, core: Core) -> CaseLine:
    raised = case.created_at.astimezone(core.profile.tz).date()
    return CaseLine(case.reference, case.state, STATE_WORDS.get(case.state, case.state), case.urgent, raised)


def open_case(router: Router, inbound: Inbound, reference: str) -> list[Reply]:
    """An officer opens a case: the case command when there is one, else its status; the opening is recorded."""
    words = reference.split()  # "CME-2026-0042" or the command "/cme case CME-2026-0042"
    reference = words[-1].upper()[:40] if words else ""
    if "case" in router.commands:  # the case command records its own viewing
        return router.handle(replace(inbound, text=f"/cme case {reference}", action=None))
    core = router.core
    now = inbound.received_at or core.clock()
    with unit_of_work(core.engine) as session:
        role = role_of(inbound.identity, core.profile, core.role_overrides)
        if not is_staff(role):
            return [Reply("Opening a case is for the CME officer and their manager only.", kind=ReplyKind.ERROR)]
        replies = status(TurnContext(core, inbound, session, now, role), reference)
        case = case_by_reference(session, reference) if replies[0].kind is not ReplyKind.ERROR else None
        if case is not None:  # status refused a case the officer may not see, audited: nothing was viewed
            record_audit(session, actor=inbound.identity.key, action="case.viewed", case_id=case.id, at=now)
        return replies
