"""An officer's reminders in Slack: the digest's button per case, step buttons that work, and short forms as modals."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from bot.slack.ids import Callback
from handlers.casework.reminders import run_sweep
from storage.db import make_engine
from storage.models import AuditEvent, EnquiryStep
from tests.bot.slack.fake_slack import TEAM_ID
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.handlers.casework.test_cases import make_case
from tests.support import Clock

OFFICER_KEY = f"slack:{TEAM_ID}:U0OFFICER"
BEFORE = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # the app starts the day before: no digest yet
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # a Thursday in term, after the 08:30 digest
TODAYS = "Your day, Thu 26 Nov 2026"
IN_DM = {"channel": {"id": "DU0OFFICER", "name": "directmessage"}}


async def todays_digest(slack, clock: Clock) -> tuple[str, dict]:
    """A case assigned to the officer, due today; returns its reference and the digest as Slack received it."""
    context = slack.client.server.app[CONTEXT_KEY]
    core = context.core
    reference = make_case(core.engine, core.profile, 7, NOW - dt.timedelta(days=14), assigned_to=OFFICER_KEY)
    clock.now = NOW
    run_sweep(core)  # the scheduler's own sweep may get there first: either way it is sent once
    await context.outbox.deliver_pending()
    for _ in range(100):
        found = [c.args for c in slack.fake.of("chat.postMessage") if TODAYS in c.args["text"]]
        if found:
            return reference, found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no digest arrived")


def buttons(blocks: list[dict]) -> dict[str, dict]:
    """The buttons in some blocks, by label."""
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def step_buttons(slack, officer, reference: str) -> dict[str, dict]:
    """The case's step buttons as the officer's DM shows them after `/cme case REF`, by the command each stands for
    (the digest has one button per case; the case view has a done and a snooze button per step)."""
    before = len(slack.fake.of("chat.postMessage"))
    await officer.dm(f"/cme case {reference}")
    posted = (await slack.fake.wait_for("chat.postMessage", before + 1))[-1].args
    return {e["value"]: e for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]}


def step(db_url: str, step_id: str) -> EnquiryStep:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(EnquiryStep).where(EnquiryStep.step_id == step_id)).one()
    engine.dispose()
    return found


def audit_actors(db_url: str) -> dict[str, str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        actors = {e.action: e.actor for e in session.exec(select(AuditEvent)).all()}
    engine.dispose()
    return actors


def test_snooze_on_a_digest_opens_a_modal_and_submitting_it_snoozes_the_step(db_url):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(db_url, clock=clock) as slack:
            officer = slack.user("U0OFFICER", "cme.officer")
            reference, digest = await todays_digest(slack, clock)
            assert digest["channel"] == "U0OFFICER" and "Zephyrine" not in str(digest)
            (only,) = buttons(digest["blocks"]).values()  # one button per case: open it
            assert (only["text"]["text"], only["value"]) == (f"Open {reference}", f"/cme case {reference}")
            assert only["action_id"].startswith("open_case")
            pressed = await step_buttons(slack, officer, reference)
            done = pressed[f"/cme done {reference} phone-contacts"]
            snooze = pressed[f"/cme snooze {reference} school-records"]
            before = len(slack.fake.of("chat.postMessage"))
            await officer.click(done["action_id"], done["value"], **IN_DM)
            answer = (await slack.fake.wait_for("chat.postMessage", before + 1))[-1].args
            assert answer["channel"] == "DU0OFFICER"
            assert f"on {reference} is done" in text_of(answer["blocks"])
            assert step(db_url, "phone-contacts").state == "done"
            await officer.click(snooze["action_id"], snooze["value"], **IN_DM)
            modal = await slack.fake.modal()
            assert modal["callback_id"] == Callback.PAGE and inputs(modal) == ["until", "reason"]
            assert modal["title"]["text"] == "Snooze a step" and modal["submit"]["text"] == "Save"
            assert reference in text_of(modal["blocks"])
            status, ack = await officer.submit(fill(modal, {"until": "2026-12-14", "reason": "school closed"}))
            assert status == 200 and ack["response_action"] == "update"
            assert "now due Mon 14 Dec 2026" in text_of(ack["view"]["blocks"])
            snoozed = step(db_url, "school-records")
            assert (snoozed.state, snoozed.due_on) == ("snoozed", dt.date(2026, 12, 14))
            assert audit_actors(db_url)["step.snoozed"] == OFFICER_KEY
            answered = len(slack.fake.responses)
            await officer.command(f"case {reference}")
            shown = text_of((await slack.fake.wait_for_responses(answered + 1))[-1].args["blocks"])
            assert "snoozed" in shown and "14 Dec" in shown

    asyncio.run(scenario())


def test_a_case_modal_pushes_its_short_forms_and_errors_come_back_inline(slack_db):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(slack_db, clock=clock) as slack:
            officer = slack.user("U0OFFICER", "cme.officer")
            reference, _ = await todays_digest(slack, clock)
            await officer.click("open_case:0", reference)
            case_view = await slack.fake.modal()
            note = buttons(case_view["blocks"])["Add a note"]
            await officer.click(note["action_id"], note["value"], view=case_view)
            [pushed] = await slack.fake.wait_for("views.push")
            form = slack.fake.views[pushed.result["view"]["id"]]
            assert inputs(form) == ["text"] and form["title"]["text"] == "Add a note"
            status, ack = await officer.submit(fill(form, {"text": ""}))
            assert ack["response_action"] == "errors" and set(ack["errors"]) == {"text"}
            status, ack = await officer.submit(fill(form, {"text": "Phoned the family; no answer."}))
            assert f"Note added to {reference}" in text_of(ack["view"]["blocks"])
            assert not slack.fake.of("views.open")[1:]  # pushed over the case, never a second views.open

    asyncio.run(scenario())


def test_a_reporter_pressing_an_officer_button_is_refused_in_a_modal(slack_db):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(slack_db, clock=clock) as slack:
            reference, _ = await todays_digest(slack, clock)
            officer = slack.user("U0OFFICER", "cme.officer")
            snooze = (await step_buttons(slack, officer, reference))[f"/cme snooze {reference} school-records"]
            await slack.user("U0REPORTER").click(snooze["action_id"], snooze["value"])
            refused = await slack.fake.modal()
            assert "officer" in text_of(refused["blocks"]) and not inputs(refused)
            assert step(slack_db, "school-records").state != "snoozed"

    asyncio.run(scenario())


def test_a_button_pressed_in_a_channel_is_answered_in_the_officers_dm(slack_db):
    async def scenario():
        clock = Clock(BEFORE)
        async with running(slack_db, clock=clock) as slack:
            reference, _ = await todays_digest(slack, clock)
            officer = slack.user("U0OFFICER", "cme.officer")
            done = (await step_buttons(slack, officer, reference))[f"/cme done {reference} phone-contacts"]
            before = len(slack.fake.of("chat.postMessage"))
            await slack.user("U0OFFICER").click(done["action_id"], done["value"], channel={"id": "C0OFFICERS"})
            answer = (await slack.fake.wait_for("chat.postMessage", before + 1))[-1]
            assert answer.args["channel"] == "U0OFFICER" and reference in text_of(answer.args["blocks"])
            assert step(slack_db, "phone-contacts").state == "done"

    asyncio.run(scenario())


def test_ten_school_days_on_one_digest_names_all_three_cases_as_the_preview_said(slack_db):
    from handlers.casework.preview import preview_day
    from tests.bot.test_terminal_day import ten_school_days_on, three_cases

    async def scenario():
        clock = Clock(BEFORE)
        async with running(slack_db, clock=clock) as slack:
            context = slack.client.server.app[CONTEXT_KEY]
            core = context.core
            clock.now = NOW
            references = three_cases(core.engine, core.profile, OFFICER_KEY)  # raised at NOW
            later = ten_school_days_on(core.profile)
            (previewed,) = [m for m in preview_day(core, on=later.date()).messages if m.recipient["channel"] == "slack"]
            clock.now = later
            run_sweep(core)
            await context.outbox.deliver_pending()
            posted = [c.args for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "U0OFFICER"]
            assert len(posted) == 1, "one message: no per-step overdue alert"
            (digest,) = posted
            shown = text_of(digest["blocks"])
            assert all(reference in shown for reference in references) and "Overdue:" not in shown
            assert previewed.reply.text in shown  # the preview said the same, before
            assert set(buttons(digest["blocks"])) == {f"Open {reference}" for reference in references}

    asyncio.run(scenario())
