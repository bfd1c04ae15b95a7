"""The reminder sweep: the digest at a frozen time, urgent alerts, escalation, once a day, catch-up."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import Session, select

from handlers.casework.reminders import run_sweep
from handlers.core import Core
from storage.models import Case, Outbox
from tests.handlers.casework.test_cases import make_case

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
    assert digest.recipient["conversation_id"] == "dm:cme-officer"  # the officer the profile names: one message
    assert digest.text.splitlines() == [
        "2 case(s) need you today, Thu 26 Nov 2026: 9 enquiry step(s) due or overdue.",
        f"URGENT: {urgent} (not assigned yet)",
        "  • Ring every contact and emergency number: OVERDUE (was due Mon 23 Nov 2026)",
        "  • Check school records and ask staff: OVERDUE (was due Tue 24 Nov 2026)",
        "  • Ask siblings' schools, friends and relatives: OVERDUE (was due Tue 24 Nov 2026)",
        f"  • and 4 more step(s): /cme case {urgent}",
        f"{calm} (not assigned yet)",
        "  • Ring every contact and emergency number: OVERDUE (was due Wed 25 Nov 2026)",
        "  • Check school records and ask staff: due today",
        "Open a case with its button or /cme case REFERENCE.",
    ]
    buttons = digest.payload["buttons"]
    assert [(b["value"], b["action"]) for b in buttons] == [
        (f"/cme case {urgent}", "open_case"),
        (f"/cme case {calm}", "open_case"),
    ]  # one button per case
    assert digest.payload["title"] == "Your day, Thu 26 Nov 2026"


def test_with_no_officer_known_by_name_the_unassigned_cases_go_to_the_officers_inbox(engine, profile):
    _three_cases(engine, profile)
    profile = profile.model_copy(update={"roles": profile.roles.model_copy(update={"officers": ["terminal:*:*"]})})
    with time_machine.travel(at(2026, 11, 26, 8, 31), tick=False):
        run_sweep(Core(engine=engine, profile=profile))
    (digest,) = outbox(engine, "reminder.digest")
    assert digest.recipient["conversation_id"] == "officers" and "not assigned yet" not in digest.text


def test_no_digest_before_the_digest_time_nor_at_a_weekend(engine, profile, clock):
    _three_cases(engine, profile)
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 11, 26, 8, 29)
    run_sweep(core)
    assert outbox(engine, "reminder.digest") == []
    clock.now = at(2026, 11, 28, 9, 0)  # Saturday
    run_sweep(core)
    assert outbox(engine, "reminder.digest") == []


def test_each_officer_gets_one_digest_a_day_and_no_per_step_alerts(engine, profile, clock):
    mine = make_case(engine, profile, 1, at(2026, 11, 20, 9), assigned_to="terminal:local:cme-officer")
    theirs = make_case(engine, profile, 2, at(2026, 11, 20, 9), assigned_to="slack:T1:U2", urgent=True)
    nobodys = make_case(engine, profile, 3, at(2026, 11, 23, 9))
    core = Core(engine=engine, profile=profile, clock=clock)
    for minutes in range(-60, 120, 15):  # a morning of sweeps, from before the digest time
        clock.now = at(2026, 11, 26, 9) + dt.timedelta(minutes=minutes)
        run_sweep(core)
    digests = {d.recipient["conversation_id"]: d.text for d in outbox(engine, "reminder.digest")}
    assert sorted(digests) == ["U2", "dm:cme-officer"]
    assert mine in digests["dm:cme-officer"] and theirs not in digests["dm:cme-officer"]
    assert theirs in digests["U2"] and mine not in digests["U2"]
    assert all(f"{nobodys} (not assigned yet)" in text for text in digests.values())
    assert digests["U2"].splitlines()[1] == f"URGENT: {theirs}"  # urgent first
    assert {row.kind for row in outbox(engine)} == {"reminder.digest"}  # no per-step alert, urgent or not
    clock.now = at(2026, 11, 27, 9)  # the next day: one more digest each
    run_sweep(core)
    assert len(outbox(engine, "reminder.digest")) == 4


def test_harm_flagged_cases_come_first(engine, profile, clock):
    from storage.models import Report

    calm = make_case(engine, profile, 1, at(2026, 11, 23, 9))
    harmed = make_case(engine, profile, 2, at(2026, 11, 25, 9), urgent=True)
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == harmed)).one()
        session.add(Report(case_id=case.id, form_id="cme_referral", answers={}, submitted_by="x", harm_flagged=True))
        session.commit()
    clock.now = at(2026, 11, 26, 9)
    run_sweep(Core(engine=engine, profile=profile, clock=clock))
    (digest,) = outbox(engine, "reminder.digest")
    lines = digest.text.splitlines()
    assert lines[1] == f"URGENT, harm flagged: {harmed} (not assigned yet)"
    assert lines.index(f"{calm} (not assigned yet)") > 1 and digest.payload["cases"][0]["harm"]


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


def test_a_restricted_case_in_the_escalation_and_the_digest_shows_only_that_it_exists(engine, profile, clock):
    reference = make_case(engine, profile, 1, at(2026, 11, 20, 9), urgent=True)
    with Session(engine) as session:  # restricted as /cme restrict leaves it (the command is tested apart)
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.restricted = True
        session.add(case)
        session.commit()
    core = Core(engine=engine, profile=profile, clock=clock)
    clock.now = at(2026, 12, 1, 9)
    run_sweep(core)
    (escalation,) = outbox(engine, "reminder.escalation")
    (digest,) = outbox(engine, "reminder.digest")
    assert outbox(engine, "reminder.overdue") == []
    for row in (escalation, digest):
        assert reference in row.text and "restricted case" in row.text
        assert "Ring every contact" not in row.text and "nobody" not in row.text
    assert digest.payload["cases"][0]["steps"][0]["step"] is None


def test_the_digest_lists_a_question_still_unanswered_after_its_reminder_and_an_undecided_match(
    router, engine, core, clock
):
    from handlers.casework import follow_ups
    from tests.handlers.casework.test_child_intake import AVA, refer
    from tests.handlers.casework.test_follow_ups import ask

    twins = {**AVA, "child_surname": "Ashcroft"}
    jon = refer(router, "alice", {**twins, "child_forenames": "Jon"})
    joan = refer(router, "bob", {**twins, "child_forenames": "Joan"})
    ask(router, jon)
    clock.advance(days=5)  # Tuesday 1 Dec, 10:00: the question's reminder goes, then the sweep
    assert follow_ups.run_reminders(core) == 1
    run_sweep(core)
    (digest,) = outbox(engine, "reminder.digest")
    assert digest.recipient["conversation_id"] == "dm:cme-officer"
    lines = digest.text.splitlines()
    assert lines[0].endswith("1 question(s) waiting for a reporter, 1 possible match(es) to decide.")
    assert (
        "  • your question to the reporter of Thu 26 Nov 2026 is unanswered (reminded Tue 1 Dec 2026): "
        "ask again or contact them" in lines
    )
    assert f"  • possible match with {jon}, not decided: the case view says why (/cme same or /cme different)" in lines
    assert "Jon" not in digest.text.replace(jon, "") and "Ashcroft" not in digest.text  # references only
    assert [c["reference"] for c in digest.payload["cases"] if c["matches"]] == [joan]


def test_the_preview_lists_a_question_whose_reminder_goes_before_that_day_as_the_day_then_does(
    router, engine, core, clock
):
    from handlers.casework import follow_ups
    from handlers.casework.preview import preview_day
    from tests.handlers.casework.test_child_intake import AVA, refer
    from tests.handlers.casework.test_follow_ups import ask

    reference = refer(router, "alice", AVA)
    ask(router, reference)  # Thursday 26 Nov: the reminder goes on Tuesday 1 Dec
    (previewed,) = [m for m in preview_day(core, on=dt.date(2026, 12, 2)).messages if m.kind == "reminder.digest"]
    assert "  • your question to the reporter of Thu 26 Nov 2026 is unanswered (reminded Tue 1 Dec 2026): " in (
        previewed.reply.text
    )
    assert outbox(engine, "reminder.digest") == []
    clock.advance(days=5)  # Tuesday 1 Dec, 10:00: the day's sweep, then the reporter's reminder
    run_sweep(core)
    assert follow_ups.run_reminders(core) == 1
    clock.advance(days=1)  # Wednesday 2 Dec
    run_sweep(core)
    assert outbox(engine, "reminder.digest")[-1].text == previewed.reply.text
