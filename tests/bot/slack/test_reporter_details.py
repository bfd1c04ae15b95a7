"""Slack, over signed requests: after "Send now", the confirmation's "Add more detail" button (and /cme details REF)
opens the detail questions still unanswered as a modal; what is sent lands on the officer's case view."""

from __future__ import annotations

import asyncio
import re

from sqlmodel import Session, select

from bot.slack.ids import Callback
from bot.slack.modals import decode_form
from storage.db import make_engine
from storage.models import DETAILS_FORM, Report
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.bot.slack.test_modal import CHILD, DANGER, YOU, opened_modal, page, settled
from tests.bot.slack.test_reporter_threads import officer_sees, posted_to

# The detail pages, as a reporter fills them later (what a page does not show is left as it is).
LATER = {
    "harm": {"harm_indicators": ["none"]},
    "child-more": {
        "missing_from_home": "no",
        "awaiting_place": "no",
        "other_provision": "no",
        "child_gender": "female",
    },
    "parents": {"parent_names": "Orla Quillfeather"},
    "reason": {"reason": "contact-failed", "destination_known": "no"},
    "referrer": {"referrer_role": "School nurse", "referrer_agency": "NHS"},
}


async def quick_in_modal(slack, user) -> str:
    """/cme report, the essentials and "Send now" in the modal; the reference."""
    view = await opened_modal(slack, user)
    quick = {"danger": DANGER, "child": CHILD, "you": YOU, "send": {"next_step": "send"}}
    while view.get("callback_id") == Callback.PAGE:
        view = await settled(slack, await page(user, view, quick[decode_form(view["private_metadata"]).section_id]))
    return re.search(r"CME-\d{4}-\d{4}", text_of(view["blocks"])).group(0)


async def answer_pages(user, view) -> dict:
    """Every page of the details modal answered from LATER; the last ack's view."""
    for _ in range(10):
        section = decode_form(view["private_metadata"]).section_id
        status, ack = await user.submit(fill(view, LATER.get(section, {})))
        assert status == 200 and ack["response_action"] == "update", ack
        if ack["view"]["callback_id"] not in (Callback.PAGE, Callback.SIGNPOST):
            return ack["view"]
        view = {**ack["view"], "id": view["id"], "hash": f"next-{section}"}
    raise AssertionError("the details modal did not finish")


def details_rows(db_url) -> list[Report]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = list(session.exec(select(Report).where(Report.form_id == DETAILS_FORM)).all())
    engine.dispose()
    return found


def test_the_confirmations_button_opens_the_detail_questions_as_a_modal_and_the_officer_sees_them(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            reference = await quick_in_modal(slack, sam)
            [confirmation] = await posted_to(slack, "U0REPORTER")
            assert f"press 'Add more detail' or type /cme details {reference}" in text_of(confirmation.args["blocks"])
            buttons = [
                b for block in confirmation.args["blocks"] if block["type"] == "actions" for b in block["elements"]
            ]
            more = buttons[0]
            assert (
                more["text"]["text"].startswith("Add more detail (about ")
                and more["value"] == f"/cme details {reference}"
            )
            before = await officer_sees(slack, reference)
            opened = len(slack.fake.of("views.open"))
            await sam.click(more["action_id"], more["value"])
            view = await slack.fake.modal(opened + 1)
            assert view["callback_id"] == Callback.PAGE and inputs(view) == ["harm_indicators"]
            assert "child_forenames" not in str(view["blocks"])  # the essentials are not asked again
            done = await answer_pages(sam, view)
            assert f"Added 10 details to {reference}" in text_of(done["blocks"])
            after = await officer_sees(slack, reference)
            assert "Orla Quillfeather" in after and "Parents or carers (added" in after
            assert "Still missing" in before and "Parents and carers:" in before and "Parents and carers:" not in after
            status, ack = await sam.submit(fill(view, LATER["harm"]))  # the first page again, after it was sent
            assert status == 200 and "added already" in text_of(ack["view"]["blocks"])
            assert len(details_rows(slack_db)) == 1
            opened = len(slack.fake.of("views.open"))
            await sam.command(f"details {reference}")  # typed: nothing is left of what the form asks but the skipped
            shown = await slack.fake.modal(opened + 1)
            assert f"Nothing is missing from {reference}" in text_of(shown["blocks"])

    asyncio.run(scenario())


def test_details_typed_for_someone_elses_concern_says_only_that_it_is_not_theirs(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            reference = await quick_in_modal(slack, slack.user("U0REPORTER"))
            opened = len(slack.fake.of("views.open"))
            await slack.user("U0OTHER").command(f"details {reference}")
            shown = await slack.fake.modal(opened + 1)
            assert f"I can't find a concern {reference} that you raised" in text_of(shown["blocks"])
            assert details_rows(slack_db) == []

    asyncio.run(scenario())
