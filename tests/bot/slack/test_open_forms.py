"""A referral modal left open, closed or never shown: the DM still answers, and the form opens again where it was."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.ids import Action, Callback
from tests.bot.slack.slack_driver import TEAM_ID, fill, inputs, running, text_of
from tests.bot.slack.test_modal import REFERRER, about_you_page, cases, child_page, initial_values, opened_modal
from tests.bot.slack.test_officer_forms import BEFORE, IN_DM, step_buttons, todays_digest
from tests.handlers.test_faults import _Outage
from tests.support import Clock

DM_CHANNEL = {"id": "DU0REPORTER", "name": "directmessage"}


def _button(blocks, label: str) -> dict:
    """The button a person would press, by its label, in some posted blocks."""
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return next(e for e in elements if e["text"]["text"] == label)


async def _dm_reply(slack, count: int) -> dict:
    """The `count`-th message the app posted, once it is there."""
    return (await slack.fake.wait_for("chat.postMessage", count))[count - 1].args


async def _closed(slack, user, view) -> None:
    """Close a modal with its X or Cancel: Slack sends view_closed when the view asked for it."""
    assert view.get("notify_on_close") is True
    payload = {
        "type": "view_closed",
        "team": {"id": TEAM_ID, "domain": "council"},
        "user": user.who,
        "api_app_id": "A0CMEBOT",
        "token": "legacy",
        "view": view,
        "is_cleared": False,
    }
    status, _ = await slack.interactive(payload)
    assert status == 200


def test_a_dm_with_the_modal_open_is_answered_and_offers_the_form_again_at_the_page_reached(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            reached = await child_page(slack, sam)  # page 5 of the referral (the detail's first), answers saved
            assert (await sam.dm("is home education CME?"))[0] == 200
            posted = await _dm_reply(slack, 1)
            said = text_of(posted["blocks"])
            assert "home education" in said.lower() and "still open at page 5" in said
            assert "something went wrong" not in said.lower()
            button = _button(posted["blocks"], "Open the form")
            await sam.click(button["action_id"], button["value"], channel=DM_CHANNEL)
            view = await slack.fake.modal(2)
            assert view["callback_id"] == Callback.PAGE and inputs(view) == inputs(reached)

    asyncio.run(scenario())


def test_closing_the_modal_keeps_the_draft_and_the_dm_says_how_to_carry_on_or_discard(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await opened_modal(slack, sam)
            await _closed(slack, sam, view)
            posted = await _dm_reply(slack, 1)
            said = text_of(posted["blocks"])
            assert "You closed the form" in said and "/cme cancel" in said
            assert "nothing has been sent" in said and "Your answers are kept for 72 hours (until" in said
            button = _button(posted["blocks"], "Open the form")
            await sam.click(button["action_id"], button["value"], channel=DM_CHANNEL)
            again = await slack.fake.modal(2)
            assert inputs(again)[:2] == inputs(view)[:2]
            discard = _button(posted["blocks"], "Discard it")
            await sam.click(discard["action_id"], discard["value"], channel=DM_CHANNEL)
            gone = await _dm_reply(slack, 2)
            assert "Cancelled. Nothing was sent" in text_of(gone["blocks"])

    asyncio.run(scenario())


def test_when_slack_cannot_open_the_modal_the_dm_says_so_and_opens_it_later(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            slack.fake.fail("views.open", error="expired_trigger_id")
            assert (await sam.command("report"))[0] == 200
            posted = await _dm_reply(slack, 1)
            assert "didn't open the form" in text_of(posted["blocks"])
            button = _button(posted["blocks"], "Open the form")
            await sam.click(button["action_id"], button["value"], channel=DM_CHANNEL)
            view = await slack.fake.modal(2)
            assert view["callback_id"] == Callback.PAGE and "immediate_danger" in inputs(view)

    asyncio.run(scenario())


def test_report_in_slack_during_a_dm_referral_carries_it_on_in_the_modal(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            await sam.dm("report")
            await _dm_reply(slack, 1)
            await sam.dm("no")  # in danger now? (asked first)
            await _dm_reply(slack, 2)
            await sam.dm("Zephyrine")
            await _dm_reply(slack, 3)
            await sam.dm("Quillfeather")
            await _dm_reply(slack, 4)
            await sam.dm("02/05/14")  # a date is said back in words; a two-digit year is taken without asking
            said = text_of((await _dm_reply(slack, 5))["blocks"])
            assert "Taken as Friday 2 May 2014." in said and "Did you mean" not in said
            await sam.dm("what is a CTF?")  # help inside the form: the term explained, then the same question
            helped = text_of((await _dm_reply(slack, 6))["blocks"])
            assert "common transfer file" in helped.lower() and "Source:" in helped
            assert helped.split("Source:")[-1].count("?") >= 1  # the question is asked again
            assert (await sam.command("report"))[0] == 200
            view = await slack.fake.modal(1)
            assert "already have a referral in progress" in text_of(view["blocks"])
            first = next(b for b in view["blocks"] if b.get("block_id") == "child_forenames")
            assert first["element"]["initial_value"] == "Zephyrine"  # nothing the person typed is lost
            await sam.dm("what counts as CME?")  # the draft is the modal's now: the DM offers it back
            assert "still open at page 2" in text_of((await _dm_reply(slack, 7))["blocks"])

    asyncio.run(scenario())


def test_database_down_at_the_last_page_keeps_the_page_and_send_again_works(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite waits out its 15 s busy timeout here; PostgreSQL refuses at once, as a real outage does")

    async def scenario():
        async with running(db_url) as slack:
            sam = slack.user("U0REPORTER")
            view = await about_you_page(slack, sam)
            with _Outage(db_url, None):
                status, ack = await sam.submit(fill(view, REFERRER))
            assert status == 200 and ack["response_action"] == "update"
            shown = ack["view"]
            said = text_of(shown["blocks"])
            assert shown["callback_id"] == Callback.PAGE and "press the button again" in said
            assert "type 'submit'" not in said and inputs(shown) == inputs(view)
            assert initial_values(shown)["referrer_role"] == REFERRER["referrer_role"]  # what was typed is still there
            status, ack = await sam.submit(fill({**shown, "id": view["id"]}, {}))
            assert "Concern raised" in ack["view"]["title"]["text"] and len(cases(db_url)) == 1

    asyncio.run(scenario())


def test_an_officers_short_form_left_open_is_offered_again_from_the_dm(slack_db):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(slack_db, clock=clock) as slack:
            officer = slack.user("U0OFFICER", "cme.officer")
            reference, _ = await todays_digest(slack, clock)
            snooze = (await step_buttons(slack, officer, reference))[f"/cme snooze {reference} school-records"]
            await officer.click(snooze["action_id"], snooze["value"], **IN_DM)
            form = await slack.fake.modal()
            before = len(slack.fake.of("chat.postMessage"))
            await officer.dm("who do I call about a child missing from home?")
            posted = (await slack.fake.wait_for("chat.postMessage", before + 1))[-1].args
            said = text_of(posted["blocks"])
            assert "still open" in said and "Snooze a step" in said
            again = _button(posted["blocks"], "Open the form")
            await officer.click(again["action_id"], again["value"], **IN_DM)
            assert inputs(await slack.fake.modal(2)) == inputs(form)

    asyncio.run(scenario())


def test_report_while_a_check_is_open_asks_in_the_modal_and_keep_for_later_opens_the_referral(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            await sam.dm("check")
            await _dm_reply(slack, 1)
            assert (await sam.command("report"))[0] == 200
            asked = await slack.fake.modal(1)
            assert "form in progress" in text_of(asked["blocks"]) and not inputs(asked)
            keep = _button(asked["blocks"], "Keep it for later")
            await sam.click(keep["action_id"], keep["value"], view=asked)
            [pushed] = await slack.fake.wait_for("views.push")
            referral = slack.fake.views[pushed.result["view"]["id"]]
            assert referral["callback_id"] == Callback.PAGE and "immediate_danger" in inputs(referral)

    asyncio.run(scenario())


def test_raise_a_concern_from_app_home_then_a_dm_is_answered_with_the_form_offered_again(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            await sam.click(Action.START_REPORT, "report")
            first = await slack.fake.modal(1)
            await sam.dm("who do I tell about a child not in school?")
            posted = await _dm_reply(slack, 1)
            assert "still open at page 1" in text_of(posted["blocks"])
            again = _button(posted["blocks"], "Open the form")
            await sam.click(again["action_id"], again["value"], channel=DM_CHANNEL)
            assert inputs(await slack.fake.modal(2)) == inputs(first)

    asyncio.run(scenario())


def test_app_home_offers_the_form_in_progress_and_its_button_opens_it(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            reached = await child_page(slack, sam)
            await sam.open_home()
            [published] = await slack.fake.wait_for("views.publish")
            blocks = published.args["view"]["blocks"]
            assert "form in progress" in text_of(blocks[:1])
            button = blocks[0]["accessory"]
            await sam.click(button["action_id"], button["value"], view={"type": "home", "id": "VHOME"})
            assert inputs(await slack.fake.modal(2)) == inputs(reached)

    asyncio.run(scenario())
