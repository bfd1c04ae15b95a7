"""Subject access requests as a register: received, due one calendar month later, pack written, answered, reminded.

The month is a calendar month (UK GDPR art. 12(3), ICO guidance): received 31 January, due 28 February
(29 in a leap year). Officers are told, once a day, of every request due within five days and not yet answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from handlers.casework.digest import outbox_row
from handlers.core import Core
from handlers.knowledge.profile import Profile
from storage.db import unit_of_work
from storage.protection import SubjectAccessRequest
from storage.queries import enqueue_many, record_audit

REMIND_WITHIN_DAYS = 5
KINDS = ("child", "person")


class RequestError(ValueError):
    """A request that can't be recorded or changed; the message says what to do."""


def due_date(received_on: dt.date) -> dt.date:
    """One calendar month after receipt (the last day of a shorter month when the day does not exist)."""
    return received_on + relativedelta(months=1)


def deadline(request: SubjectAccessRequest) -> dt.date:
    """The date the answer is due: the extended date when the month was extended."""
    return request.extended_to or request.due_on


def open_request(session: Session, *, kind: str, subject: str, by: str, received_on: dt.date, now: dt.datetime):
    """The unanswered request for this subject received that day, or a new one (recorded and audited)."""
    if kind not in KINDS:
        raise RequestError(f"A subject access request is about a child or a person, not {kind!r}.")
    if received_on > now.date():
        raise RequestError(f"The request can't have been received on {received_on:%-d %b %Y}: that is in the future.")
    found = session.exec(
        select(SubjectAccessRequest).where(
            SubjectAccessRequest.subject_kind == kind,
            SubjectAccessRequest.subject == subject,
            SubjectAccessRequest.received_on == received_on,
            col(SubjectAccessRequest.completed_at).is_(None),
        )
    ).first()
    if found is not None:
        return found
    request = SubjectAccessRequest(
        subject_kind=kind, subject=subject, requested_by=by, received_on=received_on, due_on=due_date(received_on)
    )
    session.add(request)
    session.flush()
    record_audit(session, actor=by, action="sar.received", at=now, detail={"sar": request.id, "kind": kind})
    return request


def complete(session: Session, *, request_id: int, by: str, now: dt.datetime) -> SubjectAccessRequest:
    """Record that the answer was sent (audited); RequestError when there is no such open request."""
    request = session.get(SubjectAccessRequest, request_id)
    if request is None:
        raise RequestError(f"There is no subject access request {request_id}: `cme-bot sar --due` lists them.")
    if request.completed_at is not None:
        raise RequestError(
            f"Subject access request {request_id} was already answered on {request.completed_at:%-d %b %Y}."
        )
    if request.pack_written_at is None:
        raise RequestError(f"No pack has been written for request {request_id} yet: write it with cme-bot sar first.")
    request.completed_at = now
    session.add(request)
    record_audit(session, actor=by, action="sar.answered", at=now, detail={"sar": request.id})
    return request


def unanswered(session: Session) -> Sequence[SubjectAccessRequest]:
    """Every request not yet answered, soonest due first."""
    query = select(SubjectAccessRequest).where(col(SubjectAccessRequest.completed_at).is_(None))
    return sorted(session.exec(query).all(), key=lambda r: (deadline(r), r.id))


def describe(request: SubjectAccessRequest, today: dt.date) -> dict[str, Any]:
    """One request as a line's worth of facts (no child details: the subject is a reference or an id)."""
    days = (deadline(request) - today).days
    return {
        "id": request.id,
        "kind": request.subject_kind,
        "subject": request.subject,
        "received_on": request.received_on.isoformat(),
        "due_on": deadline(request).isoformat(),
        "days_left": days,
        "overdue": days < 0,
        "pack_written": request.pack_written_at is not None,
    }


def remind_due(core: Core) -> int:
    """Queue, once a day, a note to the officers of each request due within five days; returns how many queued."""
    today = core.clock().astimezone(core.profile.tz).date()
    with unit_of_work(core.engine) as session:
        due = [r for r in unanswered(session) if (deadline(r) - today).days <= REMIND_WITHIN_DAYS]
        due = [r for r in due if r.reminded_on != today]
        if not due:
            return 0
        rows = [_reminder(core.profile, r, today, core.clock()) for r in due]
        for request in due:
            request.reminded_on = today
            session.add(request)
        return enqueue_many(session, [row for group in rows for row in group])


def _reminder(profile: Profile, request: SubjectAccessRequest, today: dt.date, now: dt.datetime) -> list:
    """The day's note about one request to each officers' target (de-duplicated per request per day)."""
    facts = describe(request, today)
    when = "is overdue" if facts["overdue"] else f"is due on {deadline(request):%a %-d %b %Y}"
    text = (
        f"Subject access request {request.id} ({request.subject_kind} {request.subject}) {when}. "
        f"Write the pack with `cme-bot sar --{request.subject_kind} {request.subject} --out DIR`, review the items "
        f"marked for redaction, send it, then record it with `cme-bot sar --answered {request.id}`."
    )
    return [
        outbox_row(
            "sar-due",
            f"sar:{request.id}:{today.isoformat()}:{i}",
            target.model_dump(mode="json"),
            text,
            {"title": "Subject access request due", "sar": request.id},
            now=now,
        )  # fmt: skip
        for i, target in enumerate(profile.notify.officers)
    ]
