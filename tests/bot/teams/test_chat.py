"""Teams chat: the conversational referral (one question at a time), and @mentions in a channel."""

from __future__ import annotations

import datetime as dt

from handlers.referral.form import REFERRAL
from tests.bot.teams.harness import SAM, run, running
from tests.support import QUICK_REFERRAL

LABELS = {f.label: f.id for f in REFERRAL.fields}
GENERAL = "19:general@thread.tacv2"


def in_channel(thread: str = "1700000000000") -> dict:
    """Where a message @mentioning the bot in a team's General channel comes from."""
    return {
        "conversation": {"conversationType": "channel", "id": f"{GENERAL};messageid={thread}", "isGroup": True},
        "channel_data": {"team": {"id": GENERAL}, "channel": {"id": GENERAL}},
    }


def mention(text: str) -> str:
    return f"<at>CME bot</at> {text}"


ANSWERS = {**QUICK_REFERRAL, "date_last_attended": "3 weeks ago"}  # a date as people say it


async def answer_questions(h) -> tuple[str, int]:
    """Answer only the essentials, as a person would from each question's text, then "Send now"; the
    confirmation and the turns it took (the command included)."""
    sent, turns = await h.say("report chat"), 1
    h.said = []
    for _ in range(80):
        text = [s for s in sent if s.conversation_id == SAM.personal_chat][-1].text
        if "Concern raised" in text:
            return text, turns
        field = next((fid for label, fid in LABELS.items() if label in text), None)
        reply = ANSWERS.get(field, "skip") if field else "1"  # "1": carry on at a decision
        sent, turns = await h.say(reply), turns + 1
        h.said += [s.text for s in sent]
    raise AssertionError("the conversation did not finish")


async def conversation(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        first = (await h.say("report chat"))[-1]
        assert not first.cards or "Input." not in str(first.cards)  # a question, not a form card
        helped = [s.text for s in await h.say("what is a CTF?")]  # help inside the form, then the question again
        assert "common transfer file" in helped[0].lower() and "Source:" in helped[0]
        assert helped[-1] == first.text  # the same first question, whichever it is
        await h.say("cancel")
        confirmation, turns = await answer_questions(h)
        assert turns <= 12, turns  # the quick report: a reference in at most 12 turns (README)
        reference = h.cases()[0].reference
        assert reference in confirmation
        meant = dt.date.today() - dt.timedelta(days=21)  # the harness runs on the real clock
        assert any(f"Taken as {meant:%A} {meant.day} {meant:%B %Y}." in text for text in h.said)
        assert h.cases()[0].reporter_key == "teams:tenant-1:aad-sam"


def test_conversational_referral_in_teams_chat(sqlite_url, teams_profile):
    run(conversation(sqlite_url, teams_profile))


async def channel(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        sent = await h.say(mention("help"), **in_channel())
        assert [s.conversation_id for s in sent] == [f"{GENERAL};messageid=1700000000000"]
        assert "I help you raise a concern" in sent[0].text

        sent = await h.say(mention("Zephyrine Quillfeather has not been in school since May"), **in_channel("2"))
        public = [s for s in sent if s.conversation_id.startswith(GENERAL)]
        private = [s for s in sent if s.conversation_id == SAM.personal_chat]
        assert len(public) == 1 and "personal chat" in public[0].text
        assert "Zephyrine" not in public[0].text and private
        assert h.connector.created[0]["members"] == [{"id": SAM.id}]  # Teams opened the 1:1 chat

        sent = await h.say(mention("report"), **in_channel("3"))
        public = [s for s in sent if s.conversation_id.startswith(GENERAL)]
        assert len(public) == 1 and not public[0].cards
        assert any("_draft" in str(c) for s in sent if s.conversation_id == SAM.personal_chat for c in s.cards)


def test_channel_mention_moves_anything_about_a_child_to_the_personal_chat(sqlite_url, teams_profile):
    run(channel(sqlite_url, teams_profile))


async def draft_never_answers_in_channel(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        await h.say("report chat")  # a form in progress in the personal chat
        await h.say("no")
        await h.say("Zephyrine")
        sent = await h.say(mention("help"), **in_channel())
        public = [s for s in sent if s.conversation_id.startswith(GENERAL)]
        assert "I help you raise a concern" in public[0].text
        assert "surname" not in public[0].text.lower()  # the form's next question stays private


def test_help_in_a_channel_never_continues_a_form_there(sqlite_url, teams_profile):
    run(draft_never_answers_in_channel(sqlite_url, teams_profile))


async def redelivered(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        await h.say("report chat")
        asked = (await h.say("no"))[-1].text  # in danger now? (asked first)
        assert "first name" in asked
        answer = h.activity(text="Zephyrine")  # Teams re-sends it, same id, when the first answer took over 15 s
        before = len(h.connector.sent)
        assert (await h.post(answer)).status in (200, 201)
        assert "surname" in h.connector.sent[-1].text.lower()
        assert (await h.post(answer)).status in (200, 201)
        assert len(h.connector.sent) == before + 1  # nothing more said
        after_surname = (await h.say("Quillfeather"))[-1].text.lower()
        assert "surname" not in after_surname  # the surname was still the question: the form did not move on


def test_an_activity_teams_sends_twice_is_handled_once(db_url, teams_profile):
    run(redelivered(db_url, teams_profile))
