"""Teams, over real Bot Framework activities: a reporter adds to a concern by quoting its confirmation card or with
its button, answers the officer's question the same ways, and a reporter Teams can't reach is named to the officer."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from storage.models import CaseNote, Outbox
from storage.teams_refs import TeamsConversationRef
from tests.bot.teams.harness import OFFICER, SAM, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_referral_card import PAGES, section_of

SEEN = "Seen at the park on Saturday"
QUESTION = "Has the family been seen?"


async def raise_by_card(h):
    """Sam raises a concern with the card, page by page; returns (reference, the confirmation as sent)."""
    sent = await h.say("report")
    while any("_draft" in str(card) for item in sent for card in item.cards):
        card = form_card(sent)
        sent = await h.say(value=submission(card, PAGES.get(section_of(card), {})))
    confirmation = next(s for s in sent if "Concern raised" in s.text)
    return h.cases()[0].reference, confirmation


def quoting(message_id: str, text: str) -> dict:
    """What Teams sends for a reply that quotes one of the bot's messages (the quotedReply entity)."""
    return {
        "text": f'<quoted messageId="{message_id}"/> {text}',
        "entities": [{"type": "quotedReply", "quotedReply": {"messageId": message_id, "senderName": "CME bot"}}],
    }


def quoting_the_old_way(message_id: str, text: str) -> dict:
    """An older client: the quote as an HTML attachment (a Skype Reply blockquote), the new text alone in `text`."""
    quote = (
        f'<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="{message_id}">'
        '<strong itemprop="mri">CME bot</strong><p itemprop="preview">Concern raised</p></blockquote>'
    )
    return {"text": text, "attachments": [{"contentType": "text/html", "content": f"{quote}<p>{text}</p>"}]}


async def send(h, who, body: dict):
    """Post a message activity with extra fields (entities, attachments) as Teams sends it; the replies to `who`."""
    before = len(h.connector.sent)
    activity = {**h.activity(who), **body}
    response = await h.post(activity)
    assert response.status in (200, 201), response.status
    # Only their chat: the outbox job may deliver the officer's notice to another chat meanwhile.
    return [s for s in h.connector.sent[before:] if s.conversation_id == activity["conversation"]["id"]]


async def delivered(h, conversation_id: str, count: int, timeout: float = 15.0):
    """Deliver the outbox (as its job does every 10 s) until `count` activities reached a conversation."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(h.connector.to(conversation_id)) < count:
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {count} activities in {conversation_id}"
        await h.context.outbox.deliver_pending()
        await asyncio.sleep(0.05)
    return h.connector.to(conversation_id)


def notes(h) -> list[str]:
    with Session(h.engine) as session:
        return [note.text for note in session.exec(select(CaseNote).order_by(CaseNote.id)).all()]


async def adding(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, confirmation = await raise_by_card(h)
        buttons = [a["title"] for card in confirmation.cards for a in card.get("actions", [])]
        assert buttons == ["Add to this concern"] and "Reply to this message" in confirmation.text
        [said] = await send(h, SAM, quoting(confirmation.id, SEEN))
        assert f"Added to your concern {reference}" in said.text
        [said] = await send(h, SAM, quoting_the_old_way(confirmation.id, "The family car has gone"))
        assert f"Added to your concern {reference}" in said.text
        assert notes(h) == [SEEN, "The family car has gone"]
        other = await send(h, SAM, quoting("1699999999999", "what counts as children missing education?"))
        assert not any("Added" in s.text for s in other) and len(notes(h)) == 2, "any other quote: any message"
        press = {"cme_action": "reporter_add", "cme_value": f"/cme add {reference}"}
        card = form_card(await h.say(value=press))
        assert list(inputs_of(card)) == ["text"] and inputs_of(card)["text"]["isMultiline"] is True
        done = await h.say(value=submission(card, {"text": "A neighbour says they moved"}))
        assert any(f"Added to your concern {reference}" in s.text for s in done)
        assert notes(h)[-1] == "A neighbour says they moved"
        shown = " ".join(s.text for s in await h.say(f"/cme case {reference}", who=OFFICER))
        assert SEEN in shown and "A neighbour says they moved" in shown


def test_quoting_the_confirmation_or_its_button_adds_to_the_concern(db_url, teams_profile):
    run(adding(db_url, teams_profile))


async def asking(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, _ = await raise_by_card(h)
        before = len(h.connector.to(SAM.personal_chat))
        sent = await h.say(f"/cme follow-up {reference} {QUESTION}", who=OFFICER)
        assert any("Your question has been sent" in s.text for s in sent)
        question = (await delivered(h, SAM.personal_chat, before + 1))[-1]
        assert QUESTION in question.text
        assert question.activity["summary"] == f"A question about your concern {reference}", "none on a lock screen"
        to_officer = len(h.connector.to(OFFICER.personal_chat))
        [said] = await send(h, SAM, quoting(question.id, "Yes, at the park on Saturday"))
        assert "Your answer has been added" in said.text
        told = (await delivered(h, OFFICER.personal_chat, to_officer + 1))[-1]
        assert f"The reporter answered your question on {reference}" in told.text
        shown = " ".join(s.text for s in await h.say(f"/cme case {reference}", who=OFFICER))
        assert "Yes, at the park on Saturday" in shown and f"{QUESTION} [answered]" in shown


def test_the_officers_question_reaches_the_reporter_and_a_quoted_answer_lands_on_the_case(sqlite_url, teams_profile):
    run(asking(sqlite_url, teams_profile))


async def unreachable(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, _ = await raise_by_card(h)
        await h.say("hello", who=OFFICER)  # the officer has a chat with the bot
        h.connector.blocked.add(SAM.personal_chat)  # Sam has left, or blocked the bot
        before = len(h.connector.to(OFFICER.personal_chat))
        await h.say(f"/cme follow-up {reference} {QUESTION}", who=OFFICER)
        told = await delivered(h, OFFICER.personal_chat, before + 2)  # the question fails; the officer is told
        gone = next(s for s in told if "could not reach the person who raised it" in s.text)
        assert f"Your question on {reference}" in gone.text and "Teams would not deliver it" in gone.text
        assert "Sam Nurse" in gone.text, "how else to reach them, from the referral"


def test_a_reporter_teams_cannot_reach_is_named_to_the_officer(sqlite_url, teams_profile):
    run(unreachable(sqlite_url, teams_profile))


async def no_chat(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        reference, _ = await raise_by_card(h)
        await h.say("hello", who=OFFICER)
        with Session(h.engine) as session:  # the bot no longer has Sam's chat (the app was removed for them)
            query = select(TeamsConversationRef).where(TeamsConversationRef.user_key == f"teams:tenant-1:{SAM.aad}")
            for row in session.exec(query):
                session.delete(row)
            session.commit()
        before = len(h.connector.to(OFFICER.personal_chat))
        await h.say(f"/cme follow-up {reference} {QUESTION}", who=OFFICER)
        told = await delivered(h, OFFICER.personal_chat, before + 2)
        assert any("could not reach the person who raised it: Teams" in s.text for s in told)
        with Session(h.engine) as session:
            [row] = session.exec(select(Outbox).where(Outbox.kind == "reporter.question")).all()
        assert row.last_error == "gave up: no_conversation" and row.sent_at is not None


def test_a_reporter_with_no_chat_left_is_named_to_the_officer(sqlite_url, teams_profile):
    run(no_chat(sqlite_url, teams_profile))
