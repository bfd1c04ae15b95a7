"""A school's deletion return in Slack: /cme deletion opens the modal, a page per section, and opens a case."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Case, EnquiryStep
from storage.notices import SchoolNotice
from tests.bot.slack.slack_driver import inputs, running, text_of
from tests.bot.slack.test_modal import page
from tests.bot.slack.test_officer_forms import buttons
from tests.support import Clock

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
# What the modal's inputs hold (Slack sends choices as their values and dates as ISO).
RETURN = {
    "school_name": "Elm Street Primary",
    "school_urn": "105312",
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "2014-05-02",
    "child_gender": "female",
    "child_year_group": "year-7",
    "child_address": "1 Mill Lane, Bury",
    "parent_names": "Orla Quillfeather",
    "parent_phone": "0161 496 0000",
    "reg9_ground": "i",
    "deletion_date": "2026-11-25",
    "referrer_name": "Dee Lead",
    "referrer_role": "Designated safeguarding lead",
}


def stored(db_url: str):
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = tuple(list(session.exec(select(t)).all()) for t in (SchoolNotice, Case, EnquiryStep))
    engine.dispose()
    return found


async def open_modal(slack, school) -> dict:
    """Type /cme deletion (the answer offers the form), press Open the form: the modal's first page."""
    seen = len(slack.fake.responses)
    status, _ = await school.command("deletion")
    offered = (await slack.fake.wait_for_responses(seen + 1))[-1].args
    assert status == 200 and "one question at a time" in text_of(offered["blocks"])
    button = buttons(offered["blocks"])["Open the form"]
    await school.click(button["action_id"], button["value"])
    return await slack.fake.modal()


async def submit_pages(user, view, answers: dict) -> dict:
    """Submit each page with the answers it asks for; returns what Slack shows after the last one."""
    for _ in range(10):
        if not inputs(view):
            return view
        view = await page(user, view, {k: v for k, v in answers.items() if k in inputs(view)})
    raise AssertionError("the modal did not finish")


def test_a_whereabouts_unknown_deletion_in_slack_opens_a_case_with_its_plan(db_url):
    async def scenario():
        async with running(db_url, clock=Clock(NOW)) as slack:
            school = slack.user("U0DSL", "dee.lead")
            view = await open_modal(slack, school)
            assert inputs(view) == ["school_name", "school_urn"]
            view = await page(school, view, {"school_name": RETURN["school_name"], "school_urn": "no idea"}, "errors")
            assert "6-digit" in str(view["errors"]["school_urn"])
            first = await slack.fake.modal()
            done = await submit_pages(school, first, RETURN)
            shown = text_of(done["blocks"])
            notices, cases, steps = stored(db_url)
            (notice,), (case,) = notices, cases
            assert notice.reference in shown and case.reference in shown and "7 January 2027" in shown
            assert (case.source, case.cme_reason, case.reporter_key) == ("deletion", None,
                                                                         "slack:T0COUNCIL:U0DSL")  # fmt: skip
            assert len(steps) >= 9 and notice.case_id == case.id

    asyncio.run(scenario())


def test_a_future_deletion_in_slack_gets_the_error_under_the_date(slack_db):
    async def scenario():
        async with running(slack_db, clock=Clock(NOW)) as slack:
            school = slack.user("U0DSL", "dee.lead")
            view = await open_modal(slack, school)
            for _ in range(10):
                if "deletion_date" in inputs(view):
                    break
                view = await page(school, view, {k: v for k, v in RETURN.items() if k in inputs(view)})
            values = {k: v for k, v in RETURN.items() if k in inputs(view)}
            ack = await page(school, view, {**values, "deletion_date": "2026-12-10"}, "errors")
            assert "has to be met already" in ack["errors"]["deletion_date"]
            assert stored(slack_db)[0] == []

    asyncio.run(scenario())
