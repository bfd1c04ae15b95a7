"""A quick report's reporter answers the detail questions later (/cme details), as they and the officer see it.

Both databases (CME_REQUIRE_POSTGRES=1 for PostgreSQL). The answers go in a second Report row; the referral's own
row stays as it was sent; the officer's case view merges them and its "Still missing" line shrinks.
"""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.casework.reporter_details import answers_so_far
from handlers.messages import Action, ActionId, Address, Channel, Identity, Inbound, ReplyKind
from storage.models import DETAILS_FORM, AuditEvent, Case, EnquiryStep, Outbox, Report
from tests.handlers.casework.test_child_intake import AVA, OFFICER, close, officer_alerts, refer, view
from tests.support import QUICK_REFERRAL, Person

# The detail questions as a reporter answers them later (everything else: skip).
LATER = {
    "harm_indicators": "none",
    "missing_from_home": "no",
    "awaiting_place": "no",
    "other_provision": "no",
    "child_gender": "girl",
    "parent_names": "Orla Quillfeather",
    "reason": "Didn't take up an allocated school place",
    "destination_known": "no",
    "referrer_role": "Class teacher",
    "referrer_agency": "Elm Street Primary",
}

# A reg9 deletion: its ground is asked only then (the form's `when` sees the reason given in the same form).
LATER_REG9 = {**LATER, "reason": "Taken off a school roll (regulation 9 deletion)", "reg9_ground": "i"}


def quick(router, user: str = "alice", answers: dict | None = None) -> str:
    """`user` sends the essentials with "Send now"; their reference."""
    person = Person(router, user=user, name=f"{user.title()} Teacher")
    person.say("/cme report")
    replies = person.fill({**QUICK_REFERRAL, **(answers or {})})
    assert replies[-1].kind is ReplyKind.CONFIRMATION, replies[-1].text
    return replies[-1].data["reference"]


def facts(router, reference: str, title: str = "Details from the referral") -> dict[str, str]:
    return dict(view(router, reference)[title].facts)


def rows(engine, model, **where) -> list:
    with Session(engine) as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query.order_by(model.id)).all())


def the_case(engine, reference: str) -> Case:
    [case] = rows(engine, Case, reference=reference)
    return case


def test_details_added_later_show_on_the_case_and_still_missing_shrinks(router, engine):
    reference = quick(router)
    before = facts(router, reference)
    assert "Parents and carers" in before["Still missing (sent as a quick report)"]
    alice = Person(router, user="alice")
    opened = alice.say(f"/cme details {reference}")
    assert opened[0].title == f"Add more detail: {reference}"
    assert "questions your concern doesn't answer yet, about" in opened[0].text
    assert opened[-1].question.field_id == "harm_indicators"  # harm first, as in the referral
    assert opened[-1].title == "Safety · question 1 of about 29"  # the detail part's questions, none of the quick
    review = alice.fill(LATER_REG9)
    assert review[-1].kind is ReplyKind.REVIEW
    labels = [label for label, _ in review[-1].facts]
    assert not any("First name" in label or "What worries" in label for label in labels)  # only what is new
    sent = alice.say("submit")[-1]
    assert sent.kind is ReplyKind.CONFIRMATION
    assert sent.text.startswith(f"Added 11 details to {reference}. The CME officer has been told.")
    after = facts(router, reference)
    assert after["Parents or carers (added 26 Nov)"] == "Orla Quillfeather"
    assert after["Gender (added 26 Nov)"] == "Female"
    assert after["Regulation 9 ground (added 26 Nov)"] == "Ground (i)"
    assert after["First name(s)"] == "Zephyrine"  # the referral's own answers are all still there
    assert "Parents and carers" not in after.get("Still missing (sent as a quick report)", "")
    assert "UPN" in after["Not known to the reporter"]  # skipped: not asked of the reporter again
    [referral, details] = rows(engine, Report)
    assert "parent_names" not in referral.answers and referral.answers["next_step"] == "send"  # kept as sent
    assert details.form_id == DETAILS_FORM and details.answers["_report"] == referral.id


def test_the_dfe_fields_unknown_are_filled_and_the_officer_is_told_by_reference(router, engine):
    reference = quick(router)
    assert the_case(engine, reference).sex is None and the_case(engine, reference).cme_reason is None
    alerts = len(officer_alerts(engine))
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    alice.fill(LATER)
    alice.say("submit")
    case = the_case(engine, reference)
    assert case.sex == "female" and case.cme_reason is not None
    [told] = officer_alerts(engine)[alerts:]
    assert told.kind == "reporter.details" and told.text == f"The reporter added 10 details to {reference}. Open it: " \
        f"/cme case {reference}"  # fmt: skip
    assert "Orla" not in told.text and "Quillfeather" not in str(told.payload)
    [event] = rows(engine, AuditEvent, action="reporter.details")
    assert event.actor == "terminal:local:alice" and "parent_names" in event.detail["fields"]
    assert "Orla" not in str(event.detail) and set(event.detail["statistics"]) == {"sex", "cme_reason"}


def test_an_officers_setting_is_never_overwritten(router, engine):
    reference = quick(router)
    officer = Person(router, user=OFFICER)
    assert officer.say(f"/cme set {reference} sex not known because the school says so")[-1].kind is (
        ReplyKind.CONFIRMATION
    )
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    alice.fill(LATER)
    alice.say("submit")
    case = the_case(engine, reference)
    assert case.sex == "not-known" or case.sex is None  # as the officer set it
    assert case.cme_reason is not None  # the reason no officer had set is filled


def test_the_missing_details_step_names_what_is_left_and_stays_for_the_officer(router, engine):
    reference = quick(router)
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    alice.fill(LATER)
    alice.say("submit")
    [step] = rows(engine, EnquiryStep, step_id="missing-details")
    assert step.state == "open" and "nothing now" in step.title  # every part answered or skipped: left to the officer
    plan = dict(view(router, reference)["Enquiry plan"].facts)
    assert any(label.startswith("1. Ask the reporter for the details still missing") for label in plan)


def test_the_reporters_status_names_the_command_while_questions_are_open(router, engine):
    reference = quick(router)
    alice = Person(router, user="alice")
    shown = dict(alice.say(f"/cme status {reference}")[-1].facts)
    assert shown["More detail"] == f"24 questions not answered yet: type /cme details {reference}"
    alice.say(f"/cme details {reference}")
    alice.fill(LATER)
    alice.say("submit")
    assert "More detail" not in dict(alice.say(f"/cme status {reference}")[-1].facts)


def test_everything_answered_says_nothing_is_missing(router, engine):
    reference = refer(router, "alice", AVA)  # the whole form: nothing left to ask
    said = Person(router, user="alice").say(f"/cme details {reference}")[-1]
    assert said.text.startswith(f"Nothing is missing from {reference}") and f"/cme add {reference}" in said.text
    quick_ref = quick(router, "bob")
    bob = Person(router, user="bob")
    bob.say(f"/cme details {quick_ref}")
    needed = ("harm_indicators", "missing_from_home", "awaiting_place", "other_provision", "reason",
              "destination_known", "referrer_role", "referrer_agency")  # fmt: skip
    bob.fill({field: LATER[field] for field in needed})
    bob.say("submit")
    again = bob.say(f"/cme details {quick_ref}")[-1]
    assert again.text.startswith(f"Nothing is missing from {quick_ref}")


def test_someone_elses_unknown_closed_and_merged_references(router, engine):
    reference = quick(router)
    bob = Person(router, user="bob")
    theirs = bob.say(f"/cme details {reference}")[-1]
    unknown = bob.say("/cme details CME-2026-0999")[-1]
    assert theirs.kind is ReplyKind.ERROR and f"I can't find a concern {reference} that you raised" in theirs.text
    assert theirs.text.replace(reference, "REF") == unknown.text.replace("CME-2026-0999", "REF")
    assert bob.say("/cme details")[-1].text.startswith("Which concern?")
    second = quick(router, "carol")  # the same child: merged into Alice's open case at intake
    carol = Person(router, user="carol")
    carol.say(f"/cme details {second}")
    carol.fill(LATER)
    done = carol.say("submit")[-1]
    assert done.kind is ReplyKind.CONFIRMATION and second in done.text and reference not in done.text
    survivor = the_case(engine, reference)
    assert [r.case_id for r in rows(engine, Report, form_id=DETAILS_FORM)] == [survivor.id]
    later = [title for title in view(router, reference) if title.startswith("Details from a later referral")]
    assert later and any("(added" in label for label, _ in view(router, reference)[later[0]].facts)
    assert "Parents and carers" in facts(router, reference)["Still missing (sent as a quick report)"]  # Alice's
    close(router, reference)
    shut = Person(router, user="alice").say(f"/cme details {reference}")[-1]
    assert shut.kind is ReplyKind.ERROR and f"{reference} is closed" in shut.text


def test_the_case_closing_mid_form_deletes_the_answers_and_adds_nothing(router, engine):
    reference = quick(router)
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    alice.fill(LATER)
    close(router, reference)
    refused = alice.say("submit")[-1]
    assert refused.kind is ReplyKind.ERROR and "is closed" in refused.text and "deleted" in refused.text
    assert rows(engine, Report, form_id=DETAILS_FORM) == []
    assert "no form in progress" in alice.say("/cme resume")[-1].text


def test_exit_keeps_the_draft_and_help_back_skip_work(router, engine):
    reference = quick(router)
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    alice.say("none")
    helped = alice.say("help")
    assert helped[-1].question.field_id == "missing_from_home"
    back = alice.say("back")[-1]
    assert back.question.field_id == "harm_indicators" and "Going back" in back.text
    alice.say("none")
    left = alice.say("exit")[-1]
    assert "nothing has been sent" in left.text and "kept for 72 hours" in left.text
    assert alice.say(f"/cme details {reference}")[-1].question.field_id == "missing_from_home"  # where it was
    assert rows(engine, Report, form_id=DETAILS_FORM) == []


def test_harm_told_later_makes_the_case_urgent_shows_the_signpost_and_alerts_at_once(router, engine):
    reference = quick(router)
    assert not the_case(engine, reference).urgent
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    flagged = alice.say("1")  # the first harm indicator
    assert any("MASH" in reply.text for reply in flagged)
    assert the_case(engine, reference).urgent  # at once, before the form is sent
    [alert] = rows(engine, Outbox, kind="reporter.harm")
    assert alert.urgent and alert.text.startswith(f"URGENT: the reporter of {reference} flagged harm")
    assert alice.last_question() == "mash_contacted"  # asked next, as in the referral
    alice.fill(LATER | {"harm_indicators": "1", "mash_contacted": "Not yet"})
    sent = alice.say("submit")[-1]
    assert "marked urgent" in sent.text
    assert len(rows(engine, Outbox, kind="reporter.harm")) == 1  # not twice
    [details] = rows(engine, Report, form_id=DETAILS_FORM)
    assert details.harm_flagged and details.mash_contacted == "not-yet" and details.signpost_shown_at is not None
    assert facts(router, reference)["Contacted MASH or police (added 26 Nov)"] == "Not yet"


def test_harm_ticked_on_the_page_shows_the_signpost_and_makes_the_case_urgent(router, engine):
    reference = quick(router)
    who, where = teams_reporter(engine, reference)
    press = Action(ActionId.REPORTER_DETAILS, f"/cme details {reference}")
    page = router.handle(Inbound(who, where, action=press, wants_form=True))[-1].form
    values = {"_draft": page.draft_id, "_section": page.section_id, "harm_indicators": "abuse-neglect"}
    shown = router.handle(Inbound(who, where, form_id=page.form_id, form_values=values))
    assert any("MASH" in reply.text for reply in shown) and shown[-1].form.section_id == "mash"
    assert the_case(engine, reference).urgent
    [alert] = rows(engine, Outbox, kind="reporter.harm")
    assert alert.text == f"URGENT: the reporter of {reference} flagged harm while adding details. The case is " \
        f"marked urgent and they were shown the MASH contacts. Open it now: /cme case {reference}"  # fmt: skip


def teams_reporter(engine, reference: str) -> tuple[Identity, Address]:
    """Make the case raised in the terminal Alice's Teams one; her identity and chat."""
    who = Identity(Channel.TEAMS, "alice", "tenant")
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.reporter_key = who.key
        session.add(case)
        session.commit()
    return who, Address(Channel.TEAMS, "a:alice", "alice")


def test_the_button_opens_a_whole_form_and_a_replay_adds_nothing_twice(router, engine):
    reference = quick(router)
    who, where = teams_reporter(engine, reference)
    press = Action(ActionId.REPORTER_DETAILS, f"/cme details {reference}")
    page = router.handle(Inbound(who, where, action=press, wants_form=True))[-1].form
    assert page is not None and page.form_id == DETAILS_FORM and page.section_id == "harm"
    sent = None
    pages = {"harm": {"harm_indicators": "none"}, "child-more": {"missing_from_home": "no", "child_gender": "male",
             "awaiting_place": "no", "other_provision": "no"},
             "reason": {"reason": "contact-failed", "destination_known": "no"},
             "referrer": {"referrer_role": "Teacher", "referrer_agency": "Elm"}}  # fmt: skip
    for _ in range(8):
        values = {"_draft": page.draft_id, "_section": page.section_id, **pages.get(page.section_id, {})}
        sent = router.handle(Inbound(who, where, form_id=page.form_id, form_values=values))
        if sent[-1].form is None:
            break
        page = sent[-1].form
    assert sent[-1].kind is ReplyKind.CONFIRMATION, sent[-1].text
    again = router.handle(Inbound(who, where, form_id=page.form_id, form_values=values))  # a double click
    assert again[-1].kind is not ReplyKind.CONFIRMATION and "added already" in again[-1].text
    assert len(rows(engine, Report, form_id=DETAILS_FORM)) == 1
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert answers_so_far(session, case, case)["child_gender"] == "male"


def test_the_quick_confirmation_offers_more_detail_and_names_the_command(router):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    sent = alice.fill(QUICK_REFERRAL)[-1]
    reference = sent.data["reference"]
    assert f"type /cme details {reference} (about " in sent.text
    first = sent.buttons[0]
    assert first.value == f"/cme details {reference}" and first.action_id is ActionId.REPORTER_DETAILS
    assert first.label.startswith("Add more detail (about ") and first.label.endswith(" minutes)")
    full = refer(router, "bob", AVA)
    [_, whole] = [r for r in Person(router, user="bob").heard if r.kind is ReplyKind.CONFIRMATION] or [None, None]
    assert whole is None or all(b.action_id is not ActionId.REPORTER_DETAILS for b in whole.buttons), full


def test_a_split_takes_the_details_back_with_the_referral_they_complete(router, engine):
    first = quick(router)
    second = quick(router, "carol")  # the same child: joined to Alice's open case at intake
    carol = Person(router, user="carol")
    carol.say(f"/cme details {second}")
    carol.fill(LATER)
    assert carol.say("submit")[-1].kind is ReplyKind.CONFIRMATION
    said = Person(router, user=OFFICER).say(f"/cme split {second} they are cousins")[-1]
    assert said.kind is ReplyKind.CONFIRMATION, said.text
    [details] = rows(engine, Report, form_id=DETAILS_FORM)
    assert details.case_id == the_case(engine, second).id  # back with Carol's referral, not left on Alice's case
    assert "Parents and carers" in facts(router, first)["Still missing (sent as a quick report)"]
    assert facts(router, second)["Parents or carers (added 26 Nov)"] == "Orla Quillfeather"


def test_harm_told_in_the_reporters_own_words_later_makes_the_case_urgent_when_sent(router, engine):
    reference = quick(router)
    alice = Person(router, user="alice")
    alice.say(f"/cme details {reference}")
    heard = alice.fill(LATER, until="siblings")
    assert heard[-1].question.field_id == "siblings"
    told = alice.say("Her brother says their stepfather hits her and she is scared to go home")
    assert any("MASH" in reply.text for reply in told)  # the contacts at once, before the next question
    assert not the_case(engine, reference).urgent  # a word is not a yes: urgent once it is sent, as at intake
    alice.fill(LATER)
    sent = alice.say("submit")[-1]
    assert sent.kind is ReplyKind.CONFIRMATION and "marked urgent" in sent.text
    assert the_case(engine, reference).urgent
    [alert] = rows(engine, Outbox, kind="reporter.harm")
    assert alert.urgent and "stepfather" not in alert.text
    assert [event.detail["became_urgent"] for event in rows(engine, AuditEvent, action="reporter.details")] == [True]
