"""Moves between councils in Slack: /cme transfer's candidates as buttons, the move's modal, the acknowledgement."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from storage.children import Transfer
from storage.db import make_engine
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.bot.slack.test_modal import CALM, CHILD, DANGER, REASON, REFERRER, YOU, initial_values, page
from tests.bot.slack.test_officer_forms import BEFORE, NOW, buttons
from tests.handlers.casework.test_cases import make_case
from tests.support import CHILD_MORE_PAGE, Clock


def moves(db_url: str) -> list[Transfer]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = list(session.exec(select(Transfer)).all())
    engine.dispose()
    return found


async def answer(slack, officer, text: str) -> dict:
    """Type `/cme TEXT` and return what the sender alone sees."""
    seen = len(slack.fake.responses)
    await officer.command(text)
    return (await slack.fake.wait_for_responses(seen + 1))[-1].args


def test_transfer_in_slack_offers_the_successor_councils_opens_the_modal_and_needs_the_ack_to_close(db_url):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(db_url, clock=clock) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            reference = make_case(core.engine, core.profile, 7, NOW)
            officer = slack.user("U0OFFICER", "cme.officer")
            choose = await answer(slack, officer, f"transfer {reference} Cumbria")
            assert "replaced on 1 April 2023" in text_of(choose["blocks"])
            cumberland = buttons(choose["blocks"])["Cumberland (942)"]
            await officer.click(cumberland["action_id"], cumberland["value"])
            modal = await slack.fake.modal()
            assert inputs(modal) == ["contact", "method"] and reference in text_of(modal["blocks"])
            status, ack = await officer.submit(fill(modal, {"contact": "no idea", "method": "phone"}))
            assert ack["response_action"] == "errors" and set(ack["errors"]) == {"contact"} and moves(db_url) == []
            status, ack = await officer.submit(fill(modal, {"contact": "cme@cumberland.example", "method": "phone"}))
            assert "moving to Cumberland (942)" in text_of(ack["view"]["blocks"])
            (move,) = moves(db_url)
            assert (move.council_code, move.method, move.created_by) == ("942", "phone", "slack:T0COUNCIL:U0OFFICER")
            await officer.command(f"close {reference} moved_other_la")
            assert "acknowledgement or evidence" in text_of((await slack.fake.modal(2))["blocks"])
            acked = await answer(slack, officer, f"transfer {reference} ack confirmed by their CME officer")
            assert "acknowledged" in text_of(acked["blocks"])
            assert "Close: moved to another LA" in buttons(acked["blocks"])
            # Ten enquiry steps are still open: closing lists them, takes the words after the outcome as the reason
            # and closes only on the confirmation (closing with care, issue 22).
            await officer.command(f"close {reference} moved_other_la confirmed by Cumberland")
            review = await slack.fake.modal(3)
            assert "10 enquiry step(s)" in text_of(review["blocks"]) and "is closed" not in text_of(review["blocks"])
            status, ack = await officer.submit(review)
            if "is closed" not in text_of(ack["view"]["blocks"]):  # a review page: its submit is the confirmation
                status, ack = await officer.submit(ack["view"])
            assert "is closed" in text_of(ack["view"]["blocks"])

    asyncio.run(scenario())


def test_a_reporter_cannot_use_transfer_in_slack(slack_db):
    async def scenario():
        async with running(slack_db, clock=Clock(NOW)) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            reference = make_case(core.engine, core.profile, 7, NOW)
            refused = await answer(slack, slack.user("U0REPORTER"), f"transfer {reference} Leeds phone")
            assert "officer" in text_of(refused["blocks"]) and moves(slack_db) == []

    asyncio.run(scenario())


def test_an_incoming_child_in_slack_chooses_the_council_then_fills_the_referral_modal(slack_db):
    async def scenario():
        async with running(slack_db, clock=Clock(NOW)) as slack:
            officer = slack.user("U0OFFICER", "cme.officer")
            choose = await answer(slack, officer, "incoming Kingston RBK-0042")
            kingston = buttons(choose["blocks"])["Kingston upon Thames (314)"]
            assert kingston["value"] == "/cme incoming 314 RBK-0042"  # their reference rides with the choice
            await officer.click(kingston["action_id"], kingston["value"])
            view = await slack.fake.modal()
            assert inputs(view) == ["from_council", "their_reference"]
            assert initial_values(view) == {"from_council": "314", "their_reference": "RBK-0042"}
            view = await page(officer, view, {})
            assert inputs(view) == ["immediate_danger"]  # then the referral's questions, all of them
            view = await page(officer, view, DANGER)
            view = await page(officer, view, CHILD)
            view = await page(officer, view, {**YOU, "referrer_contact": "0161 253 5000"})
            assert "next_step" not in inputs(view)  # no "Send now" for an officer's record
            for values in (CALM, CHILD_MORE_PAGE, {}, {}, REASON):
                view = await page(officer, view, values)
            done = await page(officer, view, REFERRER)
            assert "notified by Kingston upon Thames (314)" in text_of(done["blocks"])
            (move,) = moves(slack_db)
            assert (move.direction, move.council_code, move.their_reference) == ("in", "314", "RBK-0042")

    asyncio.run(scenario())
