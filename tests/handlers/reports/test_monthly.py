"""The monthly figures with the digest: switched on in the profile, once a month, counts only, a chart button."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.casework.digest import reply_of
from handlers.commands import build_router
from handlers.core import Core
from handlers.reports.monthly import KIND, queue_monthly_stats
from storage.models import Outbox
from tests.handlers.reports.test_stats import PNG, _seed
from tests.support import Person

MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # after Bury's 08:30 digest time


def _switched_on(profile):
    return profile.model_copy(update={"reminders": profile.reminders.model_copy(update={"monthly_stats": True})})


def _rows(engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == KIND)).all())


def test_once_a_month_the_officers_get_the_figures_and_a_button_for_the_chart(engine, profile):
    _seed(engine)
    core = Core(engine=engine, profile=_switched_on(profile))
    assert queue_monthly_stats(core, MORNING - dt.timedelta(hours=1)) == 0  # before the digest time
    assert queue_monthly_stats(core, MORNING) == 1  # Bury has one officers' target
    assert queue_monthly_stats(core, MORNING + dt.timedelta(days=3)) == 0  # once a month
    [row] = _rows(engine)
    assert row.recipient["conversation_id"] == "officers"
    reply = reply_of(row)
    assert reply.title == "Monthly figures: December 2025 to November 2026"
    assert "2026-10 1/0/3" in reply.text and "CME-2026" not in reply.text
    [button] = reply.buttons
    assert (button.label, button.value) == ("Show the chart", "/cme stats 2025-12 2026-11")
    [chart] = Person(build_router(core), user="cme-officer").say(button.value)
    assert chart.attachment.content.startswith(PNG)
    assert queue_monthly_stats(core, dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)) == 1  # the next month's


def test_switched_off_nothing_is_sent(engine, profile):
    _seed(engine)
    assert not profile.reminders.monthly_stats  # Bury's profile leaves it off
    assert queue_monthly_stats(Core(engine=engine, profile=profile), MORNING) == 0
    assert _rows(engine) == []
