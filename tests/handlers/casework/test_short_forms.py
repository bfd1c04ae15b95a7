"""The officer's short forms: started by a button or a command without details, in a chat or as a whole form."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.messages import Action, ActionId, Address, Channel, Identity, Inbound, ReplyKind, Role
from storage.db import unit_of_work
from storage.models import Case, CaseNote, EnquiryStep, Outbox
from tests.handlers.casework.test_cases import events, make_case, press, raise_case
from tests.handlers.casework.test_child_intake import confirmed
from tests.support import Person

OFFICER = Identity(Channel.TERMINAL, "cme-officer", "local")


def card_press(router, value: str, action: ActionId, who: Identity = OFFICER):
    """A button pressed where forms can be shown (a Slack modal, a Teams card)."""
    where = Address(who.channel, f"dm:{who.user_id}", who.user_id)
    return router.handle(Inbound(who, where, action=Action(action, value), wants_form=True))


def submit(router, form, values: dict, who: Identity = OFFICER):
    """Submit a whole-form page with `values`."""
    where = Address(who.channel, f"dm:{who.user_id}", who.user_id)
    data = {"_draft": form.draft_id, "_section": form.section_id, **values}
    return router.handle(Inbound(who, where, form_id=form.form_id, form_values=data))


def step(engine, step_id: str) -> EnquiryStep:
    with Session(engine) as session:
        return session.exec(select(EnquiryStep).where(EnquiryStep.step_id == step_id)).one()


def test_snooze_button_in_a_chat_asks_the_date_and_reason_not_the_case_or_step(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    asked = press(router, "cme-officer", ActionId.STEP_SNOOZE, f"/cme snooze {reference} home-visit")
    assert asked[0].title == f"Snooze a step: {reference}" and "Home visit" in asked[0].text
    assert asked[-1].question.field_id == "until"
    past = officer.say("20/11/2026")
    assert past[0].kind is ReplyKind.ERROR and "after today" in past[0].text
    assert officer.say("14/12/2026")[-1].question.field_id == "reason"
    done = officer.say("family away until mid December")
    assert done[0].kind is ReplyKind.CONFIRMATION and "now due Mon 14 Dec 2026" in done[0].text
    assert (step(engine, "home-visit").state, step(engine, "home-visit").due_on) == ("snoozed", dt.date(2026, 12, 14))
    (event,) = events(engine, "step.snoozed")
    assert event.actor == "terminal:local:cme-officer" and event.reason == "family away until mid December"
    assert officer.say("/cme help")[0].kind is ReplyKind.HELP  # the form is over: no draft left behind


def test_typed_command_without_a_step_asks_for_it_first(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    assert officer.say(f"/cme notpossible {reference}")[-1].question.field_id == "step"
    assert officer.say("6")[-1].question.field_id == "reason"
    assert officer.say("no address known")[0].kind is ReplyKind.CONFIRMATION
    assert step(engine, "home-visit").state == "not_possible"
    (event,) = events(engine, "step.not_possible")
    assert event.reason == "no address known" and event.detail == {"step": "home-visit"}


def test_snooze_as_a_whole_form_shows_only_date_and_reason_and_checks_them(router, engine):
    reference = raise_case(router)
    opened = card_press(router, f"/cme snooze {reference} letter", ActionId.STEP_SNOOZE)
    page = opened[-1].form
    assert opened[-1].kind is ReplyKind.FORM and page.form_id == "case_snooze_step"
    spec = router.flows[page.form_id].spec
    assert [f.id for f in spec.fields] == ["until", "reason"]  # the case and step ride in the draft
    wrong = submit(router, page, {"until": "2026-11-25", "reason": ""})
    assert set(wrong[0].form.errors) == {"until", "reason"} and step(engine, "letter").state == "open"
    done = submit(router, page, {"until": "2026-12-10", "reason": "letter returned, trying again"})
    assert done[0].kind is ReplyKind.CONFIRMATION and step(engine, "letter").due_on == dt.date(2026, 12, 10)
    again = submit(router, page, {"until": "2026-12-11", "reason": "double click"})
    assert again[0].kind is ReplyKind.INFO and "sent already" in again[0].text
    assert len(events(engine, "step.snoozed")) == 1 and step(engine, "letter").due_on == dt.date(2026, 12, 10)


def test_close_as_a_whole_form_offers_the_profiles_outcomes_and_tells_the_reporter_privately(router, engine, profile):
    reference = raise_case(router)
    opened = card_press(router, f"/cme close {reference}", ActionId.CASE_CLOSE)
    page = opened[-1].form
    outcome = router.flows[page.form_id].spec.field("outcome")
    assert [c.value for c in outcome.choices] == list(profile.closure_messages)
    assert "9 enquiry step(s)" in opened[0].text and "Close it anyway?" in opened[0].text  # listed on the card
    closed = submit(router, page, {"outcome": "moved_abroad", "early": "grandmother confirmed Spain"})
    assert closed[0].kind is ReplyKind.CONFIRMATION and "Moved abroad" in closed[0].text
    with Session(engine) as session:
        (told,) = session.exec(select(Outbox).where(Outbox.kind == "case.outcome")).all()
        assert session.exec(select(Case)).one().state == "closed"
    assert told.recipient["conversation_id"] == "dm:alice" and "Spain" not in told.text
    (event,) = events(engine, "case.closed")
    assert event.reason == "grandmother confirmed Spain" and event.detail["outcome"] == "moved_abroad"


def test_note_assign_and_reopen_forms_in_a_chat(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    press(router, "cme-officer", ActionId.CASE_NOTE, f"/cme note {reference}")
    assert officer.say("neighbour saw a removal van")[0].kind is ReplyKind.CONFIRMATION
    press(router, "cme-officer", ActionId.CASE_ASSIGN, f"/cme assign {reference}")
    refused = officer.say("alice")
    assert refused[0].kind is ReplyKind.ERROR and "isn't a CME officer" in refused[0].text
    assert officer.say("cme-manager")[0].text == f"{reference} is now assigned to cme-manager."
    confirmed(officer, officer.say(f"/cme close {reference} moved_abroad"))
    asked = press(router, "cme-officer", ActionId.CASE_REOPEN, f"/cme reopen {reference}")
    assert asked[-1].question.field_id == "reason"
    assert "due afresh" in officer.say("family came back")[0].text
    with Session(engine) as session:
        assert session.exec(select(CaseNote)).first().text == "neighbour saw a removal van"
        assert session.exec(select(Case)).one().assigned_to == "terminal:local:cme-manager"
    assert events(engine, "case.reopened")[0].reason == "family came back"


def test_only_staff_may_submit_and_the_role_is_checked_again_at_submit(router, core, engine):
    reference = raise_case(router)
    alice = Identity(Channel.TERMINAL, "alice", "local")
    page = card_press(router, f"/cme close {reference}", ActionId.CASE_CLOSE).pop().form
    forged = submit(router, page, {"outcome": "not_cme", "early": "no concern"}, who=alice)
    # Another person's page: refused as not theirs (drafts belong to their person, issue 20) before any role check.
    assert forged[0].kind is ReplyKind.ERROR and "nothing was sent" in forged[0].text
    core.role_overrides = {OFFICER.key: Role.REPORTER}  # taken off the officers' list mid-form
    late = submit(router, page, {"outcome": "not_cme", "early": "no concern"})
    assert late[0].kind is ReplyKind.ERROR
    refused = events(engine, "permission.refused")
    assert [e.detail["form"] for e in refused] == ["case_close_early", "case_close_early"]  # steps not done
    assert all(e.case_id is None and reference not in str(e.detail) for e in refused)
    with Session(engine) as session:
        assert session.exec(select(Case)).one().state == "open"


def test_a_short_form_does_not_replace_a_referral_in_progress(router):
    officer = Person(router, user="cme-officer")
    officer.say("/cme report")
    reference = raise_case(router)
    busy = officer.say(f"/cme note {reference}")[0]
    assert busy.kind is ReplyKind.QUESTION and "form in progress" in busy.text  # asked, nothing replaced
    assert officer.say("no")[0].kind is not ReplyKind.ERROR  # the referral carries on


def test_a_step_already_done_or_a_closed_case_refuses_before_asking(router):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme done {reference} letter")
    done = press(router, "cme-officer", ActionId.STEP_SNOOZE, f"/cme snooze {reference} letter")
    assert done[0].kind is ReplyKind.ERROR and "already done" in done[0].text
    confirmed(officer, officer.say(f"/cme close {reference} not_cme"))
    closed = officer.say(f"/cme snooze {reference}")[0]
    assert closed.kind is ReplyKind.ERROR and "Reopen it first" in closed.text


def test_the_closure_goes_to_the_reporters_private_chat_whatever_address_was_stored(router, engine, profile, clock):
    slack = make_case(engine, profile, 1, clock())
    teams = make_case(engine, profile, 2, clock())
    stored = {
        slack: ("slack:T1:U123", {"channel": "slack", "conversation_id": "C0SHARED", "user_id": "U123"}),
        teams: (
            "teams:tenant-1:aad-sam",
            {"channel": "teams", "conversation_id": "19:x@thread", "extra": {"conversation_type": "channel"}},
        ),
    }
    with unit_of_work(engine) as session:
        for case in session.exec(select(Case)).all():
            case.reporter_key, case.reporter_address = stored[case.reference]
            session.add(case)
    officer = Person(router, user="cme-officer")
    confirmed(officer, officer.say(f"/cme close {slack} not_cme"))
    confirmed(officer, officer.say(f"/cme close {teams} not_cme"))
    with Session(engine) as session:
        told = {row.payload["reference"]: row.recipient for row in session.exec(select(Outbox)).all()}
    assert (told[slack]["channel"], told[slack]["conversation_id"]) == ("slack", "U123")
    assert told[teams]["conversation_id"] == "user:teams:tenant-1:aad-sam"
    assert told[teams]["extra"]["user_key"] == "teams:tenant-1:aad-sam"
