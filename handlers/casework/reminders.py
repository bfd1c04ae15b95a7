"""The reminder sweep: find what is due with one indexed query and queue reminders in the same transaction.

Exactly once: a reminder is written to the outbox in the transaction that records it as sent for
the day (alerted_on, escalated_for, last_digest_on), and every outbox row has a dedupe key with
the day in it, so a crash, a restart or a second replica never doubles one; the outbox sender
delivers each row and marks it sent. After downtime one sweep catches up: one digest for today
(not one per missed run), one alert per overdue urgent step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from handlers.casework.census import ReasonsDue, reasons_due
from handlers.casework.digest import digest_message, episode_notes, escalation_message, outbox_row, overdue_message
from handlers.casework.enquiries import escalation_cutoff
from handlers.core import Core
from handlers.knowledge.calendar import is_school_day
from handlers.knowledge.profile import NotifyTarget, Profile
from storage.db import unit_of_work
from storage.models import EnquiryStep, Outbox
from storage.queries import due_step_rows, enqueue_many, lock_reminder_run, update_steps

SWEEP = "sweep"


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


def _label(recipient: dict[str, Any]) -> str:
    return f"{recipient.get('channel')}:{recipient.get('conversation_id')}"


def run_sweep(core: Core, now: dt.datetime | None = None) -> SweepResult:
    """One sweep in its own transaction (the scheduler's job and `cme-bot remind --now`)."""
    with unit_of_work(core.engine) as session:
        return sweep(session, core.profile, now or core.clock())


def sweep(session: Session, profile: Profile, now: dt.datetime) -> SweepResult:
    """Queue today's reminders in the caller's transaction: urgent overdue alerts, escalations, the digest."""
    local = now.astimezone(profile.tz)
    today = local.date()
    run = lock_reminder_run(session, SWEEP)
    if run is None:
        return SweepResult(ran=False, today=today)
    rows = due_step_rows(session, today=today)
    result = SweepResult(ran=True, today=today, due_steps=len(rows))
    result.queued += _overdue_alerts(session, profile, rows, today, now)
    result.queued += _escalations(session, profile, rows, today, now)
    if digest_due(profile, local, run.last_digest_on):
        episodes = episode_notes(session, sorted({row.case_id for row in rows}))
        result.queued += digests(profile, rows, today, now, episodes, reasons_due(session, today=today))
        run.last_digest_on = today
    run.last_run_at = now
    session.add(run)
    result.added = enqueue_many(session, result.queued)
    return result


def digest_due(profile: Profile, local: dt.datetime, last_digest_on: dt.date | None) -> bool:
    """True on a school day once the profile's digest time has passed and today's digest isn't queued yet."""
    today = local.date()
    if last_digest_on == today or not is_school_day(today, profile):
        return False
    return local.time() >= profile.reminders.digest_time


def _overdue_alerts(
    session: Session, profile: Profile, rows: Sequence[Any], today: dt.date, now: dt.datetime
) -> list[Outbox]:
    fresh = [r for r in rows if r.urgent and r.due_on < today and r.alerted_on != today]
    queued = []
    for row in fresh:
        text, payload = overdue_message(row, today=today)
        for recipient in officer_recipients(profile, row.assigned_to):
            key = f"overdue:{row.id}:{today.isoformat()}:{_label(recipient)}"
            queued.append(
                outbox_row("reminder.overdue", key, recipient, text, payload, now=now, urgent=True, case_id=row.case_id)
            )
    update_steps(session, [r.id for r in fresh], alerted_on=today)
    return queued


def _escalations(
    session: Session, profile: Profile, rows: Sequence[Any], today: dt.date, now: dt.datetime
) -> list[Outbox]:
    limit = profile.reminders.escalate_after_school_days
    cutoff = escalation_cutoff(today, limit, profile)
    fresh = sorted((r for r in rows if r.due_on < cutoff and r.escalated_for != r.due_on), key=lambda r: r.id)
    if not fresh:
        return []
    text, payload = escalation_message(fresh, today=today, limit=limit)
    # The key names exactly these steps at these due dates: a re-run can't queue the same escalation.
    digest = hashlib.sha256(",".join(f"{r.id}@{r.due_on}" for r in fresh).encode()).hexdigest()[:24]
    queued = [
        outbox_row("reminder.escalation", f"escalate:{digest}:{_label(_target(t))}", _target(t), text, payload, now=now)
        for t in profile.notify.managers
    ]
    update_steps(session, [r.id for r in fresh], escalated_for=EnquiryStep.due_on)
    return queued


def digests(
    profile: Profile,
    rows: Sequence[Any],
    today: dt.date,
    now: dt.datetime,
    episodes: dict[int, str] | None = None,
    reasons: dict[str | None, ReasonsDue] | None = None,
) -> list[Outbox]:
    """Today's digest for each officer with steps due or, before a census day, cases that need a reason
    (unassigned cases go to the officers' targets)."""
    by_officer: dict[str | None, list[Any]] = defaultdict(list)
    for row in rows:
        by_officer[row.assigned_to].append(row)
    for officer in reasons or {}:
        by_officer.setdefault(officer, [])
    queued = []
    for officer, mine in sorted(by_officer.items(), key=lambda item: item[0] or ""):
        text, payload = digest_message(mine, today=today, episodes=episodes, reasons=(reasons or {}).get(officer))
        for recipient in officer_recipients(profile, officer):
            key = f"digest:{officer or 'team'}:{_label(recipient)}:{today.isoformat()}"
            queued.append(outbox_row("reminder.digest", key, recipient, text, payload, now=now))
    return queued
