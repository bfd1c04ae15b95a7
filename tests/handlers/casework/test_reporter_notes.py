"""A reporter adds to a concern they raised (/cme add, its form), as they and the officer see it (both backends)."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.messages import Action, ActionId, Address, Channel, Identity, Inbound, ReplyKind
from storage.models import AuditEvent, Case, CaseNote, Outbox
from tests.handlers.casework.test_child_intake import AVA, close, officer_alerts, refer, view
from tests.handlers.test_faults import _Outage, _outage_router
from tests.support import Person

OFFICER = "cme-officer"
SEEN = "Seen at the park on Saturday"


def notes(engine) -> list[CaseNote]:
    with Session(engine) as session:
        return list(session.exec(select(CaseNote)).all())


def audit_actions(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_an_addition_by_the_reporter_appears_on_the_officers_case_and_the_officer_is_told(router, engine):
    reference = refer(router, "alice", AVA)
    before = len(officer_alerts(engine))
    added = Person(router, user="alice").say(f"/cme add {reference} {SEEN}")[-1]
    assert added.kind is ReplyKind.CONFIRMATION
    assert added.text == f"Added to your concern {reference}. The CME officer has been told. Thank you."
    shown = view(router, reference)
    assert "The reporter" in shown, "the case view has the reporter's part"
    assert [words for _, words in shown["The reporter"].facts] == [SEEN]
    assert shown["The reporter"].facts[0][0].startswith("Added 26 Nov 10:00 by the reporter")
    assert any(SEEN in words for _, words in shown["Timeline"].facts)
    [told] = officer_alerts(engine)[before:]
    assert told.kind == "reporter.note"
    assert told.text == f"The reporter added to {reference}. Open it: /cme case {reference}"
    assert "park" not in told.text and told.payload["reference"] == reference
    [event] = audit_actions(engine, "reporter.note")
    assert event.actor == "terminal:local:alice" and event.detail["via"] == reference
    assert event.detail["note_id"] == notes(engine)[0].id


def test_nobody_else_can_add_and_cannot_learn_that_the_case_exists(router, engine):
    reference = refer(router, "alice", AVA)
    bob = Person(router, user="bob")
    theirs = bob.say(f"/cme add {reference} I know this child too")[-1]
    missing = bob.say("/cme add CME-2026-0999 I know this child too")[-1]
    assert theirs.kind is ReplyKind.ERROR and f"I can't find a concern {reference} that you raised" in theirs.text
    assert theirs.text.replace(reference, "REF") == missing.text.replace("CME-2026-0999", "REF")
    officer = Person(router, user=OFFICER).say(f"/cme add {reference} a note")[-1]
    assert officer.kind is ReplyKind.ERROR and "/cme note" in officer.text
    assert notes(engine) == [] and audit_actions(engine, "reporter.note") == []


def test_without_text_a_form_asks_for_it_and_then_adds_it(router, engine):
    reference = refer(router, "alice", AVA)
    alice = Person(router, user="alice")
    asked = alice.say(f"/cme add {reference}")
    assert asked[0].title == f"Add to your concern: {reference}"
    assert asked[-1].question.field_id == "text"
    done = alice.say(SEEN)[-1]
    assert done.kind is ReplyKind.CONFIRMATION and reference in done.text
    assert [note.text for note in notes(engine)] == [SEEN]


def test_the_button_opens_the_same_form_as_a_whole_form_where_a_channel_shows_one(router, engine):
    reference = refer(router, "alice", AVA)
    who = Identity(Channel.TEAMS, "alice", "tenant")
    with Session(engine) as session:  # the case was raised in the terminal: make it Alice's Teams one
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.reporter_key = who.key
        session.add(case)
        session.commit()
    where = Address(Channel.TEAMS, "a:alice", "alice")
    press = Action(ActionId.REPORTER_ADD, f"/cme add {reference}")
    page = router.handle(Inbound(who, where, action=press, wants_form=True))[-1].form
    assert page is not None and page.form_id == "reporter_add"
    values = {"_draft": page.draft_id, "_section": page.section_id, "text": SEEN}
    sent = router.handle(Inbound(who, where, form_id=page.form_id, form_values=values))
    assert sent[-1].kind is ReplyKind.CONFIRMATION
    again = router.handle(Inbound(who, where, form_id=page.form_id, form_values=values))  # a double click
    assert again[-1].kind is not ReplyKind.CONFIRMATION and len(notes(engine)) == 1


def test_bad_text_gets_a_clear_reply_and_nothing_is_stored(router, engine):
    reference = refer(router, "alice", AVA)
    alice = Person(router, user="alice")
    long = alice.say(f"/cme add {reference} {'x' * 20_000}")[-1]
    assert long.kind is ReplyKind.ERROR and "20,000 characters" in long.text and "3,000" in long.text
    hidden = alice.say(f"/cme add {reference} seen\x07 today")[-1]
    assert hidden.kind is ReplyKind.ERROR and "control character" in hidden.text
    nowhere = alice.say("/cme add seen at the park")[-1]
    assert nowhere.kind is ReplyKind.ERROR and "Which concern?" in nowhere.text
    assert notes(engine) == [] and len(officer_alerts(engine)) == 1  # only the new-case alert


def test_a_closed_case_takes_nothing_and_says_who_to_contact(router, engine):
    reference = refer(router, "alice", AVA)
    close(router, reference)
    refused = Person(router, user="alice").say(f"/cme add {reference} {SEEN}")[-1]
    assert refused.kind is ReplyKind.ERROR and f"{reference} is closed, so nothing was added" in refused.text
    assert "/cme contacts" in refused.text and "/cme report" in refused.text
    assert [note.author for note in notes(engine)] == ["terminal:local:cme-officer"]  # the closing's own, no more


def test_a_merged_reference_adds_to_the_case_that_stands_and_the_reporter_hears_only_their_own(router, engine):
    first = refer(router, "alice", AVA)
    second = refer(router, "bob", AVA)  # the same child: merged into Alice's open case at intake
    added = Person(router, user="bob").say(f"/cme add {second} {SEEN}")[-1]
    assert added.kind is ReplyKind.CONFIRMATION and second in added.text and first not in added.text
    with Session(engine) as session:
        survivor = session.exec(select(Case).where(Case.reference == first)).one()
        [note] = session.exec(select(CaseNote)).all()
        assert note.case_id == survivor.id
    label, words = view(router, first)["The reporter"].facts[0]
    assert words == SEEN and f"({second})" in label
    assert officer_alerts(engine)[-1].text.startswith(f"The reporter added to {first}")


def test_the_database_down_says_plainly_that_nothing_was_kept_and_sending_again_works(db_url, profile, clock):
    engine, router = _outage_router(db_url, profile, clock)
    reference = refer(router, "alice", AVA)
    alice = Person(router, user="alice")
    with _Outage(db_url, engine):
        failed = alice.say(f"/cme add {reference} {SEEN}")[-1]
    assert failed.kind is ReplyKind.ERROR and "has NOT been saved" in failed.text and "0161 253 7670" in failed.text
    assert notes(engine) == []
    assert alice.say(f"/cme add {reference} {SEEN}")[-1].kind is ReplyKind.CONFIRMATION
    assert [note.text for note in notes(engine)] == [SEEN]
    engine.dispose()


def test_the_confirmation_offers_the_ways_to_add_later(router):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(AVA)
    confirmation = alice.say("submit")[-1]
    reference = confirmation.data["reference"]
    assert f"/cme add {reference}" in confirmation.text
    assert [(b.label, b.value, b.action_id) for b in confirmation.buttons] == [
        ("Add to this concern", f"/cme add {reference}", ActionId.REPORTER_ADD)
    ]
    assert confirmation.data["thread"] == {"reference": reference, "follow_up": None}


def test_outbox_rows_for_officers_never_carry_the_words(router, engine):
    reference = refer(router, "alice", AVA)
    Person(router, user="alice").say(f"/cme add {reference} Ava Testchild was at 12 Elm Street")
    with Session(engine) as session:
        texts = [row.text for row in session.exec(select(Outbox)).all()]
    assert not any("Elm" in text or "Testchild" in text for text in texts)
