"""Enquiry plans: each case's checklist of reasonable enquiries, with due dates, and changes to its steps.

The checklist and every deadline come from the profile (cme-domain.md section 5); a deadline is
counted in school days (weekends, bank holidays and term holidays skipped) or calendar days.
Every change is written to the case's audit trail by the caller's command, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from handlers.knowledge.calendar import add_school_days, is_school_day
from handlers.knowledge.profile import Due, Profile
from handlers.knowledge.profile import EnquiryStep as ProfileStep
from storage.models import ACTIVE_STEP_STATES, Case, EnquiryStep, StepState
from storage.queries import steps_of


class StepError(ValueError):
    """A change that can't be made; the message is safe to show the officer."""


def due_date(start: dt.date, due: Due, profile: Profile) -> dt.date:
    """The date `due` after `start`: n school days (from the next school day), or n calendar days."""
    if due.school_days is not None:
        return add_school_days(start, due.school_days, profile)
    return start + dt.timedelta(days=due.days or 0)


def plan_due_dates(start: dt.date, *, urgent: bool, profile: Profile) -> dict[str, dt.date]:
    """Each plan step's due date for a case raised on `start` (urgent cases use the shorter deadlines)."""
    dates = {}
    for step in profile.enquiry_plan:
        due = step.urgent_due if urgent and step.urgent_due is not None else step.due
        dates[step.id] = due_date(start, due, profile)
    return dates


def create_plan(
    session: Session,
    case: Case,
    profile: Profile,
    now: dt.datetime,
    *,
    repeat: bool = False,
    missing: Sequence[str] = (),
) -> list[EnquiryStep]:
    """Add the profile's enquiry plan to a new case (a repeat episode's plan has its extra steps too).

    `missing`: what a quick report did not say; asking the reporter for it comes first.
    """
    start = now.astimezone(profile.tz).date()
    dates = plan_due_dates(start, urgent=case.urgent, profile=profile)
    chosen = [step for step in profile.enquiry_plan if repeat or not step.repeat_only]
    if missing:
        ask = profile.missing_details_step
        due = ask.urgent_due if case.urgent and ask.urgent_due is not None else ask.due
        dates[ask.id] = due_date(start, due, profile)
        titled = ask.model_copy(update={"title": missing_step_title(profile, missing)})
        chosen.insert(0, titled)
    steps = [
        EnquiryStep(case_id=case.id, step_id=step.id, position=i, title=step.title, due_on=dates[step.id])
        for i, step in enumerate(chosen)
    ]
    session.add_all(steps)
    return steps


def missing_step_title(profile: Profile, missing: list[str]) -> str:
    """The "ask for the details still missing" step's title: short, as it shows on every caseload and digest line.

    What is missing is listed once, under "Still missing" in the case's details, not in the title: a list of
    two dozen questions made a caseload line of four, cut off mid-word at the title's 255 characters.
    """
    if not missing:
        return f"{profile.missing_details_step.title}: nothing now, the reporter added them (check, then mark done)"
    parts = "part" if len(missing) == 1 else "parts"
    return f"{profile.missing_details_step.title} ({len(missing)} {parts} of the form: see Still missing)"


def find_step(session: Session, case: Case, step_id: str) -> EnquiryStep:
    """The case's step by its id ("home-visit") or its number in the plan ("6")."""
    steps = list(steps_of(session, case.id))
    wanted = step_id.strip().lower()
    if wanted.isascii() and wanted.isdigit() and len(wanted) <= 3 and 1 <= int(wanted) <= len(steps):
        return steps[int(wanted) - 1]
    for step in steps:
        if step.step_id == wanted:
            return step
    names = ", ".join(s.step_id for s in steps)
    raise StepError(f"Case {case.reference} has no enquiry step '{step_id[:40]}'. Its steps: {names}.")


def _waiting(step: EnquiryStep) -> None:
    if step.state not in ACTIVE_STEP_STATES:
        raise StepError(f"The step '{step.step_id}' is already {step.state.replace('_', ' ')}.")


def finish_step(step: EnquiryStep, *, possible: bool, actor: str, now: dt.datetime, note: str | None) -> None:
    """Record a step's outcome: done, or not possible (a reason is then required)."""
    _waiting(step)
    if not possible and not note:
        raise StepError("Say why the enquiry was not possible.")
    step.state = StepState.DONE if possible else StepState.NOT_POSSIBLE
    step.done_at, step.done_by = now, actor
    step.note = note[:1000] if note else step.note


def snooze_step(step: EnquiryStep, *, until: dt.date, today: dt.date, reason: str) -> dt.date:
    """Move a waiting step's due date to `until` (a reason is required); returns the old due date."""
    _waiting(step)
    if not reason:
        raise StepError("Say why the step is snoozed.")
    if until <= today:
        raise StepError("The new date must be after today.")
    if until > today + dt.timedelta(days=366):
        raise StepError("Snooze a step for a year at most.")
    old = step.due_on
    step.state, step.snoozed_until, step.due_on = StepState.SNOOZED, until, until
    return old


def close_steps(session: Session, case: Case) -> int:
    """Stop the waiting steps of a case that is closing; returns how many were stopped."""
    stopped = 0
    for step in steps_of(session, case.id):
        if step.state in ACTIVE_STEP_STATES:
            step.state = StepState.CLOSED
            session.add(step)
            stopped += 1
    return stopped


def reopen_steps(session: Session, case: Case, profile: Profile, today: dt.date) -> int:
    """Open again the steps stopped by a closure, due afresh from today; returns how many."""
    dates = plan_due_dates(today, urgent=case.urgent, profile=profile)
    reopened = 0
    for step in steps_of(session, case.id):
        if step.state == StepState.CLOSED:
            step.state, step.snoozed_until = StepState.OPEN, None
            step.due_on = dates.get(step.step_id, today)
            step.alerted_on = step.escalated_for = None
            session.add(step)
            reopened += 1
    return reopened


def active_steps(session: Session, case: Case) -> list[EnquiryStep]:
    """The case's steps still waiting (open or snoozed)."""
    return [s for s in steps_of(session, case.id) if s.state in ACTIVE_STEP_STATES]


def escalation_cutoff(today: dt.date, limit: int, profile: Profile) -> dt.date:
    """Steps due before this date are overdue by more than `limit` school days on `today`."""
    # school_days_between(due, today) > limit  <=>  due is before the (limit+1)-th school day
    # counting back from today (today included when it is a school day).
    day, found = today, 0
    while True:
        if is_school_day(day, profile):
            found += 1
            if found == limit + 1:
                return day
        day -= dt.timedelta(days=1)


def add_steps(
    session: Session, case: Case, plan: list[ProfileStep], profile: Profile, now: dt.datetime, *, about: str
) -> list[EnquiryStep]:
    """Add `plan`'s steps after the case's own (a move between councils); a step it had before is due afresh.

    `about` (the other council's name) ends each title, so the digest and reminders say which council.
    """
    start = now.astimezone(profile.tz).date()
    existing = {step.step_id: step for step in steps_of(session, case.id)}
    position = max((step.position for step in existing.values()), default=-1) + 1
    added = []
    for item in plan:
        step = existing.get(item.id) or EnquiryStep(case_id=case.id, step_id=item.id, position=position)
        position += item.id not in existing
        step.title = f"{item.title}: {about}"[:255]
        step.due_on, step.state, step.snoozed_until = due_date(start, item.due, profile), StepState.OPEN, None
        step.done_at = step.done_by = step.note = step.alerted_on = step.escalated_for = None
        session.add(step)
        added.append(step)
    return added
