"""Slack, over signed requests: a reporter adds to a concern in its confirmation's DM thread, answers the officer's
question in its thread or with its Answer button, and a reporter Slack can't reach is named to the officer."""

from __future__ import annotations

import asyncio
import re
import time

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from bot.slack.ids import Callback
from handlers.casework import harm_drafts
from storage.db import make_engine
from storage.models import CaseNote
from storage.reporter_links import ReporterThread
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.bot.slack.test_home_and_alerts import CALM, raise_case

SEEN = "Seen at the park on Saturday"
QUESTION = "Has the family been seen?"
ANSWERS = {key: value for page in CALM.values() for key, value in page.items()}  # every page's answers, calm


async def raise_in_modal(slack, user) -> str:
    """/cme report, then every page of the modal answered from ANSWERS; returns the reference."""
    opened = len(slack.fake.of("views.open"))
    await user.command("report")
    view = await slack.fake.modal(opened + 1)
    for _ in range(20):
        status, ack = await user.submit(fill(view, {k: v for k, v in ANSWERS.items() if k in inputs(view)}))
        assert status == 200 and ack["response_action"] == "update", ack
        shown = ack["view"]
        if shown["callback_id"] not in (Callback.PAGE, Callback.SIGNPOST):
            return re.search(r"CME-\d{4}-\d{4}", text_of(shown["blocks"])).group(0)
        view = {**shown, "id": view["id"], "hash": "next"}
    raise AssertionError("the modal did not finish")


async def posted_to(slack, channel: str, count: int = 1, timeout: float = 15.0):
    """The chat.postMessage calls to one channel, delivering the outbox (its job's work) until there are `count`."""
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in slack.fake.of("chat.postMessage") if c.args.get("channel") == channel]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"{len(found)} messages to {channel}, expected {count}"
            return found
        await deliver(slack)
        await asyncio.sleep(0.02)


async def deliver(slack) -> None:
    """What the outbox job does every 10 s, now."""
    await slack.client.server.app[CONTEXT_KEY].outbox.deliver_pending()


async def remembered(db_url: str, count: int = 1, timeout: float = 5.0) -> None:
    """Wait until the bot has noted `count` posted messages as about a concern (just after Slack answers the post)."""
    engine = make_engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as session:
                if len(session.exec(select(ReporterThread)).all()) >= count:
                    return
            assert time.monotonic() < deadline, "the posted message was not remembered"
            await asyncio.sleep(0.02)
    finally:
        engine.dispose()


def notes(db_url) -> list[str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = [note.text for note in session.exec(select(CaseNote)).all()]
    engine.dispose()
    return found


async def officer_sees(slack, reference: str) -> str:
    """The officer's /cme case REF, as the ephemeral answer Slack shows them."""
    before = len(slack.fake.responses)
    await slack.user("U0OFFICER").command(f"case {reference}")
    responses = await slack.fake.wait_for_responses(before + 1)
    return text_of(responses[-1].args["blocks"])


def test_a_reply_in_the_confirmations_thread_adds_to_the_concern_and_other_threads_are_any_message(db_url):
    async def scenario():
        async with running(db_url) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            reference = await raise_in_modal(slack, sam)
            [confirmation] = await posted_to(slack, "U0REPORTER")
            assert reference in text_of(confirmation.args["blocks"])
            button = confirmation.args["blocks"][-1]["elements"][0]
            assert (button["text"]["text"], button["value"]) == ("Add to this concern", f"/cme add {reference}")
            ts = confirmation.result["ts"]
            await remembered(db_url)
            await sam.dm(SEEN, thread_ts=ts)
            [added] = await posted_to(slack, "DU0REPORTER")
            assert added.args["thread_ts"] == ts, "answered in the thread they wrote in"
            assert f"Added to your concern {reference}" in added.args["text"]
            assert notes(db_url) == [SEEN]
            assert SEEN in await officer_sees(slack, reference)
            await deliver(slack)
            told = [c.args["text"] for c in await posted_to(slack, "C0OFFICERS", 2)]
            assert any(t.endswith(f"The reporter added to {reference}. Open it: /cme case {reference}") for t in told)
            assert not any("park" in t for t in told)
            await sam.dm("Her bike is at the house", thread_ts=ts, subtype="thread_broadcast")  # sent to the DM too
            [*_, broadcast] = await posted_to(slack, "DU0REPORTER", 2)
            assert f"Added to your concern {reference}" in broadcast.args["text"]
            assert notes(db_url) == [SEEN, "Her bike is at the house"]
            await sam.dm("thanks", thread_ts=ts)  # a thank-you is not news for the officer
            await posted_to(slack, "DU0REPORTER", 3)
            await sam.dm("what counts as children missing education?", thread_ts="1700000000.000100")
            [*_, answer] = await posted_to(slack, "DU0REPORTER", 4)
            assert answer.args["thread_ts"] == "1700000000.000100" and "Added" not in answer.args["text"]
            assert len(notes(db_url)) == 2, "a thread that is not about a concern is any message"
            await sam.dm("submit")  # the confirmation again, posted in the DM as the answer to a message
            [*_, again] = await posted_to(slack, "DU0REPORTER", 5)
            assert reference in again.args["text"] and "thread_ts" not in again.args
            await remembered(db_url, 2)
            await sam.dm("The family car has gone", thread_ts=again.result["ts"])
            [*_, added] = await posted_to(slack, "DU0REPORTER", 6)
            assert f"Added to your concern {reference}" in added.args["text"]
            assert notes(db_url)[-1] == "The family car has gone"

    asyncio.run(scenario())


async def asked(slack):
    """A concern raised by U0REPORTER, and the officer's question about it as posted to them: (reference, post)."""
    reference = raise_case(slack, "U0REPORTER", CALM)
    await slack.user("U0OFFICER").command(f"follow-up {reference} {QUESTION}")
    [sent] = await slack.fake.wait_for_responses(1)
    assert "Your question has been sent" in text_of(sent.args["blocks"])
    [question] = await posted_to(slack, "U0REPORTER")
    return reference, question


def test_the_officers_question_reaches_the_reporter_and_an_answer_in_its_thread_lands_on_the_case(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            reference, question = await asked(slack)
            assert question.args["text"] == f"A question about your concern {reference}", "no question on a lock screen"
            assert QUESTION in text_of(question.args["blocks"]) and "Reply in this thread" in text_of(
                question.args["blocks"]
            )
            await remembered(slack_db)
            await slack.user("U0REPORTER").dm("Yes, at the park on Saturday", thread_ts=question.result["ts"])
            [answered] = await posted_to(slack, "DU0REPORTER")
            assert "Your answer has been added" in answered.args["text"]
            await deliver(slack)
            [told] = await posted_to(slack, "U0OFFICER")
            assert told.args["text"].endswith(
                f"The reporter answered your question on {reference}. Open it: /cme case {reference}"
            )
            shown = await officer_sees(slack, reference)
            assert "Yes, at the park on Saturday" in shown and f"{QUESTION} [answered]" in shown

    asyncio.run(scenario())


def test_the_answer_button_opens_a_modal_and_its_text_lands_on_the_case(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            _, question = await asked(slack)
            button = next(
                b for block in question.args["blocks"] if block["type"] == "actions" for b in block["elements"]
            )
            sam = slack.user("U0REPORTER")
            await sam.click(button["action_id"], button["value"])
            modal = await slack.fake.modal()
            assert inputs(modal) == ["text"]
            status, ack = await sam.submit(fill(modal, {"text": SEEN}))
            assert status == 200 and "Your answer has been added" in text_of(ack["view"]["blocks"])
            assert notes(slack_db)[-1] == SEEN

    asyncio.run(scenario())


def test_a_reporter_slack_cannot_reach_is_named_to_the_officer_who_asked(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            reference = raise_case(slack, "U0REPORTER", CALM)
            await deliver(slack)  # the new-case alert has gone
            slack.fake.fail("chat.postMessage", error="is_archived")  # the reporter's account was deactivated
            await slack.user("U0OFFICER").command(f"follow-up {reference} {QUESTION}")
            await slack.fake.wait_for_responses(1)
            await posted_to(slack, "U0REPORTER")
            await deliver(slack)
            [told] = await posted_to(slack, "U0OFFICER")
            assert f"Your question on {reference} could not reach the person who raised it: Slack" in told.args["text"]
            assert "Sam Nurse" in text_of(told.args["blocks"]), "the referral's contact details, for the officer"
            await deliver(slack)
            assert len(await posted_to(slack, "U0REPORTER")) == 1, "given up, not retried"

    asyncio.run(scenario())


def test_a_harm_alert_names_the_slack_reporter_and_a_cancelled_draft_is_told(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            opened = len(slack.fake.of("views.open"))
            await sam.command("report")
            view = await slack.fake.modal(opened + 1)
            harm = {**ANSWERS, "harm_indicators": ["abuse-neglect"]}
            for _ in range(5):  # to the signpost that follows the harm page
                status, ack = await sam.submit(fill(view, {k: v for k, v in harm.items() if k in inputs(view)}))
                if ack["view"]["callback_id"] == Callback.SIGNPOST:
                    break
                view = {**ack["view"], "id": view["id"], "hash": "next"}
            [alert] = await posted_to(slack, "C0OFFICERS")
            assert alert.args["text"].startswith("Urgent alert: URGENT: harm was flagged just now")
            assert "Slack user U0REPORTER" in alert.args["text"] and "Zephyrine" not in alert.args["text"]
            await sam.dm("cancel")  # the reporter abandons the referral
            await posted_to(slack, "DU0REPORTER")
            core = slack.client.server.app[CONTEXT_KEY].core
            assert await asyncio.to_thread(harm_drafts.run_check, core) == 1
            [_, unsent] = await posted_to(slack, "C0OFFICERS", 2)
            assert "was not sent: they cancelled it" in unsent.args["text"]
            assert "Slack user U0REPORTER" in unsent.args["text"]

    asyncio.run(scenario())


def test_add_typed_without_text_as_a_slash_command_asks_in_a_modal_never_in_the_channel(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            reference = raise_case(slack, "U0REPORTER", CALM)
            sam = slack.user("U0REPORTER")
            await sam.command(f"add {reference}")
            modal = await slack.fake.modal()
            assert inputs(modal) == ["text"] and reference in text_of(modal["blocks"])
            status, ack = await sam.submit(fill(modal, {"text": SEEN}))
            assert status == 200 and f"Added to your concern {reference}" in text_of(ack["view"]["blocks"])
            assert notes(slack_db) == [SEEN] and slack.fake.responses == []  # nothing posted in the channel
            await slack.user("U0SOMEONE").command(f"add {reference}")  # not theirs: the refusal, in a modal too
            refused = await slack.fake.modal(2)
            assert "I can't find a concern" in text_of(refused["blocks"])

    asyncio.run(scenario())
