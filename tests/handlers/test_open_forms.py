"""Messages while a form is open: answered, never swallowed or crashed on, and no draft lost or misplaced."""

from __future__ import annotations

from handlers.messages import Action, ActionId, Address, Button, Channel, Identity, Inbound, Reply, ReplyKind
from tests.handlers.casework.test_cases import make_case
from tests.handlers.forms.test_whole_form import PAGES
from tests.support import CALM_REFERRAL, Person

SAM = Identity(Channel.SLACK, "U1", "T1", display_name="Sam Nurse", email="sam@nhs.example.uk")
DM = Address(Channel.SLACK, "D1", "U1")


def _send(router, identity=SAM, **kwargs) -> list[Reply]:
    return router.handle(Inbound(identity, DM, **kwargs))


def _press(router, button: Button, identity=SAM, *, wants_form: bool) -> list[Reply]:
    """Press a button the way a channel sends it back: its action and value."""
    return _send(router, identity, action=Action(button.action_id, button.value), wants_form=wants_form)


def _button(replies: list[Reply], label: str) -> Button:
    return next(b for r in replies for b in r.buttons if b.label == label)


def _text(replies: list[Reply]) -> str:
    return " ".join(r.text for r in replies)


def _first_page_sent(router):
    view = _send(router, text="/cme report", wants_form=True)[-1].form
    values = {"_draft": view.draft_id, "_section": view.section_id, **PAGES["danger"]}
    return _send(router, form_id=view.form_id, form_values=values)[-1].form


def test_a_chat_message_with_a_modal_form_open_gets_its_answer_and_a_way_back_to_the_form(router):
    reached = _first_page_sent(router)  # the modal moved on to page 2
    replies = _send(router, text="is home education CME?")
    assert ReplyKind.ERROR not in {r.kind for r in replies}
    assert replies[0].kind is ReplyKind.ANSWER  # the question's normal answer first
    assert "still open at page 2" in replies[-1].text
    reopened = _press(router, _button(replies, "Open the form"), wants_form=True)
    assert reopened[-1].form.section_id == reached.section_id
    assert reopened[-1].form.values == {k: v for k, v in reached.values.items()}


def test_report_again_with_a_modal_form_open_shows_the_page_reached_and_loses_nothing(router):
    reached = _first_page_sent(router)
    again = _send(router, text="/cme report", wants_form=True)
    assert again[-1].form.section_id == reached.section_id and again[-1].form.draft_id == reached.draft_id
    assert "already have a referral in progress" in again[0].text


def test_commands_typed_with_a_modal_form_open_are_run_and_the_form_offered_again(router):
    _first_page_sent(router)
    for text in ("/cme contacts", "contacts", "/cme help", "submit", "yes"):
        replies = _send(router, text=text)
        assert ReplyKind.ERROR not in {r.kind for r in replies}, text
        assert "still open" in replies[-1].text, text


def test_a_question_at_the_name_question_is_answered_and_the_name_asked_again(router):
    alice = Person(router)
    alice.say("/cme report")
    replies = alice.say("what counts as CME?")
    assert replies[0].kind is ReplyKind.ANSWER
    assert replies[-1].question.field_id == "immediate_danger" and "still open" in replies[-1].text
    alice.fill(CALM_REFERRAL)
    assert "what counts" not in _text([alice.heard[-1]]).lower()
    assert any(value == "Zephyrine" for _, value in alice.heard[-1].facts)


def test_a_command_mid_form_is_run_and_the_pending_question_asked_again(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="on_roll")
    for text in ("/cme contacts", "contacts", "/cme help"):
        replies = alice.say(text)
        assert replies[0].kind in (ReplyKind.INFO, ReplyKind.HELP, ReplyKind.ANSWER), text
        assert replies[-1].question.field_id == "on_roll", text
    assert alice.say("no")[-1].question.field_id != "on_roll"  # and the answer still lands in its field


def test_at_the_review_only_submit_sends(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    for word in ("yes", "y", "done", "send", "confirm"):
        replies = alice.say(word)
        assert "Type 'submit' to send it" in replies[0].text, word
        assert replies[-1].kind is ReplyKind.REVIEW
    huge = alice.say("change " + "9" * 5000)
    assert huge[0].kind is ReplyKind.ERROR and "'change' and a number from 1 to" in huge[0].text
    assert alice.say("submit")[-1].kind is ReplyKind.CONFIRMATION


def test_check_during_a_referral_asks_and_keep_for_later_brings_it_back_at_the_same_question(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="child_dob")
    (asked,) = alice.say("/cme check")
    assert asked.kind is ReplyKind.QUESTION and "answers so far" in asked.text
    assert [b.label for b in asked.buttons] == ["Carry on with it", "Keep it for later", "Discard it"]
    started = alice.say(_button([asked], "Keep it for later").value)
    assert "Kept for later" in started[0].text and started[-1].question.form_id == "cme-check"
    alice.say("cancel")  # the check is dropped; the kept referral is mentioned, not lost
    assert "/cme resume" in alice.heard[-1].text
    back = alice.say("/cme report")
    assert back[-1].question.field_id == "child_dob"
    assert alice.say("02/05/2014")[-1].question.field_id != "child_dob"


def test_discard_deletes_the_referral_only_when_asked(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (harm comes first)
    alice.say("Zephyrine")
    (asked,) = alice.say("/cme check")
    carry_on = alice.say(_button([asked], "Carry on with it").value)
    assert carry_on[-1].question.field_id == "child_surname"
    (asked,) = alice.say("/cme check")
    gone = alice.say(_button([asked], "Discard it").value)
    assert "Deleted your" in gone[0].text and gone[-1].question.form_id == "cme-check"
    assert "no form in progress or kept" not in _text(alice.say("/cme resume"))  # the check is the open form now


def test_an_officer_short_form_during_a_referral_asks_first(router, engine, profile, clock):
    reference = make_case(engine, profile, 1, clock())
    officer = Identity(Channel.TERMINAL, "cme-officer", "local")
    Person(router, user="cme-officer").say("/cme report")
    note = Button("Add a note", f"/cme note {reference}", ActionId.CASE_NOTE)
    (asked,) = _press(router, note, officer, wants_form=True)
    assert asked.kind is ReplyKind.QUESTION and "raise a concern (1 answer so far)" in asked.text
    opened = _press(router, _button([asked], "Keep it for later"), officer, wants_form=True)
    assert opened[-1].form is not None and opened[-1].form.form_id == "case_note"
    back = Person(router, user="cme-officer").say("/cme resume")  # the note form is open: it is shown first
    assert back[-1].kind is ReplyKind.INFO and "still open" in back[-1].text


def _kept_referral_gone_stale(router, clock) -> Person:
    """Alice keeps a referral for later (to run /cme check), then leaves it past the 72-hour idle limit."""
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (harm comes first)
    alice.say("Zephyrine")
    (asked,) = alice.say("/cme check")
    alice.say(_button([asked], "Keep it for later").value)
    alice.say("cancel")
    clock.advance(hours=73)
    return alice


def test_a_form_kept_for_later_is_deleted_after_the_idle_limit_and_the_person_told(router, clock):
    alice = _kept_referral_gone_stale(router, clock)
    told = alice.say("/cme resume")
    assert "deleted because it was left for more than 72 hours" in told[0].text
    assert "no form in progress or kept" in alice.say("/cme resume")[0].text  # told once, then nothing is kept


def test_a_new_referral_after_the_kept_one_went_stale_starts_afresh_and_says_why(router, clock):
    alice = _kept_referral_gone_stale(router, clock)
    replies = alice.say("/cme report")
    assert "deleted because it was left for more than 72 hours" in replies[0].text
    assert "Carrying on" not in _text(replies) and "Zephyrine" not in str(replies)
    assert alice.last_question() == "immediate_danger"  # a fresh form, not the stale one brought back


def test_a_command_at_the_review_gets_a_short_prompt_without_the_childs_details(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    replies = alice.say("/cme contacts")
    assert "waiting at its review" in replies[-1].text and [b.value for b in replies[-1].buttons] == ["submit"]
    assert "Zephyrine" not in str(replies)
    assert alice.say("/cme resume")[-1].kind is ReplyKind.REVIEW  # the answers again when asked for
    assert alice.say("submit")[-1].kind is ReplyKind.CONFIRMATION


def test_a_long_answer_that_quotes_a_question_is_kept_as_the_answer(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="siblings")
    said = "An older brother at Elm Street Primary; mum asked what counts as CME and whether she must tell us?"
    replies = alice.say(said)
    assert replies[-1].question is None or replies[-1].question.field_id != "siblings"  # taken, the form moved on
    alice.fill(CALM_REFERRAL)
    assert said in dict(alice.heard[-1].facts).values()


def test_keep_and_discard_with_no_form_open_say_so_and_what_to_type(router):
    alice = Person(router)
    for text in ("/cme keep", "/cme discard", "/cme resume"):
        (said,) = alice.say(text)
        assert "no form in progress" in said.text and "/cme report" in said.text, text


def test_a_question_sent_after_the_draft_expired_is_still_answered(router, clock):
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (harm comes first)
    alice.say("Zephyrine")
    clock.advance(hours=73)
    replies = alice.say("what counts as CME?")
    assert "deleted because it was left for more than 72 hours" in replies[0].text
    assert replies[1].kind is ReplyKind.ANSWER


def test_a_kept_form_is_found_only_by_its_owner_when_user_ids_hold_like_wildcards(router):
    # The kept-drafts query is a LIKE on the user key: "_" and "%" in an id must match only themselves.
    owner, wildcard = Person(router, user="axbzc"), Person(router, user="a_b%c")
    owner.say("/cme report")
    owner.say("Zephyrine")
    (asked,) = owner.say("/cme check")
    owner.say(_button([asked], "Keep it for later").value)
    owner.say("cancel")
    assert "no form in progress or kept" in wildcard.say("/cme resume")[0].text
    assert "Zephyrine" not in str(wildcard.heard)
    assert "Carrying on with the referral you kept for later" in _text(owner.say("/cme report"))
