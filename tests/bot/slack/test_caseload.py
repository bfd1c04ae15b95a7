"""/cme cases in Slack: the officer's DM and App Home name each child, a page at a time; a channel is told where."""

from __future__ import annotations

import asyncio

from bench.bench_caseload import add_open_cases
from bot.app import CONTEXT_KEY
from bot.slack.ids import button_id
from handlers.messages import ActionId
from storage.children import Child
from storage.db import unit_of_work
from tests.bot.slack.slack_driver import running, text_of
from tests.bot.slack.test_home_and_alerts import CALM, raise_case


def test_an_officer_gets_the_names_in_a_dm_and_in_a_channel_is_told_where_to_ask(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            reference = raise_case(slack, "U0REPORTER", CALM)
            officer = slack.user("U0OFFICER", "cme.officer")
            assert await officer.command("cases", in_dm=True) == (200, "")
            [answer] = [call.args for call in await slack.fake.wait_for_responses(1)]
            shown = text_of(answer["blocks"])
            assert f"{reference} Zephyrine Quillfeather" in shown and "assigned to nobody" in shown
            assert await officer.command("cases") == (200, "")  # in #general
            said = text_of((await slack.fake.wait_for_responses(2))[-1].args["blocks"])
            assert "direct messages" in said and "Zephyrine" not in said and reference not in said
            assert await slack.user("U0REPORTER").command("cases", in_dm=True) == (200, "")
            refused = text_of((await slack.fake.wait_for_responses(3))[-1].args["blocks"])
            assert "CME officer and their manager only" in refused and "Zephyrine" not in refused

    asyncio.run(scenario())


def test_app_home_is_the_caseload_with_names_and_more_shows_the_next_page_in_place(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            with unit_of_work(core.engine) as session:
                made = add_open_cases(session, core.profile, 17, core.clock())
                child = session.get(Child, made[0].child_id)
                named = f"{made[0].reference} {child.forenames} {child.surname}"
            officer = slack.user("U0OFFICER", "cme.officer")
            await officer.open_home()
            first = (await slack.fake.wait_for("views.publish"))[-1].args["view"]["blocks"]
            [more] = [b["accessory"] for b in first if b.get("block_id") == "cme_home_more"]
            assert more["action_id"] == button_id(ActionId.CASES_MORE, 0) and more["value"] == "/cme cases page 2"
            await officer.click(more["action_id"], more["value"], view={"type": "home", "id": "V0HOME"})
            second = (await slack.fake.wait_for("views.publish", 2))[-1].args["view"]["blocks"]
            assert (len(opened(first)), len(opened(second))) == (15, 2) and not set(opened(first)) & set(opened(second))
            assert named in text_of(first) + text_of(second)
            assert not slack.fake.of("chat.postMessage")  # nothing posted: the Home tab changed in place

    asyncio.run(scenario())


def opened(blocks) -> list[str]:
    """The references App Home offers to open, top to bottom."""
    return [b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id", "").startswith("open_")]
