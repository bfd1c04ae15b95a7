"""Subject access requests: one calendar month to answer, and the officers reminded once a day when it is near."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from handlers.records.sar_requests import RequestError, complete, due_date, open_request, remind_due
from storage.db import unit_of_work
from storage.models import AuditEvent, Outbox
from storage.protection import SubjectAccessRequest

OFFICER = "slack:T0COUNCIL:U0OFFICER"


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 10, 31), dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 31)),
        (dt.date(2026, 3, 15), dt.date(2026, 4, 15)),
    ],
)
def test_due_one_calendar_month_after_receipt(received, due):
    assert due_date(received) == due


def _request(core, received: dt.date, subject: str = "7"):
    with unit_of_work(core.engine) as session:
        return open_request(
            session, kind="child", subject=subject, by=OFFICER, received_on=received, now=core.clock()
        ).id


def test_officers_are_reminded_once_a_day_of_requests_due_within_five_days(core, clock):
    near = _request(core, dt.date(2026, 10, 29))  # due 29 Nov: three days after the clock's 26 Nov
    _request(core, dt.date(2026, 11, 20), subject="8")  # due 20 Dec: not yet
    assert remind_due(core) == len(core.profile.notify.officers) >= 1
    assert remind_due(core) == 0  # the same day: nothing more
    with Session(core.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "sar-due")).all()
    assert {r.payload["sar"] for r in rows} == {near}
    assert "due on Sun 29 Nov 2026" in rows[0].text and "cme-bot sar --child 7" in rows[0].text
    clock.advance(days=1)
    assert remind_due(core) >= 1  # told again the next day while it is unanswered


def test_an_answered_request_is_not_reminded_and_a_pack_comes_first(core, clock):
    request_id = _request(core, dt.date(2026, 10, 29))
    with unit_of_work(core.engine) as session, pytest.raises(RequestError, match="No pack has been written"):
        complete(session, request_id=request_id, by=OFFICER, now=clock())
    with unit_of_work(core.engine) as session:
        session.get(SubjectAccessRequest, request_id).pack_written_at = clock()
    with unit_of_work(core.engine) as session:
        complete(session, request_id=request_id, by=OFFICER, now=clock())
    assert remind_due(core) == 0
    with Session(core.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions == ["sar.received", "sar.answered"]


def test_nonsense_is_refused_with_the_next_step(core, clock):
    with unit_of_work(core.engine) as session, pytest.raises(RequestError, match="a child or a person"):
        open_request(session, kind="pet", subject="1", by=OFFICER, received_on=clock().date(), now=clock())
    with unit_of_work(core.engine) as session, pytest.raises(RequestError, match="in the future"):
        open_request(session, kind="child", subject="1", by=OFFICER, received_on=dt.date(2026, 12, 25), now=clock())
    with unit_of_work(core.engine) as session, pytest.raises(RequestError, match="cme-bot sar --due"):
        complete(session, request_id=404, by=OFFICER, now=clock())
