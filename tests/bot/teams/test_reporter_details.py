"""Teams, over real Bot Framework activities: after "Send now", the confirmation card's "Add more detail" button
opens the detail questions still unanswered as cards; what is sent lands on the officer's case view."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import DETAILS_FORM, Report
from tests.bot.teams.harness import OFFICER, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_referral_card import PAGES, section_of

QUICK = {**PAGES, "you": {"concern": "Not seen since half term."}, "send": {"next_step": "send"}}
LATER = {
    "harm": {"harm_indicators": "none"},
    "child-more": {"missing_from_home": "no", "awaiting_place": "no", "other_provision": "no", "child_gender": "male"},
    "parents": {"parent_names": "Orla Quillfeather"},
    "reason": {"reason": "contact-failed", "destination_known": "no"},
    "referrer": {"referrer_role": "School nurse", "referrer_agency": "NHS"},
}


async def quick_by_card(h):
    """Sam sends the essentials by card with "Send now"; (reference, the confirmation as sent)."""
    sent = await h.say("report")
    while any("_draft" in str(card) for item in sent for card in item.cards):
        card = form_card(sent)
        sent = await h.say(value=submission(card, QUICK.get(section_of(card), {})))
    return h.cases()[0].reference, next(s for s in sent if "Concern raised" in s.text)


def details_rows(h) -> list[Report]:
    with Session(h.engine) as session:
        return list(session.exec(select(Report).where(Report.form_id == DETAILS_FORM)).all())


async def adding_details(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, confirmation = await quick_by_card(h)
        actions = [a for card in confirmation.cards for a in card.get("actions", [])]
        assert actions[0]["title"].startswith("Add more detail (about ")
        before = " ".join(s.text for s in await h.say(f"/cme case {reference}", who=OFFICER))
        sent = await h.say(value=actions[0]["data"])  # the press, as Teams posts the card's Action.Submit
        card = form_card(sent)
        assert section_of(card) == "harm" and list(inputs_of(card)) == ["harm_indicators"]
        seen = []
        while any("_draft" in str(c) for s in sent for c in s.cards):
            card = form_card(sent)
            seen.append(section_of(card))
            sent = await h.say(value=submission(card, LATER.get(section_of(card), {})))
        assert seen == ["harm", "child-more", "parents", "school", "reason", "referrer"]  # no page of the essentials
        assert any(f"Added 10 details to {reference}" in s.text for s in sent)
        after = " ".join(s.text for s in await h.say(f"/cme case {reference}", who=OFFICER))
        assert "Orla Quillfeather" in after and "Parents and carers:" in before and "Parents and carers:" not in after
        again = await h.say(value=submission(card, LATER["referrer"]))  # the last card sent again
        assert any("added already" in s.text for s in again) and len(details_rows(h)) == 1
        typed = await h.say(f"details {reference}")  # typed in the chat: nothing left to ask
        assert any(f"Nothing is missing from {reference}" in s.text for s in typed)


def test_the_confirmation_cards_button_opens_the_detail_questions_as_cards(db_url, teams_profile):
    run(adding_details(db_url, teams_profile))


async def exiting(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, confirmation = await quick_by_card(h)
        typed = await h.say(f"details {reference}")  # typed: one question at a time in the chat
        assert any("Are you worried about any of these" in s.text for s in typed)
        left = await h.say("exit")
        assert any("nothing has been sent" in s.text and "kept for" in s.text for s in left)
        back = await h.say(f"details {reference}")
        assert any("already started" in s.text for s in back) and details_rows(h) == []


def test_typed_in_the_chat_it_asks_one_question_at_a_time_and_exit_keeps_the_draft(sqlite_url, teams_profile):
    run(exiting(sqlite_url, teams_profile))
