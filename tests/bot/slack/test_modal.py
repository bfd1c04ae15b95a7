"""The referral as a Slack modal, end to end over signed HTTP: pages, inline errors, harm, double submit, slow core."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from bot.slack import opening, pages
from bot.slack.ids import Action, Callback
from bot.slack.modals import decode_form
from storage.db import make_engine
from storage.models import Case, Report
from tests.bot.slack.slack_driver import fill, inputs, running, text_of
from tests.support import CHILD_MORE_PAGE, CHILD_PAGE

CHILD = CHILD_PAGE
DANGER = {"immediate_danger": "no"}
YOU = {"concern": "Not seen since half term."}
MORE = {"next_step": "more"}  # "Add more detail now": the rest of the form
HARM = {"harm_indicators": ["abuse-neglect"]}
CALM = {"harm_indicators": ["none"]}
REASON = {"reason": "contact-failed", "destination_known": "no"}
REFERRER = {"referrer_role": "School nurse", "referrer_agency": "NHS"}
QUICK_TURNS = 5  # README: "/cme report" and four pages (danger, the child, your concern, send now)


async def opened_modal(slack, user):
    """Type /cme report; returns the first page as Slack shows it."""
    opened, updated = len(slack.fake.of("views.open")), len(slack.fake.of("views.update"))
    status, body = await user.command("report")
    assert (status, body) == (200, "")
    view = await slack.fake.modal(opened + 1)
    # The core answered in time: one views.open showed the page, with no "working" view in between.
    assert view["callback_id"] == Callback.PAGE and len(slack.fake.of("views.update")) == updated
    return view


async def page(user, view, values, expect="update"):
    """Submit a page; returns the view Slack shows next (or the ack for errors)."""
    status, ack = await user.submit(fill(view, values))
    assert status == 200
    assert ack["response_action"] == expect, ack
    if expect != "update":
        return ack
    shown = {**ack["view"], "id": view["id"], "hash": f"next-{id(ack)}"}
    user.slack.fake.views[view["id"]] = shown  # Slack now shows it, with a new hash (a response_action update)
    return shown


async def changed(slack, user, view, values, block_id):
    """Answer a question that shows or hides others on the page; the page as Slack shows it after."""
    before = len(slack.fake.of("views.update"))
    status, _ = await user.change(view, values, block_id)
    assert status == 200
    await slack.fake.wait_for("views.update", before + 1)
    return slack.fake.views[view["id"]]


async def shown_child_page(slack, user, view):
    """The child's page, with 'home educated' hidden once 'on roll' says yes and shown again for no."""
    assert inputs(view)[0] == "child_forenames" and "home_educated" in inputs(view)
    view = await changed(slack, user, view, {"on_roll": "yes"}, "on_roll")
    assert "home_educated" not in inputs(view)
    view = await changed(slack, user, view, {"on_roll": "no"}, "on_roll")
    assert "home_educated" in inputs(view)
    return view


async def child_page(slack, user, values=CHILD):
    """The quick report's pages with "Add more detail now"; returns the first page of the detail ("Safety")."""
    view = await page(user, await opened_modal(slack, user), DANGER)
    view = await page(user, await shown_child_page(slack, user, view), values)
    view = await page(user, view, YOU)
    assert inputs(view) == ["next_step"] and view["submit"]["text"] == "Continue"
    assert "minutes" in text_of(view["blocks"])  # how long adding more detail takes
    return await page(user, view, MORE)


async def about_you_page(slack, user):
    """A calm referral up to its last page ("About you"), as Slack shows it."""
    view = await child_page(slack, user)
    for values in (CALM, CHILD_MORE_PAGE, {}, {}, REASON):
        view = await page(user, view, values)
    return view


def initial_values(view) -> dict:
    """What each input shows before the person types anything."""
    return {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}


def cases(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(Case)).all()
    engine.dispose()
    return found


def test_modal_end_to_end_with_harm_signpost_and_double_submit(db_url):
    async def scenario():
        async with running(db_url) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            view = await child_page(slack, sam)
            assert inputs(view) == ["harm_indicators"]
            signpost = await page(sam, view, HARM)
            assert signpost["callback_id"] == Callback.SIGNPOST
            assert "MASH" in text_of(signpost["blocks"]) and "0161 253 5678" in text_of(signpost["blocks"])
            view = await page(sam, signpost, {})
            assert inputs(view) == ["mash_contacted"]
            for values in ({"mash_contacted": "yes"}, CHILD_MORE_PAGE, {}, {}, REASON):
                view = await page(sam, view, values)
            assert view["submit"]["text"] == "Send" and inputs(view)[0] == "referrer_role"
            first, second = await asyncio.gather(sam.submit(fill(view, REFERRER)), sam.submit(fill(view, REFERRER)))
            [case] = cases(db_url)
            for status, ack in (first, second):
                assert status == 200 and case.reference in text_of(ack["view"]["blocks"])
            assert case.urgent
            await slack.fake.wait_for("chat.postMessage", 3)  # the outbox delivers: Sam's confirmation, two alerts
            to_sam = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "U0REPORTER"]
            assert len(to_sam) == 1
            assert case.reference in text_of(to_sam[0].args["blocks"]) and "MASH" in text_of(to_sam[0].args["blocks"])
            officers = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "C0OFFICERS"]
            assert len(officers) == 2 and "URGENT" in officers[0].args["text"]
            assert not any("Zephyrine" in str(c.args) or "Quillfeather" in str(c.args) for c in officers)
            assert officers[-1].args["blocks"][-1]["elements"][0]["value"] == case.reference

    asyncio.run(scenario())


def test_errors_come_back_inline_on_the_right_blocks(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await page(sam, await opened_modal(slack, sam), DANGER)
            bad = {"child_forenames": "Zephyrine", "child_dob": "2031-01-01", "on_roll": "no", "home_educated": "no"}
            ack = await page(sam, view, bad, expect="errors")
            assert set(ack["errors"]) == {"child_dob", "child_surname"}
            assert "future" in ack["errors"]["child_dob"] and "required" in ack["errors"]["child_surname"]
            # A question that now applies but isn't on the page: the page comes back with it, marked.
            view = await changed(slack, sam, view, {"on_roll": "yes"}, "on_roll")
            assert "home_educated" not in inputs(view) and "child_year_group" in inputs(view)
            shown = await page(sam, view, {**{k: v for k, v in CHILD.items() if k in inputs(view)}, "on_roll": "no"})
            assert "home_educated" in inputs(shown) and "This is required." in text_of(shown["blocks"])
            # A year group the date of birth doesn't fit is not taken: the page says which to correct.
            mismatch = {k: v for k, v in CHILD.items() if k in inputs(view)}
            mismatch.update(on_roll="yes", child_dob="2019-12-12", child_year_group="year-6")
            ack = await page(sam, view, mismatch, expect="errors")
            assert "doesn't fit the date of birth" in ack["errors"]["child_year_group"]
            assert cases(slack_db) == []

    asyncio.run(scenario())


def test_calm_referral_has_no_signpost_step_and_confirms_once(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await child_page(slack, sam)
            view = await page(sam, view, CALM)
            assert view["callback_id"] == Callback.PAGE and inputs(view)[0] == "missing_from_home"
            for values in (CHILD_MORE_PAGE, {}, {}, REASON):
                view = await page(sam, view, values)
            done = await page(sam, view, REFERRER)
            [case] = cases(slack_db)
            assert not case.urgent and "Concern raised" in done["title"]["text"]
            assert "MASH" not in text_of(done["blocks"])

    asyncio.run(scenario())


def test_about_you_comes_filled_in_from_the_slack_profile(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")  # new to the bot: Slack is asked who they are after the first ack
            view = await page(sam, await opened_modal(slack, sam), DANGER)
            view = await page(sam, view, CHILD)
            shown = initial_values(view)  # to confirm, or change
            assert shown["referrer_name"] == "Sam Reporter"
            assert shown["referrer_contact"] == "sam.reporter@school.example.org"
            view = await page(sam, view, YOU)
            for values in (MORE, CALM, CHILD_MORE_PAGE, {}, {}, REASON):
                view = await page(sam, view, values)
            shown = initial_values(view)
            assert shown["referrer_email"] == "sam.reporter@school.example.org"
            assert shown["referrer_role"] is None  # Slack doesn't know it: theirs to type
            await page(sam, view, {"referrer_role": "School nurse", "referrer_agency": "NHS"})
            [case] = cases(slack_db)
            assert len(slack.fake.of("users.info")) == 1  # looked up once, not on every page
        return case

    case = asyncio.run(scenario())
    engine = make_engine(slack_db)
    with Session(engine) as session:
        answers = session.exec(select(Report).where(Report.case_id == case.id)).one().answers
    engine.dispose()
    assert (answers["referrer_name"], answers["referrer_email"]) == ("Sam Reporter", "sam.reporter@school.example.org")


def test_a_bare_command_reads_no_profile_and_a_dm_does(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            await sam.command("contacts")
            await slack.fake.wait_for_responses(1)
            await asyncio.sleep(0.2)  # time for a look-up, were one coming
            assert slack.fake.of("users.info") == []  # the directory needs nobody's profile
            await sam.dm("report", event_id="Ev0PROFILE")
            [call] = await slack.fake.wait_for("users.info")
            assert call.args["user"] == "U0REPORTER"

    asyncio.run(scenario())


def test_without_a_profile_the_referrer_types_their_details(slack_db, caplog):
    async def scenario():
        async with running(slack_db) as slack:
            slack.fake.fail("users.info", error="missing_scope", times=5)  # users:read.email not granted
            sam = slack.user("U0REPORTER")
            view = await page(sam, await page(sam, await opened_modal(slack, sam), DANGER), CHILD)
            assert not initial_values(view)["referrer_name"] and not initial_values(view)["referrer_contact"]
            ack = await page(sam, view, YOU, expect="errors")
            assert {"referrer_name", "referrer_contact"} <= set(ack["errors"])  # asked for, not lost

    asyncio.run(scenario())
    assert any("missing_scope" in r.getMessage() for r in caplog.records)


def test_acks_at_once_when_the_core_is_slow(slack_db, monkeypatch):
    monkeypatch.setattr(pages, "ACK_BUDGET", 0.2)
    monkeypatch.setattr(opening, "OPEN_BUDGET", 0.1)

    async def scenario():
        async with running(slack_db) as slack:
            router = slack.client.server.app[CONTEXT_KEY].router
            handle = router.handle
            monkeypatch.setattr(router, "handle", lambda inbound: (time.sleep(0.6), handle(inbound))[1])
            sam = slack.user("U0REPORTER")
            started = time.perf_counter()
            status, _ = await sam.command("report")
            assert status == 200 and time.perf_counter() - started < 0.3
            [opened] = await slack.fake.wait_for("views.open")
            assert opened.args["view"]["callback_id"] == Callback.WORKING
            assert not slack.fake.of("views.update")  # the modal is open before the core has answered
            [filled] = await slack.fake.wait_for("views.update")
            view = slack.fake.views[filled.args["view_id"]]
            started = time.perf_counter()
            status, ack = await sam.submit(fill(view, DANGER))
            assert ack["view"]["callback_id"] == Callback.WORKING and time.perf_counter() - started < 0.5
            await slack.fake.wait_for("views.update", 2)
            assert inputs(slack.fake.views[view["id"]])[0] == "child_forenames"

    asyncio.run(scenario())


def test_raise_a_concern_in_app_home_opens_the_form_first_and_about_you_still_comes_filled_in(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            assert (await sam.click(Action.START_REPORT, "report"))[0] == 200
            view = await slack.fake.modal(1)
            await asyncio.sleep(0.2)  # time for a look-up, were one coming
            assert slack.fake.of("users.info") == []  # the press's only Web API call is the modal itself
            view = await page(sam, view, DANGER)
            view = await page(sam, view, CHILD)
            assert initial_values(view)["referrer_name"] == "Sam Reporter"
            assert len(slack.fake.of("users.info")) == 1

    asyncio.run(scenario())


async def settled(slack, view, timeout: float = 20.0):
    """The view once the core has answered: a busy machine acks with "Working on it" and updates it after."""
    deadline = time.monotonic() + timeout
    while view.get("callback_id") == Callback.WORKING and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        view = slack.fake.views.get(view["id"], view)
    return view


def test_the_quick_report_in_a_modal_gives_a_reference_in_at_most_12_turns(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            quick = {"danger": DANGER, "child": CHILD, "you": YOU, "send": {"next_step": "send"}}
            view, turns = await opened_modal(slack, sam), 1
            while view.get("callback_id") == Callback.PAGE and turns <= 12:
                section = decode_form(view["private_metadata"]).section_id
                view, turns = await settled(slack, await page(sam, view, quick[section])), turns + 1
            [case] = cases(slack_db)
            assert "Concern raised" in view["title"]["text"] and case.reference in text_of(view["blocks"])
            assert turns <= 12 and turns == QUICK_TURNS, turns

    asyncio.run(scenario())
