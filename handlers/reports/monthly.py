"""The monthly figures with the digest (profile switch `reminders.monthly_stats`): counts to the officers.

Once a month, from the first sweep after the digest time, each officers' notification target gets the
last twelve full months' figures as text (what the chart shows, for screen readers too) and a
"Show the chart" button: pressing it runs `/cme stats` for that period, so the PNG goes to the person
who pressed, privately, on any channel. The outbox's key makes it once a month however many sweeps run.
Lives here, not in casework (which sends the digest), because casework sits below reports.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.casework.digest import outbox_row
from handlers.casework.reminders import officer_recipients
from handlers.core import Core
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId
from handlers.reports.stats import add_months, build_stats, describe, period_label
from storage.db import unit_of_work
from storage.models import Outbox
from storage.queries import enqueue_many

KIND = "report.monthly"


def queue_monthly_stats(core: Core, now: dt.datetime | None = None) -> int:
    """Queue this month's figures for the officers (in its own transaction); how many messages are new."""
    with unit_of_work(core.engine) as session:
        return enqueue_many(session, monthly_rows(session, core.profile, now or core.clock()))


def monthly_rows(session: Session, profile: Profile, now: dt.datetime) -> list[Outbox]:
    """The month's messages, one per officers' target; none when switched off, early, or already queued."""
    local = now.astimezone(profile.tz)
    if not profile.reminders.monthly_stats or local.time() < profile.reminders.digest_time:
        return []
    last = add_months(local.date().replace(day=1), -1)  # the last full month
    first = add_months(last, -11)
    recipients = officer_recipients(profile, None)
    keys = [f"monthly-stats:{last:%Y-%m}:{_label(r)}" for r in recipients]
    if not keys or session.exec(select(Outbox.id).where(Outbox.dedupe_key == keys[0][:255])).first():
        return []  # queued by an earlier sweep this month: no query over the cases
    stats = build_stats(session, first=first, last=last)
    command = f"/cme stats {first:%Y-%m} {last:%Y-%m}"
    text = "\n".join(
        [*describe(stats), f"The chart is sent to whoever asks for it: press Show the chart, or type {command}."]
    )
    payload = {
        "title": f"Monthly figures: {period_label(stats)}",
        "buttons": [{"label": "Show the chart", "value": command, "action": ActionId.SAY.value, "style": None}],
    }
    return [outbox_row(KIND, key, r, text, payload, now=now) for key, r in zip(keys, recipients, strict=True)]


def _label(recipient: dict) -> str:
    return f"{recipient.get('channel')}:{recipient.get('conversation_id')}"
