"""The reminder sweep: find what is due with one indexed query and queue reminders in the same transaction.

One message a school day for each officer (the digest: their cases and the unassigned ones, grouped by
case, harm and urgent first); the only other reminder is the manager's escalation. Nothing else is sent
about a step that is due or overdue: alerts at once are for what cannot wait (harm flagged, a new urgent
referral: handlers/casework/alerts.py).

Exactly once: a reminder is written to the outbox in the transaction that records it as sent
(escalated_for, last_digest_on), and every outbox row has a dedupe key naming the day or the steps, so a
crash, a restart or a second replica never doubles one; the outbox sender delivers each row and marks it
sent. After downtime one sweep catches up: one digest for today, not one per missed run.

`plan_day` only reads: the sweep applies what it plans, and `cme-bot remind --preview` shows it
(handlers/casework/preview.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from handlers.casework.census import ReasonsDue, reasons_due
from handlers.casework.digest import CaseDue, Digest, digest_message, episode_notes, escalation_message, outbox_row
from handlers.casework.enquiries import escalation_cutoff
from handlers.casework.waiting_questions import WaitingQuestion, follow_ups_waiting
from handlers.children.possible import undecided_matches
from handlers.core import Core
from handlers.knowledge.calendar import is_school_day
from handlers.knowledge.profile import NotifyTarget, Profile
from storage.db import unit_of_work
from storage.models import EnquiryStep, Outbox
from storage.queries import (
    due_step_rows,
    enqueue_many,
    harm_flagged_cases,
    lock_reminder_run,
    open_case_officers,
    update_steps,
)

SWEEP = "sweep"
WILDCARDS = frozenset("*?[")


@dataclass
class SweepResult:
    """What one sweep did: whether it ran (another replica may hold the lock) and what it queued."""

    ran: bool
    today: dt.date
    due_steps: int = 0
    queued: list[Outbox] = field(default_factory=list)
    added: int = 0

    def lines(self) -> list[str]:
        """One line per queued message: kind, where to, first line of text (no child detail)."""
        return [f"{row.kind} -> {_label(row.recipient)}: {row.text.splitlines()[0]}" for row in self.queued]


@dataclass
class DayPlan:
    """What a day's sweep queues (read, not written): the messages, and the steps it marks as escalated."""

    today: dt.date
    due_steps: int
    messages: list[Outbox] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    digest: bool = False


@dataclass
class DayWork:
    """Everything a digest can list on one day, read in one go."""

    rows: Sequence[Any]
    episodes: dict[int, str] = field(default_factory=dict)
    reasons: dict[str | None, ReasonsDue] = field(default_factory=dict)
    questions: Sequence[WaitingQuestion] = ()
    matches: Sequence[tuple[Any, list[str]]] = ()  # (case, the other references)
    harm: set[int] = field(default_factory=set)
    officers: set[str] = field(default_factory=set)


def address_for_key(key: str) -> dict[str, Any]:
    """Where to reach one person by their identity key ("channel:tenant:user"), as an outbox recipient."""
    channel, tenant, user = key.split(":", 2)
    if channel == "terminal":
        return {"channel": channel, "conversation_id": f"dm:{user}", "user_id": user, "extra": {}}
    if channel == "teams":
        # The Teams sender finds the person's personal chat by user_key when the id is not a conversation.
        return {"channel": channel, "conversation_id": f"user:{key}", "user_id": user, "extra": {"user_key": key}}
    return {"channel": channel, "conversation_id": user, "user_id": user, "extra": {"team": tenant}}


def _target(target: NotifyTarget) -> dict[str, Any]:
    return {"channel": target.channel, "conversation_id": target.conversation_id, "extra": dict(target.extra)}


def officer_recipients(profile: Profile, assigned_to: str | None) -> list[dict[str, Any]]:
    """The assigned officer, or every officers' notification target when the case is unassigned."""
    if assigned_to:
        return [address_for_key(assigned_to)]
    return [_target(t) for t in profile.notify.officers]


def named_officers(profile: Profile) -> set[str]:
    """The officers the profile names one by one (a terminal user with any tenant counts: it has one inbox)."""
    found = set()
    for pattern in profile.roles.officers:
        parts = pattern.split(":")
        if len(parts) != 3 or WILDCARDS & set(parts[0] + parts[2]):
            continue
        if parts[0] == "terminal":
            parts[1] = "local"
        if not WILDCARDS & set(parts[1]):
            found.add(":".join(parts))
    return found


def _label(recipient: dict[str, Any]) -> str:
    return f"{recipient.get('channel')}:{recipient.get('conversation_id')}"


def run_sweep(core: Core, now: dt.datetime | None = None) -> SweepResult:
    """One sweep in its own transaction (the scheduler's job and `cme-bot remind --now`)."""
    with unit_of_work(core.engine) as session:
        return sweep(session, core.profile, now or core.clock())


def sweep(session: Session, profile: Profile, now: dt.datetime) -> SweepResult:
    """Queue today's reminders in the caller's transaction: escalations, and the digest once a school day."""
    local = now.astimezone(profile.tz)
    run = lock_reminder_run(session, SWEEP)
    if run is None:
        return SweepResult(ran=False, today=local.date())
    plan = plan_day(session, profile, now, digest=digest_due(profile, local, run.last_digest_on))
    update_steps(session, plan.escalated, escalated_for=EnquiryStep.due_on)
    if plan.digest:
        run.last_digest_on = plan.today
    run.last_run_at = now
    session.add(run)
    result = SweepResult(ran=True, today=plan.today, due_steps=plan.due_steps, queued=plan.messages)
    result.added = enqueue_many(session, result.queued)
    return result


def plan_day(
    session: Session, profile: Profile, now: dt.datetime, *, digest: bool, since: dt.date | None = None
) -> DayPlan:
    """What a sweep at `now` queues, reading only: escalations (steps newly past the limit; with `since`, only
    those that pass it after that day) and, when `digest`, each officer's digest."""
    today = now.astimezone(profile.tz).date()
    rows = due_step_rows(session, today=today)
    plan = DayPlan(today=today, due_steps=len(rows), digest=digest)
    plan.messages, plan.escalated = _escalations(profile, rows, today, now, since)
    if digest:  # a preview of a day to come (`since`) also counts the questions reminded before then
        plan.messages += digests_for(session, profile, rows, today, now, ahead=since is not None)
    return plan


def digest_due(profile: Profile, local: dt.datetime, last_digest_on: dt.date | None) -> bool:
    """True on a school day once the profile's digest time has passed and today's digest isn't queued yet."""
    today = local.date()
    if last_digest_on == today or not is_school_day(today, profile):
        return False
    return local.time() >= profile.reminders.digest_time


def _escalations(
    profile: Profile, rows: Sequence[Any], today: dt.date, now: dt.datetime, since: dt.date | None
) -> tuple[list[Outbox], list[int]]:
    limit = profile.reminders.escalate_after_school_days
    cutoff = escalation_cutoff(today, limit, profile)
    before = escalation_cutoff(since, limit, profile) if since else dt.date.min  # already escalated by then
    fresh = sorted((r for r in rows if before <= r.due_on < cutoff and r.escalated_for != r.due_on), key=lambda r: r.id)
    if not fresh:
        return [], []
    text, payload = escalation_message(fresh, today=today, limit=limit)
    # The key names exactly these steps at these due dates: a re-run can't queue the same escalation.
    digest = hashlib.sha256(",".join(f"{r.id}@{r.due_on}" for r in fresh).encode()).hexdigest()[:24]
    queued = [
        outbox_row("reminder.escalation", f"escalate:{digest}:{_label(_target(t))}", _target(t), text, payload, now=now)
        for t in profile.notify.managers
    ]
    return queued, [r.id for r in fresh]


def read_day(
    session: Session, profile: Profile, rows: Sequence[Any], today: dt.date, *, ahead: bool = False
) -> DayWork:
    """What the digests list besides the steps: repeat episodes, census reasons, questions, matches, harm."""
    matches = undecided_matches(session)
    case_ids = sorted({row.case_id for row in rows} | {case.id for case, _ in matches})
    return DayWork(
        rows=rows,
        episodes=episode_notes(session, case_ids),
        reasons=reasons_due(session, today=today),
        questions=follow_ups_waiting(session, profile=profile, on=today if ahead else None),
        matches=matches,
        harm=harm_flagged_cases(session, case_ids),
        officers=open_case_officers(session) | named_officers(profile),
    )


def digests_for(
    session: Session, profile: Profile, rows: Sequence[Any], today: dt.date, now: dt.datetime, *, ahead: bool = False
) -> list[Outbox]:
    """Today's digests, read from the database (the sweep; and the preview, `ahead` of the day)."""
    work = read_day(session, profile, rows, today, ahead=ahead)
    return digests(profile, rows, today, now, work.episodes, work.reasons, work=work)


def digests(
    profile: Profile,
    rows: Sequence[Any],
    today: dt.date,
    now: dt.datetime,
    episodes: dict[int, str] | None = None,
    reasons: dict[str | None, ReasonsDue] | None = None,
    *,
    work: DayWork | None = None,
) -> list[Outbox]:
    """One digest for each officer: their cases, then the unassigned ones, then the census reasons lines. With no
    officer known by name, the unassigned cases go to the officers' notification targets instead."""
    work = work or DayWork(rows=rows)
    work.episodes, work.reasons = episodes or work.episodes, reasons if reasons is not None else work.reasons
    owned = _cases_by_owner(work)
    officers = sorted(work.officers | {key for key in owned if key} | {key for key in work.reasons if key})
    queued = []
    for officer in officers:
        digest = Digest(owned.get(officer, []), owned.get(None, []), _reasons(work.reasons, officer, None))
        queued += _digest_rows(profile, officer, digest, today, now)
    if not officers:
        queued += _digest_rows(profile, None, Digest([], owned.get(None, []), _reasons(work.reasons, None)), today, now)
    return queued


def _reasons(reasons: dict[str | None, ReasonsDue], *officers: str | None) -> list[ReasonsDue]:
    """The officer's own cases that need a census reason, then the team's, as one list of references."""
    found = [reasons[officer] for officer in officers if officer in reasons]
    if not found:
        return []
    return [ReasonsDue(found[0].census, tuple(ref for item in found for ref in item.references))]


def _digest_rows(
    profile: Profile, officer: str | None, digest: Digest, today: dt.date, now: dt.datetime
) -> list[Outbox]:
    if not digest:
        return []
    text, payload = digest_message(digest, today=today, personal=officer is not None)
    rows = []
    for to in officer_recipients(profile, officer):
        key = f"digest:{officer or 'team'}:{_label(to)}:{today.isoformat()}"
        rows.append(outbox_row("reminder.digest", key, to, text, payload, now=now))
    return rows


def _cases_by_owner(work: DayWork) -> dict[str | None, list[CaseDue]]:
    """Each officer's cases (None: unassigned) in digest order: steps and matches by the case's officer, a
    question to a reporter by the officer who asked it."""
    cases: dict[tuple[str | None, int], CaseDue] = {}

    def entry(owner: str | None, case_id: int, reference: str, urgent: bool, restricted: bool) -> CaseDue:
        if (owner, case_id) not in cases:
            harm, episode = case_id in work.harm, work.episodes.get(case_id)
            cases[owner, case_id] = CaseDue(reference, case_id, urgent, restricted, harm, episode)
        return cases[owner, case_id]

    for row in work.rows:
        entry(row.assigned_to, row.case_id, row.reference, row.urgent, bool(row.restricted)).steps.append(row)
    for case, others in work.matches:
        entry(case.assigned_to, case.id, case.reference, case.urgent, case.restricted).matches.extend(others)
    for asked in work.questions:
        entry(asked.asked_by, asked.case_id, asked.reference, asked.urgent, False).questions.append(asked)
    return _in_order(cases.items())


def _in_order(items: Iterable[tuple[tuple[str | None, int], CaseDue]]) -> dict[str | None, list[CaseDue]]:
    owned: dict[str | None, list[CaseDue]] = {}
    for (owner, _), item in items:
        item.steps.sort(key=lambda s: (s.due_on, s.position))
        owned.setdefault(owner, []).append(item)
    return {owner: sorted(found, key=CaseDue.order) for owner, found in owned.items()}
