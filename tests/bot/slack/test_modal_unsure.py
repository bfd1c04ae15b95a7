"""The referral modal offers Not known where a practitioner may not know, and refuses nonsense inline (issue 10)."""

from __future__ import annotations

import asyncio

from bot.slack.ids import Callback
from tests.bot.slack.slack_driver import inputs, running, text_of
from tests.bot.slack.test_modal import cases, opened_modal, page

UNSURE_CHILD = {
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "on_roll": "unknown",
    "home_educated": "unknown",
    "child_year_group": "year-7",
}
UNSURE_MORE = {
    "missing_from_home": "unknown",
    "awaiting_place": "unknown",
    "other_provision": "unknown",
    "child_gender": "male",
}


def test_not_known_is_an_option_on_every_situation_question_and_danger_not_known_shows_mash(db_url):
    async def scenario():
        async with running(db_url) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            view = await opened_modal(slack, sam)
            signpost = await page(sam, view, {"immediate_danger": "unknown"})  # harm first of all
            assert signpost["callback_id"] == Callback.SIGNPOST
            words = text_of(signpost["blocks"])
            assert "You don't know whether the child is in immediate danger, so" in words and "0161 253 5678" in words
            view = await page(sam, signpost, {})
            assert inputs(view) == ["mash_contacted"]
            view = await page(sam, view, {"mash_contacted": "yes"})
            view = await page(sam, view, UNSURE_CHILD)  # the driver refuses a value that is not an option
            view = await page(sam, view, {"concern": "Not seen for weeks.", "referrer_contact": "0161 496 0123"})
            view = await page(sam, view, {"next_step": "more"})
            view = await page(sam, view, {"harm_indicators": ["none"]})
            assert inputs(view)[:3] == ["missing_from_home", "awaiting_place", "other_provision"]
            await page(sam, view, UNSURE_MORE)

    asyncio.run(scenario())


def test_nonsense_names_and_a_wrong_upn_come_back_inline_saying_what_to_type(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await page(sam, await opened_modal(slack, sam), {"immediate_danger": "no"})
            bad = {"child_forenames": "submit", "child_surname": "what counts as CME?", "on_roll": "yes"}
            ack = await page(sam, view, bad, expect="errors")
            assert set(ack["errors"]) == {"child_forenames", "child_surname"}
            assert "word the bot uses" in ack["errors"]["child_forenames"]
            assert "looks like a question" in ack["errors"]["child_surname"]
            view = await page(sam, view, {"child_forenames": "Zephyrine", "child_surname": "Q", "on_roll": "yes"})
            view = await page(sam, view, {"concern": "Not seen for weeks.", "referrer_contact": "0161 496 0123"})
            view = await page(sam, view, {"next_step": "more"})
            view = await page(sam, view, {"harm_indicators": ["none"]})
            ack = await page(sam, view, {"missing_from_home": "no", "child_upn": "1"}, expect="errors")
            assert set(ack["errors"]) == {"child_upn"} and "13 characters" in ack["errors"]["child_upn"]
            assert cases(slack_db) == []

    asyncio.run(scenario())
