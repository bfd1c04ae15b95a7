"""The child's page of the Slack modal with an age instead of a date of birth: its own box beside the date picker."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Report
from tests.bot.slack.slack_driver import inputs, running, text_of
from tests.bot.slack.test_modal import DANGER, YOU, cases, changed, opened_modal, page

AGED_9 = {"child_forenames": "Zephyrine", "child_surname": "Quillfeather", "child_age": "9 years old",
          "on_roll": "no", "home_educated": "no"}  # fmt: skip


def answers(db_url: str) -> dict:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(Report)).one().answers
    engine.dispose()
    return found


def test_an_age_typed_on_the_childs_page_is_taken_instead_of_a_date_of_birth(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await page(sam, await opened_modal(slack, sam), DANGER)
            order = inputs(view)
            assert order.index("child_age") == order.index("child_dob") + 1
            box = next(b for b in view["blocks"] if b.get("block_id") == "child_age")
            assert box["element"]["type"] == "plain_text_input" and box["optional"]
            assert "the child's age" in box["label"]["text"]
            assert "type their age" in text_of(view["blocks"])  # the date of birth's hint says an age will do
            # Once an age is typed, the year group isn't needed in the quick report: the page drops it.
            view = await changed(slack, sam, view, {"child_age": "9"}, "child_age")
            assert "child_year_group" not in inputs(view)
            view = await page(sam, view, AGED_9)
            view = await page(sam, view, YOU)
            done = await page(sam, view, {"next_step": "send"})
            [case] = cases(slack_db)
            assert case.reference in text_of(done["blocks"])
            stored = answers(slack_db)
            assert stored["child_age"] == 9 and stored.get("child_dob") is None

    asyncio.run(scenario())


def test_a_bad_age_or_one_that_doesnt_fit_is_marked_on_the_page(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await page(sam, await opened_modal(slack, sam), DANGER)
            ack = await page(sam, view, {**AGED_9, "child_age": "a teenager"}, expect="errors")
            assert set(ack["errors"]) == {"child_age"} and "number for their age" in ack["errors"]["child_age"]
            ack = await page(sam, view, {**AGED_9, "child_age": "25"}, expect="errors")
            assert ack["errors"]["child_age"].startswith("25 is over school age")
            mismatch = {**AGED_9, "child_age": "6", "child_year_group": "year-9"}
            ack = await page(sam, view, mismatch, expect="errors")
            assert "doesn't fit the age (6)" in ack["errors"]["child_year_group"]
            both = {**AGED_9, "child_dob": "2014-05-02"}
            ack = await page(sam, view, both, expect="errors")
            assert ack["errors"]["child_age"].startswith("The date of birth makes the child 12, not 9")
            assert cases(slack_db) == []

    asyncio.run(scenario())
