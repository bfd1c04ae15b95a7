"""Closing with care in Slack: the Close button's modal lists the steps not done and asks why before it closes."""

from __future__ import annotations

import asyncio

from bot.app import CONTEXT_KEY
from bot.slack.ids import button_id
from handlers.messages import ActionId
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.bot.slack.test_officer_forms import IN_DM, step
from tests.handlers.casework.test_cases import make_case


def test_the_close_button_lists_the_steps_not_done_and_asks_why_before_it_closes(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            reference = make_case(core.engine, core.profile, 1, core.clock())
            officer = slack.user("U0OFFICER", "cme.officer")
            await officer.click(button_id(ActionId.CASE_CLOSE, 0), f"/cme close {reference}", **IN_DM)
            modal = await slack.fake.modal()
            shown = text_of(modal["blocks"])
            assert "9 enquiry step(s)" in shown and "Close it anyway?" in shown and reference in shown
            assert inputs(modal) == ["outcome", "early"]  # the school is asked only for a found outcome
            status, ack = await officer.submit(fill(modal, {"outcome": "moved_abroad"}))
            assert status == 200 and ack["response_action"] == "errors" and "early" in ack["errors"]
            assert step(slack_db, "phone-contacts").state == "open"
            status, ack = await officer.submit(fill(modal, {"outcome": "moved_abroad", "early": "left for Spain"}))
            if "is closed" not in text_of(ack["view"]["blocks"]):  # a review page: its submit is the confirmation
                status, ack = await officer.submit(ack["view"])
            assert f"{reference} is closed (Moved abroad)" in text_of(ack["view"]["blocks"])
            assert step(slack_db, "phone-contacts").state == "closed"

    asyncio.run(scenario())
