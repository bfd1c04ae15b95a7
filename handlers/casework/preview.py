"""What a school day will bring each officer and manager, changing nothing: `cme-bot remind --preview --on DATE`.

The same plan the sweep applies (handlers/casework/reminders.py `plan_day`), read in a transaction that
writes nothing: no outbox row, no delivery claim, no step marked, no audit of a send. It assumes that
nothing is done before that day and that the sweep runs each day until then (as `cme-bot serve` does), so
an escalation shows on the day a step first passes the limit. The messages carry references only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from handlers.casework.digest import reply_of
from handlers.casework.reminders import SWEEP, address_for_key, plan_day
from handlers.core import Caller, Core, refuse_unless_staff, transaction
from handlers.knowledge.calendar import add_school_days, is_bank_holiday, is_school_day
from handlers.knowledge.profile import Profile
from handlers.messages import Reply, Role
from storage.db import unit_of_work
from storage.queries import reminder_run

COMMAND = "remind --preview"


class NotAhead(ValueError):
    """The day asked for is already over: a preview shows today or a day to come."""


@dataclass(frozen=True)
class PreviewMessage:
    """One message the day would send: to whom (in words and as an address), its kind, and the message."""

    to: str
    recipient: dict[str, Any]
    kind: str
    reply: Reply


@dataclass(frozen=True)
class DayPreview:
    """A day's messages as the sweep would queue them, or why none would go."""

    on: dt.date
    at: dt.time
    school_day: bool
    next_school_day: dt.date
    messages: tuple[PreviewMessage, ...] = ()
    digest_sent: bool = False  # today's digest has already been queued
    why_not: str = ""  # " (a bank holiday)", " (a school holiday)", or nothing for a weekend

    def headline(self) -> str:
        """The first line: what the day is, and when the digest goes."""
        if not self.school_day:
            return (
                f"{long_day(self.on)} is not a school day{self.why_not}: no digest is sent; "
                f"the next is {long_day(self.next_school_day, year=self.next_school_day.year != self.on.year)}."
            )
        sent = " Today's digest has already been sent; this is what it holds now." if self.digest_sent else ""
        return (
            f"{long_day(self.on)}: what each officer and manager gets at {self.at:%H:%M}, if nothing is done "
            f"before then.{sent}"
        )


def long_day(day: dt.date, *, year: bool = True) -> str:
    """'Saturday 12 December 2026' (or without the year)."""
    return f"{day:%A %-d %B}" + (f" {day.year}" if year else "")


def preview_day(core: Core, *, on: dt.date, caller: Caller | None = None) -> DayPreview:
    """The messages the reminder sweep would send on `on` (to `caller` alone when given: an officer or manager)."""
    profile = core.profile
    today = core.clock().astimezone(profile.tz).date()
    if on < today:
        raise NotAhead(f"{long_day(on)} is in the past: a preview shows today or a day to come.")
    if caller is not None:
        with transaction(caller) as session:  # a reporter is refused, and that attempt recorded, as elsewhere
            refuse_unless_staff(session, caller, command=COMMAND)
    at = profile.reminders.digest_time
    if not is_school_day(on, profile):
        return _not_a_school_day(on, at, profile)
    now = dt.datetime.combine(on, at, tzinfo=profile.tz)
    with unit_of_work(core.engine) as session:
        run = reminder_run(session, SWEEP)
        sent = run is not None and run.last_digest_on == on
        since = None if on == today else on - dt.timedelta(days=1)  # the sweeps before then escalate the rest
        plan = plan_day(session, profile, now, digest=True, since=since)
        session.rollback()  # nothing was written; make sure of it
    messages = [PreviewMessage(_to(r.recipient, core), r.recipient, r.kind, reply_of(r)) for r in plan.messages]
    if caller is not None:
        messages = [message for message in messages if _reaches(message.recipient, caller)]
    return DayPreview(on, at, True, on, tuple(messages), digest_sent=sent)


def _not_a_school_day(on: dt.date, at: dt.time, profile: Profile) -> DayPreview:
    why = "" if on.weekday() >= 5 else " (a bank holiday)" if is_bank_holiday(on, profile) else " (a school holiday)"
    return DayPreview(on, at, False, add_school_days(on, 0, profile), why_not=why)


def _targets(core: Core, role: str) -> list[tuple[str, str]]:
    return [(t.channel, t.conversation_id) for t in getattr(core.profile.notify, role)]


def _to(recipient: dict[str, Any], core: Core) -> str:
    """Who a recipient is, in words: a person by their id, or a role's notification target."""
    where = (recipient.get("channel"), recipient.get("conversation_id"))
    for role, words in (("officers", "the officers' notification target"), ("managers", "the managers' one")):
        if where in _targets(core, role):
            return f"{words} ({where[0]}: {where[1]})"
    user = recipient.get("extra", {}).get("user_key") or recipient.get("user_id") or where[1]
    return f"{user.rsplit(':', 1)[-1]} ({where[0]}: {where[1]})"


def _reaches(recipient: dict[str, Any], caller: Caller) -> bool:
    """True when the caller reads this: it is addressed to them, or to their role's shared target."""
    mine = address_for_key(caller.key)
    where = (recipient.get("channel"), recipient.get("conversation_id"))
    if where == (mine["channel"], mine["conversation_id"]):
        return True
    role = "managers" if caller.role is Role.MANAGER else "officers"
    return where in _targets(caller.core, role)
