"""/cme find in Slack: a signed slash command from an officer gets the results privately; a reporter is refused."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.app import CONTEXT_KEY
from tests.bot.slack.slack_driver import running, text_of
from tests.handlers.children.kin import add_case, add_child


def test_an_officer_finds_a_child_with_a_slash_command_and_a_reporter_is_refused(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            ava = add_child(core.engine, forenames="Ava", surname="Testchild", dob=dt.date(2014, 5, 2))
            reference = add_case(core.engine, core.profile, ava, 1)
            officer, reporter = slack.user("U0OFFICER", "cme.officer"), slack.user("U0REPORTER")
            assert await officer.command("find testch") == (200, "")
            [answer] = [call.args for call in await slack.fake.wait_for_responses(1)]
            assert answer["response_type"] == "ephemeral"  # only the officer sees it, even typed in a channel
            shown = text_of(answer["blocks"])
            assert "Ava Testchild, born 2 May 2014" in shown and f"{reference} open" in shown
            buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
            assert [b["value"] for b in buttons] == [f"/cme case {reference}"]
            assert await reporter.command("find testch") == (200, "")
            refused = (await slack.fake.wait_for_responses(2))[-1].args
            assert "CME officer and their manager only" in text_of(refused["blocks"])
            assert "Testchild" not in str(refused)
            await asyncio.sleep(0.1)
            assert not any("Testchild" in str(call.args) for call in slack.fake.of("chat.postMessage"))

    asyncio.run(scenario())
