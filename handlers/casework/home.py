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

from handlers.casework import caseload
from handlers.casework.caseload import FIRST_PAGE, Ask, CaseList
from handlers.casework.status import STATE_WORDS, status
from handlers.core import Caller, Core, TurnContext, is_staff, role_of
from handlers.forms import flows
from handlers.messages import Identity, Inbound, Reply, ReplyKind, Role
from handlers.referral.check import RESULT_FLOW
from handlers.router import Router
from storage.db import unit_of_work
from storage.models import ACTIVE_STEP_STATES, Case, Conversation, EnquiryStep
from storage.queries import case_by_reference, cases_reported_by, conversation_of, record_audit


@dataclass(frozen=True)
class CaseLine:
    """One case as a home page lists it: no child details."""

    reference: str
    state: str
    state_text: str
    urgent: bool
    raised: dt.date


@dataclass(frozen=True)
class Home:
    """What a home page shows: a reporter's own concerns, or (staff) the caseload's page and overall counts."""

    role: Role
    cases: tuple[CaseLine, ...] = ()  # a reporter's own concerns
    open_count: int = 0
    urgent_count: int = 0
    overdue_enquiries: int | None = None  # staff only: open cases' steps past their due date
    form_open: bool = False  # a form in progress (or kept for later) the page offers to carry on with
    caseload: CaseList | None = None  # staff: the page of `/cme cases` the home shows (names: its showing audited)

    @property
    def staff(self) -> bool:
        """True for officers and managers."""
        return is_staff(self.role)


def home_for(core: Core, identity: Identity, *, ask: Ask = FIRST_PAGE) -> Home:
    """The home page of this person, by their role (staff: the caseload page `ask` names, as /cme cases lists it)."""
    role = role_of(identity, core.profile, core.role_overrides)
    with unit_of_work(core.engine) as session:
        home = _home(core, session, role, identity)
        form_open = _form_open(session, identity.key)
    if home.staff:  # its own transaction: the same service, refusal and audit as /cme cases
        caller = Caller(core, identity, role, core.clock(), identity.channel.value)
        home = replace(home, caseload=caseload.list_cases(caller, ask=ask))
    return replace(home, form_open=form_open)


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
    """The counts of a staff home page, or a reporter's own concerns."""
    if not is_staff(role):
        rows = cases_reported_by(session, identity.key)
        return Home(role, tuple(_line(c, core) for c in rows))
    opened = select(func.count()).select_from(Case).where(Case.state == "open")
    total = session.exec(opened).one()
    urgent = session.exec(opened.where(Case.urgent == True)).one()  # noqa: E712 - SQL, not Python
    today = core.clock().astimezone(core.profile.tz).date()
    return Home(role, open_count=total, urgent_count=urgent, overdue_enquiries=overdue_count(session, today))


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
