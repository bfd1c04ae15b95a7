"""The reminder sweep: the digest at a frozen time, urgent alerts, escalation, once a day, catch-up."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import Session, select

from handlers.casework.reminders import run_sweep
from handlers.core import Core
from storage.models import Case, Outbox
from tests.handlers.casework.test_cases import make_case, press

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    """A time in UTC (London is on GMT from November to March)."""
    return dt.datetime(*args, tzinfo=UTC)


def outbox(engine, kind: str | None = None) -> list[Outbox]:
    with Session(engine) as session:
        query = select(Outbox).order_by(Outbox.id)
        if kind:
            query = query.where(Outbox.kind == kind)
        return list(session.exec(query).all())


def _three_cases(engine, profile) -> tuple[str, str, str]:
    urgent = make_case(engine, profile, 1, at(2026, 11, 23, 9), urgent=True)  # Mon: all but two steps overdue
    calm = make_case(engine, profile, 2, at(2026, 11, 24, 9))  # Tue: one overdue, one due today
    fresh = make_case(engine, profile, 3, at(2026, 11, 26, 9))  # today: nothing due yet
    return urgent, calm, fresh


def test_the_digest_at_a_frozen_time(engine, profile):
    urgent, calm, _ = _three_cases(engine, profile)
    with time_machine.travel(at(2026, 11, 26, 8, 31), tick=False):
        core = Core(engine=engine, profile=profile)  # the real clock, frozen by time-machine
        run_sweep(core)
    (digest,) = outbox(engine, "reminder.digest")
    assert digest.recipient["conversation_id"] == "officers"  # unassigned cases: the officers' inbox
    assert digest.text.splitlines() == [
        "Enquiries due today and overdue, Thu 26 Nov 2026: 9 step(s) on 2 case(s).",
        f"URGENT {urgent}",
        "  • Ring every contact and emergency number: OVERDUE (was due Mon 23 Nov 2026)",
        "  • Check school records and ask staff: OVERDUE (was due Tue 24 Nov 2026)",
        "  • Ask siblings' schools, friends and relatives: OVERDUE (was due Tue 24 Nov 2026)",
        "  • Check with agencies (social care, health, housing, police, youth justice): OVERDUE "
        "(was due Tue 24 Nov 2026)",
        "  • Write to the parents or carers: OVERDUE (was due Wed 25 Nov 2026)",
        f"  • and 2 more: /cme case {urgent}",
        calm,
        "  • Ring every contact and emergency number: OVERDUE (was due Wed 25 Nov 2026)",
        "  • Check school records and ask staff: due today",
        "Open a case with /cme case REFERENCE.",
    ]
    buttons = digest.payload["buttons"]
    assert [b["value"] for b in buttons[:2]] == [
        f"/cme done {urgent} phone-contacts",
        f"/cme snooze {urgent} phone-contacts",
    ]
    assert digest.payload["title"] == "Your enquiries for Thu 26 Nov 2026"


def test_no_digest_before_the_digest_time_nor_at_a_weekend(engine, profile, clock):
    _three_cases(engine, profile)
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 11, 26, 8, 29)
    run_sweep(core)
    assert outbox(engine, "reminder.digest") == []
    clock.now = at(2026, 11, 28, 9, 0)  # Saturday
    run_sweep(core)
    assert outbox(engine, "reminder.digest") == []


def test_each_officer_gets_their_own_digest_and_nobody_the_same_reminder_twice(engine, profile, clock):
    make_case(engine, profile, 1, at(2026, 11, 20, 9), assigned_to="terminal:local:cme-officer")
    make_case(engine, profile, 2, at(2026, 11, 20, 9), assigned_to="slack:T1:U2", urgent=True)
    core = Core(engine=engine, profile=profile, clock=clock)
    for minutes in range(0, 120, 15):  # a morning of sweeps
        clock.now = at(2026, 11, 26, 9) + dt.timedelta(minutes=minutes)
        run_sweep(core)
    digests = outbox(engine, "reminder.digest")
    assert sorted(d.recipient["conversation_id"] for d in digests) == ["U2", "dm:cme-officer"]
    alerts = outbox(engine, "reminder.overdue")
    assert len(alerts) == 7 and {a.recipient["conversation_id"] for a in alerts} == {"U2"}
    assert all(a.urgent and "CME-2026-0002" in a.text for a in alerts)
    clock.now = at(2026, 11, 27, 9)  # the next day: the same overdue steps are reminded once more
    run_sweep(core)
    assert len(outbox(engine, "reminder.digest")) == 4 and len(outbox(engine, "reminder.overdue")) == 14


def test_an_urgent_overdue_step_alerts_at_once_and_done_stops_it(router, engine, profile, clock):
    reference = make_case(engine, profile, 1, at(2026, 11, 25, 9), urgent=True)
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 11, 26, 0, 5)  # just after midnight: phone-contacts (due the same day) is overdue
    run_sweep(core)
    (alert,) = outbox(engine, "reminder.overdue")
    assert alert.urgent and alert.recipient["conversation_id"] == "officers"
    assert alert.text.startswith(f"URGENT case {reference}: the enquiry 'Ring every contact")
    press(router, "cme-officer", alert.payload["buttons"][0]["action"], alert.payload["buttons"][0]["value"])
    clock.now = at(2026, 11, 27, 0, 5)
    run_sweep(core)
    assert "phone-contacts" not in {a.payload["step"] for a in outbox(engine, "reminder.overdue")[1:]}


def test_a_step_overdue_past_the_limit_is_escalated_to_the_manager_once(engine, profile, clock):
    reference = make_case(engine, profile, 1, at(2026, 11, 20, 9))  # Fri: phone due Mon 23, letter Wed 25
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 11, 30, 7)  # five school days after Mon 23: not yet more than five
    run_sweep(core)
    assert outbox(engine, "reminder.escalation") == []
    clock.now = at(2026, 12, 1, 7)
    run_sweep(core)
    (escalation,) = outbox(engine, "reminder.escalation")
    assert escalation.recipient["conversation_id"] == "managers"
    assert (
        escalation.text.splitlines()[1]
        == f"  • {reference}: Ring every contact and emergency number, due Mon 23 Nov 2026, nobody"
    )
    clock.now = at(2026, 12, 1, 12)
    run_sweep(core)
    clock.now = at(2026, 12, 2, 7)  # the next day: only steps newly past the limit
    run_sweep(core)
    later = outbox(engine, "reminder.escalation")
    assert len(later) == 2 and "Ring every contact" not in later[1].text
    assert "Check school records" in later[1].text


def test_after_a_day_of_downtime_one_sweep_catches_up_with_one_digest(engine, profile, clock):
    make_case(engine, profile, 1, at(2026, 11, 16, 9), urgent=True)
    make_case(engine, profile, 2, at(2026, 11, 17, 9))
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 11, 24, 17)
    run_sweep(core)
    before = len(outbox(engine))
    clock.now = at(2026, 11, 26, 11)  # down from Tuesday evening until Thursday late morning
    result = run_sweep(core)
    assert [r.kind for r in result.queued].count("reminder.digest") == 1
    assert result.added == len(outbox(engine)) - before
    kinds = [row.kind for row in outbox(engine)[before:]]
    assert kinds.count("reminder.escalation") <= 1 and kinds.count("reminder.digest") == 1
    assert run_sweep(core).added == 0  # the next run finds nothing new


def test_a_restricted_case_in_the_escalation_and_urgent_alert_shows_only_that_it_exists(engine, profile, clock):
    reference = make_case(engine, profile, 1, at(2026, 11, 20, 9), urgent=True)
    with Session(engine) as session:  # restricted as /cme restrict leaves it (the command is tested apart)
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.restricted = True
        session.add(case)
        session.commit()
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 12, 1, 7)
    run_sweep(core)
    (escalation,) = outbox(engine, "reminder.escalation")
    alerts = outbox(engine, "reminder.overdue")
    assert alerts, "an urgent case's overdue step is still alerted"
    for row in [escalation, *alerts]:
        assert reference in row.text and "restricted case" in row.text
        assert "Ring every contact" not in row.text and "nobody" not in row.text
    assert all(not row.payload.get("buttons") for row in alerts)
