"""Help inside a Slack modal page: "Help with these questions" pushes the page's questions explained over the page.

Driven end to end with signed payloads against the Web API stand-in: the press is acked at once, pushes a
read-only view (views.push with the press's trigger id), sends nothing and leaves the draft as it was; the
page's own submission still works after. Malformed or foreign presses answer cleanly.
"""

from __future__ import annotations

import asyncio
import json

from sqlmodel import Session, select

from bot.slack.ids import Action, Block, Callback
from bot.slack.modals import HELP_CLOSE, MAX_VIEW_BLOCKS, decode_form, help_view, message_view, signpost_view
from handlers.messages import FormView, QuestionHelp, Reply, ReplyKind
from storage.db import make_engine
from storage.models import Conversation
from tests.bot.slack.slack_driver import fill, inputs, text_of
from tests.bot.slack.test_modal import CALM, cases, child_page, opened_modal, page, running
from tests.support import CHILD_MORE_PAGE

TYPED = {"date_last_seen": "2026-10-16", "s2s_status": "not-posted"}  # typed on the page before asking for help


def drafts(db_url: str) -> dict[str, dict]:
    """Every draft in progress, by person: what the press must not change."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = {row.user_key: json.loads(json.dumps(row.state)) for row in session.exec(select(Conversation)).all()}
    engine.dispose()
    return rows


async def school_page(slack, user):
    """The detail's "School" page (when last seen, S2S and the CTF), as Slack shows it."""
    view = await child_page(slack, user)
    for values in (CALM, CHILD_MORE_PAGE, {}):
        view = await page(user, view, values)
    assert inputs(view) == ["date_last_seen", "s2s_status"]
    return view


async def press_help(slack, user, view, pushed_before: int | None = None):
    """Press the page's "Help with these questions" with what was typed; returns (status, the pushed view)."""
    before = len(slack.fake.of("views.push")) if pushed_before is None else pushed_before
    container = {"type": "view", "view_id": view.get("id")}
    status, body = await user.click(Action.PAGE_HELP, "help", view=view, container=container)
    call = (await slack.fake.wait_for("views.push", before + 1))[before]
    return status, body, call


def help_button(view) -> dict:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == Block.PAGE_HELP]
    (button,) = block["elements"]
    return button


def test_help_on_the_s2s_page_pushes_the_ctf_explained_and_the_page_still_submits(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER", "sam.nurse")
            view = await school_page(slack, sam)
            assert help_button(view)["text"]["text"] == "Help with these questions"
            typed = fill(view, TYPED)  # the page as Slack sends it with a press: what is typed so far
            before, posted, updates = (
                drafts(slack_db),
                len(slack.fake.of("chat.postMessage")),
                len(slack.fake.of("views.update")),
            )
            status, body, call = await press_help(slack, sam, typed)
            assert (status, body) == (200, "")  # acked at once, with nothing in the ack
            shown = call.args["view"]
            assert call.args["trigger_id"]  # the press's own trigger, for views.push over the page
            text = text_of(shown["blocks"])
            assert shown["callback_id"] == Callback.HELP and "submit" not in shown  # read-only
            assert shown["close"]["text"] == HELP_CLOSE and not shown.get("notify_on_close")
            assert len(shown["title"]["text"]) <= 24 and len(shown["blocks"]) <= MAX_VIEW_BLOCKS
            assert all(len(b["text"]["text"]) <= 3000 for b in shown["blocks"] if b["type"] == "section")
            assert "Common Transfer File".lower() in text.lower() and "School to School" in text
            assert "Has the child been put on School2School (S2S) or sent a CTF?" in text and "Source:" in text
            assert "When was the child last seen" in text and "There is no more to say" in text
            # Nothing sent, nothing changed: the draft, the page shown, the DM.
            assert drafts(slack_db) == before
            assert len(slack.fake.of("views.update")) == updates
            assert len(slack.fake.of("chat.postMessage")) == posted
            # Closing the help shows the page again as it was (Slack keeps it under the pushed view): it submits.
            following = await page(sam, view, TYPED)
            assert inputs(following)[0] == "reason"
            answers = drafts(slack_db)["slack:T0COUNCIL:U0REPORTER"]["answers"]
            assert answers["s2s_status"] == "not-posted" and answers["date_last_seen"] == "2026-10-16"

    asyncio.run(scenario())


def test_every_page_of_the_quick_report_has_the_help_button_and_the_end_has_none(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await opened_modal(slack, sam)
            help_button(view)  # the first page (harm first of all)
            status, _, call = await press_help(slack, sam, fill(view, {}))
            assert status == 200 and "Is the child in danger right now?" in text_of(call.args["view"]["blocks"])
            assert "There is no more to say about this question." in text_of(call.args["view"]["blocks"])
            view = await page(sam, view, {"immediate_danger": "no"})
            help_button(view)
            assert inputs(view)[0] == "child_forenames"

    asyncio.run(scenario())


def test_presses_that_name_no_page_or_someone_elses_answer_cleanly(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam, eve = slack.user("U0REPORTER"), slack.user("U0OTHER")
            view = await school_page(slack, sam)
            before = drafts(slack_db)
            # Eve sends Sam's page: the help is the form's words, the same for anyone; Sam's draft is untouched.
            status, _, call = await press_help(slack, eve, fill(view, TYPED))
            assert status == 200 and "School to School" in text_of(call.args["view"]["blocks"])
            assert drafts(slack_db) == before and "slack:T0COUNCIL:U0OTHER" not in drafts(slack_db)
            # A page naming a form or a page the app doesn't have: "out of date", pushed in its place.
            pushed = len(slack.fake.of("views.push"))
            form = decode_form(view["private_metadata"])
            for metadata in ({"f": "no-such-form", "s": "school", "d": form.draft_id, "p": [1, 2]}, "not JSON"):
                odd = {**view, "private_metadata": json.dumps(metadata)}
                status, _, call = await press_help(slack, sam, fill(odd, {}), pushed)
                pushed += 1
                assert status == 200 and "out of date" in text_of(call.args["view"]["blocks"])
            # No view at all: nothing to push over, nothing pushed, a 200. No trigger: refused at the edge, a 400.
            status, _ = await sam.click(Action.PAGE_HELP, "help")
            assert status == 200
            status, _ = await sam.click(Action.PAGE_HELP, "help", view=fill(view, {}), trigger_id=None)
            assert status == 400
            await asyncio.sleep(0.2)
            assert len(slack.fake.of("views.push")) == pushed and drafts(slack_db) == before
            assert cases(slack_db) == []

    asyncio.run(scenario())


def test_a_help_push_slack_refuses_is_logged_by_its_error_only(slack_db, caplog):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            view = await opened_modal(slack, sam)
            slack.fake.fail("views.push", error="push_limit_reached")
            status, _, _ = await press_help(slack, sam, fill(view, {}))
            assert status == 200
            await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert "views.push of a page's help failed (push_limit_reached)" in caplog.text


def test_long_help_is_cut_between_lines_within_slacks_limits():
    long_line = "A long explanation. " * 200  # 4,000 characters: more than a section takes
    many = tuple(QuestionHelp(f"q{i}", f"Question {i}?", (long_line, "Short line.")) for i in range(80))
    shown = help_view("A page title that is long " * 10, many)
    sections = [b["text"]["text"] for b in shown["blocks"] if b["type"] == "section"]
    assert len(shown["blocks"]) == MAX_VIEW_BLOCKS and len(shown["title"]["text"]) <= 24
    assert all(len(text) <= 3000 for text in sections) and len(shown["blocks"][0]["text"]["text"]) <= 150
    assert sections[0].startswith("*Question 0?*") and sections[1].endswith("…") and sections[2] == "• Short line."
    assert "type `help` at a question in the chat" in text_of(shown["blocks"][-1:])  # where the rest is


def test_views_without_questions_have_no_help_button():
    page = FormView("cme-referral", "child", "d" * 32, step=(2, 4))
    signpost = signpost_view([Reply("Call MASH now.", kind=ReplyKind.SIGNPOST)], [], page)
    done = message_view([Reply("Concern raised: CME-2026-0001", kind=ReplyKind.CONFIRMATION)], title="Concern raised")
    for view in (signpost, done):
        assert not [b for b in view["blocks"] if b.get("block_id") == Block.PAGE_HELP]
