"""An officer's digest in Teams: delivered proactively, one button per case; step buttons work, snooze as a card."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session, select

from handlers.casework.reminders import run_sweep
from storage.models import AuditEvent, EnquiryStep
from tests.bot.teams.harness import OFFICER, OFFICERS_CHANNEL, form_card, inputs_of, run, running, submission
from tests.handlers.casework.test_cases import make_case
from tests.handlers.casework.test_correct_child import child_of, give_child
from tests.support import Clock

OFFICER_KEY = f"teams:tenant-1:{OFFICER.aad}"
BEFORE = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # the app starts the day before: no digest yet
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # a Thursday in term, after the 08:30 digest
# The app's own scheduler may sweep at start too (one digest a day, whichever sweep makes it): find it by its date.
TODAYS = "Your day, Thu 26 Nov 2026"


def buttons(card: dict) -> dict[str, dict]:
    """The card's Action.Submit buttons by title (card actions and rows in the body), with the data each sends."""
    rows = [e["actions"] for e in card["body"] if e.get("type") == "ActionSet"]
    actions = [*card.get("actions", []), *(a for row in rows for a in row)]
    return {a["title"]: a["data"] for a in actions if a["type"] == "Action.Submit"}


def _actions(card: dict) -> list[dict]:
    rows = [e["actions"] for e in card["body"] if e.get("type") == "ActionSet"]
    return [a for a in [*card.get("actions", []), *(a for row in rows for a in row)] if a["type"] == "Action.Submit"]


async def step_buttons(h, reference: str) -> dict[str, dict]:
    """The case's step buttons as `/cme case REF` shows them in the personal chat, by the command each stands for
    (the digest has one button per case; the case view a done and a snooze button per step)."""
    sent = await h.say(f"/cme case {reference}", who=OFFICER)
    return {a["data"]["cme_value"]: a["data"] for s in sent for card in s.cards for a in _actions(card)}


async def todays_digest(h, clock: Clock, conversation_id: str):
    """Move the clock to NOW, sweep and deliver; the digest as the conversation got it (the scheduler may send it)."""
    clock.now = NOW  # forwards only: a scheduler thread that read the clock a moment ago must not see a claim expire
    run_sweep(h.context.core)
    await h.context.outbox.deliver_pending()
    for _ in range(100):
        found = [s for s in h.connector.to(conversation_id) if TODAYS in s.text]
        if found:
            (digest,) = found
            return digest
        await asyncio.sleep(0.05)
    raise AssertionError("no digest arrived")


def step(engine, step_id: str) -> EnquiryStep:
    with Session(engine) as session:
        return session.exec(select(EnquiryStep).where(EnquiryStep.step_id == step_id)).one()


async def digest_buttons(db_url, profile) -> None:
    clock = Clock(BEFORE)
    async with running(db_url, profile, clock=clock) as h:
        await h.say("help", who=OFFICER)  # the officer's personal chat is now known
        reference = make_case(h.engine, h.context.core.profile, 7, NOW - dt.timedelta(days=14), assigned_to=OFFICER_KEY)
        digest = await todays_digest(h, clock, OFFICER.personal_chat)
        assert reference in digest.text
        assert buttons(digest.cards[0])[f"Open {reference}"]["cme_value"] == f"/cme case {reference}"  # one a case
        pressed = await step_buttons(h, reference)
        done = await h.say(value=pressed[f"/cme done {reference} phone-contacts"], who=OFFICER)
        assert f"on {reference} is done" in done[0].text and done[0].conversation_id == OFFICER.personal_chat
        assert step(h.engine, "phone-contacts").state == "done"
        asked = await h.say(value=pressed[f"/cme snooze {reference} school-records"], who=OFFICER)
        card = form_card(asked)
        assert set(inputs_of(card)) == {"until", "reason"} and inputs_of(card)["until"]["type"] == "Input.Date"
        assert buttons(card) and next(iter(buttons(card))) == "Save"
        snoozed = await h.say(value=submission(card, {"until": "2026-12-14", "reason": "school closed"}), who=OFFICER)
        assert "now due Mon 14 Dec 2026" in snoozed[0].text
        assert (step(h.engine, "school-records").state, step(h.engine, "school-records").due_on) == (
            "snoozed",
            dt.date(2026, 12, 14),
        )
        with Session(h.engine) as session:
            actors = {e.action: e.actor for e in session.exec(select(AuditEvent)).all()}
        assert actors["step.done"] == actors["step.snoozed"] == OFFICER_KEY


def test_digest_buttons_mark_a_step_done_and_snooze_opens_a_card(sqlite_url, teams_profile):
    run(digest_buttons(sqlite_url, teams_profile))


async def from_the_channel(db_url, profile) -> None:
    clock = Clock(BEFORE)
    async with running(db_url, profile, clock=clock) as h:
        channel = {"conversation": {"conversationType": "channel", "id": f"{OFFICERS_CHANNEL};messageid=3"}}
        await h.say("<at>CME bot</at> help", who=OFFICER, **channel)  # the bot now knows the officers' channel
        await h.say("help", who=OFFICER)
        reference = make_case(h.engine, h.context.core.profile, 8, NOW - dt.timedelta(days=14))  # unassigned
        digest = await todays_digest(h, clock, OFFICER.personal_chat)  # the officers are named: one digest each
        assert f"{reference} (not assigned yet)" in digest.text
        done = (await step_buttons(h, reference))[f"/cme done {reference} phone-contacts"]
        sent = await h.say(value=done, who=OFFICER, **channel)  # a step button pressed in the officers' channel
        answered = [s for s in sent if s.conversation_id == OFFICER.personal_chat]
        assert answered and f"on {reference} is done" in answered[0].text
        shown = [s for s in sent if s.conversation_id.startswith(OFFICERS_CHANNEL)]  # the channel or its thread
        assert [s.activity.get("text") for s in shown] == [
            "I've answered you in our personal chat, so that nothing about a child is shown here."
        ]
        assert step(h.engine, "phone-contacts").state == "done"


def test_a_step_button_pressed_in_the_officers_channel_is_answered_in_the_personal_chat(sqlite_url, teams_profile):
    run(from_the_channel(sqlite_url, teams_profile))


def test_an_officer_corrects_a_childs_date_of_birth_in_teams(sqlite_url, teams_profile):
    async def scenario():
        async with running(sqlite_url, teams_profile) as h:
            reference = make_case(h.engine, h.context.core.profile, 3, NOW)
            give_child(h.engine, reference)
            said = await h.say(f"/cme correct {reference} dob 12/05/2014 because the admission form", who=OFFICER)
            assert "Corrected the child's date of birth" in said[0].text and "2014" not in said[0].text
            refused = await h.say(f"/cme correct {reference} dob 12/05/2014 because I can")  # Sam, a reporter
            assert "Corrected" not in refused[0].text
            return h.engine

    engine = run(scenario())
    assert child_of(engine, "CME-2026-0003").dob == dt.date(2014, 5, 12)


def test_ten_school_days_on_one_digest_names_all_three_cases_as_the_preview_said(sqlite_url, teams_profile):
    from handlers.casework.preview import preview_day
    from tests.bot.test_terminal_day import ten_school_days_on, three_cases

    async def scenario():
        clock = Clock(BEFORE)
        async with running(sqlite_url, teams_profile, clock=clock) as h:
            await h.say("help", who=OFFICER)  # the officer's personal chat is now known
            core = h.context.core
            clock.now = NOW
            references = three_cases(h.engine, core.profile, OFFICER_KEY)  # raised at NOW
            later = ten_school_days_on(core.profile)
            (previewed,) = [m for m in preview_day(core, on=later.date()).messages if m.recipient["channel"] == "teams"]
            clock.now = later
            before = len(h.connector.to(OFFICER.personal_chat))
            run_sweep(core)
            await h.context.outbox.deliver_pending()
            (digest,) = h.connector.to(OFFICER.personal_chat)[before:]  # one message: no per-step overdue alert
            assert digest.text.startswith("Your day, Thu 10 Dec 2026")
            assert all(reference in digest.text for reference in references) and "Overdue:" not in digest.text
            card = digest.cards[0]
            assert set(buttons(card)) == {f"Open {reference}" for reference in references}
            shown = [block["text"] for block in card["body"] if block["type"] == "TextBlock"][1:]  # after the title
            assert shown == previewed.reply.text.split("\n")  # a line a block, as the preview said

    run(scenario())
