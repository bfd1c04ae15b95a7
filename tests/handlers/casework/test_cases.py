"""Officer case commands through the router, as an officer would type them or press their buttons."""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session, select

from handlers.casework.enquiries import create_plan
from handlers.messages import Action, ActionId, Address, Channel, Identity, Inbound, ReplyKind
from storage.db import unit_of_work
from storage.models import AuditEvent, Case, EnquiryStep, Outbox
from tests.support import CALM_REFERRAL, Person

OFFICER_COMMANDS = ("cases", "case", "done", "notpossible", "snooze", "note", "assign", "close", "reopen")


def make_case(engine, profile, seq: int, created: dt.datetime, *, urgent=False, assigned_to=None) -> str:
    """A case with its enquiry plan, straight into the database (no form): returns its reference."""
    with unit_of_work(engine) as session:
        case = Case(
            reference=f"CME-2026-{seq:04d}",
            year=2026,
            seq=seq,
            urgent=urgent,
            reporter_key="terminal:local:alice",
            reporter_address={"channel": "terminal", "conversation_id": "dm:alice", "user_id": "alice"},
            assigned_to=assigned_to,
            created_at=created,
            updated_at=created,
        )
        session.add(case)
        session.flush()
        create_plan(session, case, profile, created)
        return case.reference


def raise_case(router) -> str:
    """A reporter raises a calm referral through the form; returns its reference."""
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    return alice.say("submit")[-1].data["reference"]


def press(router, user: str, action: ActionId, value: str):
    """An officer presses a button (any channel sends its value back as the action)."""
    who = Identity(Channel.TERMINAL, user, "local")
    return router.handle(Inbound(who, Address(Channel.TERMINAL, f"dm:{user}", user), action=Action(action, value)))


def events(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_cases_lists_urgent_then_most_overdue_and_the_listing_is_recorded(router, engine, profile, clock):
    day = dt.timedelta(days=1)
    calm_old = make_case(engine, profile, 1, clock() - 10 * day)
    calm_new = make_case(engine, profile, 2, clock())
    urgent = make_case(engine, profile, 3, clock(), urgent=True)
    listing = Person(router, user="cme-officer").say("/cme cases")[0]
    assert [label.split()[0] for label, _ in listing.facts] == [urgent, calm_old, calm_new]
    assert "flags: URGENT" in listing.facts[0][1]
    assert "next: Ring every contact and emergency number, OVERDUE" in listing.facts[1][1]
    assert listing.buttons[0].value == f"/cme case {urgent}" and listing.buttons[0].action_id is ActionId.OPEN_CASE
    assert len(events(engine, "cases.listed")) == 1


def test_a_new_referral_gets_the_plan_and_the_case_view_shows_it_and_records_the_viewing(router, engine):
    reference = raise_case(router)
    replies = Person(router, user="cme-officer").say(f"/cme case {reference}")
    summary, details, plan, timeline, actions = replies
    assert summary.title == f"Case {reference}"
    # The reporter by the name they gave and where they raised it, not their chat id
    raised = dict(summary.facts)["Raised"]
    assert raised.endswith("by Alice Teacher (terminal)") and "alice" not in raised
    assert ("First name(s)", "Zephyrine") in details.facts
    assert plan.facts[0] == ("1. Ring every contact and emergency number [phone-contacts]", "due Fri 27 Nov 2026")
    assert len(plan.facts) == 9
    assert [b.value for b in plan.buttons[:2]] == [
        f"/cme done {reference} phone-contacts",
        f"/cme snooze {reference} phone-contacts",
    ]
    assert [f[1].split(" by ")[0] for f in timeline.facts] == ["case.created", "case.viewed"]
    labels = {b.label for b in actions.buttons}
    assert labels == {"Assign to me", "Assign to…", "Add a note", "Ask the reporter", "Close"}
    (viewed,) = events(engine, "case.viewed")
    assert viewed.actor == "terminal:local:cme-officer" and viewed.case_id is not None


def test_done_and_snooze_from_buttons(router, engine, clock):
    reference = raise_case(router)
    done = press(router, "cme-officer", ActionId.STEP_DONE, f"/cme done {reference} phone-contacts")
    assert done[0].kind is ReplyKind.CONFIRMATION
    assert done[1].facts[0][1].startswith("done 26 Nov by cme-officer")
    asked = press(router, "cme-officer", ActionId.STEP_SNOOZE, f"/cme snooze {reference} home-visit")
    assert asked[-1].question.field_id == "until"  # the short form asks what the button could not say
    Person(router, user="cme-officer").say("cancel")
    snoozed = Person(router, user="cme-officer").say(f"/cme snooze {reference} home-visit 14/12/2026 family away")
    assert "now due Mon 14 Dec 2026" in snoozed[0].text
    with Session(engine) as session:
        step = session.exec(select(EnquiryStep).where(EnquiryStep.step_id == "home-visit")).one()
        assert (step.state, step.due_on, step.snoozed_until) == (
            "snoozed",
            dt.date(2026, 12, 14),
            dt.date(2026, 12, 14),
        )
    (event,) = events(engine, "step.snoozed")
    assert event.reason == "family away" and event.detail["was_due"] == "2026-12-03"
    again = press(router, "cme-officer", ActionId.STEP_DONE, f"/cme done {reference} phone-contacts")
    assert again[0].kind is ReplyKind.ERROR and "already done" in again[0].text


def test_not_possible_needs_a_reason_and_snooze_needs_a_later_date(router):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    assert officer.say(f"/cme notpossible {reference} home-visit")[-1].text.startswith("Why was it not possible")
    officer.say("cancel")
    assert officer.say(f"/cme notpossible {reference} 6 no address known")[0].kind is ReplyKind.CONFIRMATION
    past = officer.say(f"/cme snooze {reference} letter 01/11/2026 later")[0]
    assert past.kind is ReplyKind.ERROR and "after today" in past.text
    unknown = officer.say(f"/cme done {reference} tea")[0]
    assert unknown.kind is ReplyKind.ERROR and "phone-contacts" in unknown.text


def test_close_tells_the_reporter_the_outcome_only_and_reopen_brings_the_steps_back(router, engine, clock):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    choose = officer.say(f"/cme close {reference}")[-1]
    assert choose.question.field_id == "outcome" and "Found: on roll elsewhere" in choose.text
    officer.say("cancel")
    refused = officer.say(f"/cme close {reference} whereabouts_unknown")[0]
    assert refused.kind is ReplyKind.ERROR and "still waiting" in refused.text
    pressed = press(
        router, "cme-officer", ActionId.CASE_CLOSE, f"/cme close {reference} found_on_roll_elsewhere Elm Academy"
    )
    assert "are not done" in pressed[0].text  # listed, and confirmed with a reason before it closes
    assert officer.say("enrolled at Elm Academy on Monday")[-1].kind is ReplyKind.REVIEW
    closed = officer.say("submit")
    assert closed[0].kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        (told,) = session.exec(select(Outbox).where(Outbox.kind == "case.outcome")).all()
    assert told.recipient["conversation_id"] == "dm:alice"
    assert "The child has been found and is in education." in told.text
    assert "Elm" not in told.text and "Zephyrine" not in told.text
    status = Person(router, user="alice").say(f"/cme status {reference}")[0]
    assert ("Outcome", "The child has been found and is in education.") in status.facts
    assert officer.say(f"/cme done {reference} letter")[0].kind is ReplyKind.ERROR
    clock.advance(days=7)
    reopened = officer.say(f"/cme reopen {reference} family back in Bury")[0]
    assert "9 enquiry step(s) are due afresh" in reopened.text
    plan = officer.say(f"/cme case {reference}")[2]
    assert plan.facts[0][1] == "due Fri 4 Dec 2026"


def test_assign_to_another_officer_tells_them_and_refuses_a_non_officer(router, engine):
    reference = raise_case(router)
    manager = Person(router, user="cme-manager")
    assert "isn't a CME officer" in manager.say(f"/cme assign {reference} alice")[0].text
    assert manager.say(f"/cme assign {reference} cme-officer")[0].kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        (told,) = session.exec(select(Outbox).where(Outbox.kind == "case.assigned")).all()
    assert case.assigned_to == "terminal:local:cme-officer"
    assert told.recipient["conversation_id"] == "dm:cme-officer" and reference in told.text
    (event,) = events(engine, "case.assigned")
    assert event.detail == {"before": None, "after": "terminal:local:cme-officer"}


def test_notes_show_in_the_timeline_but_not_in_the_audit_row(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    assert officer.say(f"/cme note {reference}")[-1].question.field_id == "text"
    officer.say("cancel")
    officer.say(f"/cme note {reference} grandmother says they went to Leeds")
    timeline = officer.say(f"/cme case {reference}")[3]
    assert any("grandmother says they went to Leeds" in value for _, value in timeline.facts)
    (event,) = events(engine, "case.note")
    assert event.reason is None and "Leeds" not in str(event.detail)


def test_a_reporter_cannot_run_any_officer_command_and_each_attempt_is_recorded(router, engine, caplog):
    reference = raise_case(router)
    alice = Person(router, user="alice")
    with caplog.at_level(logging.DEBUG):
        for name in OFFICER_COMMANDS:
            reply = alice.say(f"/cme {name} {reference} phone-contacts Zephyrine")[0]
            assert reply.kind is ReplyKind.ERROR and "CME officer and their manager only" in reply.text
        pressed = press(router, "alice", ActionId.STEP_DONE, f"/cme done {reference} phone-contacts")
    assert pressed[0].kind is ReplyKind.ERROR
    refused = events(engine, "permission.refused")
    assert len(refused) == len(OFFICER_COMMANDS) + 1
    assert all(e.case_id is None and e.actor == "terminal:local:alice" for e in refused)
    assert {e.detail["command"] for e in refused} == set(OFFICER_COMMANDS)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "refused staff command" in logged and "Zephyrine" not in logged and reference not in logged
    with Session(engine) as session:
        step = session.exec(select(EnquiryStep).where(EnquiryStep.step_id == "phone-contacts")).one()
    assert step.state == "open"
    help_lines = [label for label, _ in alice.say("/cme help")[0].facts]
    assert "/cme cases" not in help_lines


def test_case_details_name_the_referrer_in_the_third_person(router):
    from tests.support import CALM_REFERRAL, Person

    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    reference = alice.say("submit")[-1].data["reference"]
    details = next(
        r for r in Person(router, user="cme-officer").say(f"/cme case {reference}") if "Details" in (r.title or "")
    )
    labels = [label for label, _ in details.facts]
    assert "Referrer's name" in labels and not any(label.startswith("Your ") for label in labels)
