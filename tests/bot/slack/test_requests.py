"""Commands, the DM conversation, retries and signatures, over signed HTTP as Slack sends them."""

from __future__ import annotations

import asyncio
import json
import time

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from bot.slack.channel import BOLT_KEY
from storage.db import make_engine
from storage.models import Conversation
from tests.bot.slack.slack_driver import running, text_of
from tests.handlers.casework.test_cases import make_case
from tests.handlers.casework.test_correct_child import child_of, give_child


def drafts(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(Conversation)).all()
    engine.dispose()
    return found


def test_commands_answer_privately_and_unknown_words_get_help(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            for text in ("help", "", "frobnicate the widgets", "status"):
                status, body = await sam.command(text)
                assert (status, body) == (200, "")
            answers = [call.args for call in await slack.fake.wait_for_responses(4)]
            await asyncio.sleep(0.2)  # and no more
            assert len(slack.fake.responses) == 4 and all(a["response_type"] == "ephemeral" for a in answers)
            texts = [text_of(a["blocks"]) for a in answers]  # each command is answered on its own: any order
            assert sum("/cme report" in text for text in texts) >= 3  # help, a bare /cme and the unknown words
            [unknown] = [text for text in texts if "frobnicate" in text]
            assert "/cme report" in unknown
            assert "haven't raised any concerns" in text_of(answers[3]["blocks"])
            assert not slack.fake.of("views.open")

    asyncio.run(scenario())


def test_dm_conversation_is_the_terminal_chat_and_buttons_answer(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            assert (await sam.dm("report"))[0] == 200
            [first] = await slack.fake.wait_for("chat.postMessage")
            asked = first.args["blocks"]
            assert first.args["channel"] == "DU0REPORTER" and "danger right now" in text_of(asked)  # harm first
            yes_no = next(b for b in asked if b["type"] == "actions")["elements"]
            assert [b["text"]["text"] for b in yes_no][:2] == ["Yes", "No"]
            no = yes_no[1]
            await sam.click(no["action_id"], no["value"], channel={"id": "DU0REPORTER", "name": "directmessage"})
            nxt = (await slack.fake.wait_for("chat.postMessage", 2))[-1].args
            assert nxt["channel"] == "DU0REPORTER" and "first name" in text_of(nxt["blocks"])
            assert drafts(slack_db)[0].state["answers"]["immediate_danger"] is False
            await sam.dm("Zephyrine")
            await sam.dm("Quillfeather")
            asked = (await slack.fake.wait_for("chat.postMessage", 4))[-1].args["blocks"]
            assert "date of birth" in text_of(asked)

    asyncio.run(scenario())


def test_retried_deliveries_are_handled_once(db_url):
    async def scenario():
        async with running(db_url) as slack:
            sam = slack.user("U0REPORTER")
            await sam.dm("report", event_id="Ev0RETRIED1")
            status, _ = await sam.dm("report", event_id="Ev0RETRIED1", headers={"X-Slack-Retry-Num": "1"})
            assert status == 200
            await sam.command("report", trigger_id="1234.5678.retried")
            await sam.command(
                "report",
                trigger_id="1234.5678.retried",
                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
            )
            await slack.fake.wait_for("views.open")
            await asyncio.sleep(0.2)
            assert len(slack.fake.of("chat.postMessage")) == 1
            assert len(slack.fake.of("views.open")) == 1

    asyncio.run(scenario())


def test_forged_or_stale_signatures_are_refused_and_change_nothing(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam = slack.user("U0REPORTER")
            calls_before = len(slack.fake.calls)
            assert (await sam.command("report", secret="not-the-signing-secret"))[0] == 401
            assert (await sam.dm("report", timestamp=int(time.time()) - 6 * 60))[0] == 401
            body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "report"}})
            status, _ = await slack.post(body, "application/json", headers={"X-Slack-Signature": "v0=" + "0" * 64})
            assert status == 401
            await asyncio.sleep(0.2)
            assert len(slack.fake.calls) == calls_before and drafts(slack_db) == []

    asyncio.run(scenario())


class _Watched(str):
    """A text in a Web API body that counts each time something turns it into a log string (repr)."""

    formatted = 0

    def __repr__(self) -> str:
        type(self).formatted += 1
        return super().__repr__()


def test_web_api_calls_and_responses_are_never_formatted_for_a_log_line(slack_db):
    """slack_sdk builds a debug line of the whole body unless its logger's own level is set: it is, so no body
    (a modal can name a child) becomes a string, and the loop does not spend time on lines nobody reads."""

    async def scenario():
        async with running(slack_db) as slack:
            client = slack.client.server.app[BOLT_KEY].client
            title = {"type": "plain_text", "text": _Watched("Zephyrine Quackenbush")}
            await client.views_open(trigger_id="t.1", view={"type": "modal", "title": title, "blocks": []})
            sam = slack.user("U0REPORTER")
            await sam.command("help")
            await slack.fake.wait_for_responses(1)  # a `respond` to the response_url, the other kind of call
            assert slack.fake.of("views.open")[0].args["view"]["title"]["text"] == "Zephyrine Quackenbush"

    asyncio.run(scenario())
    assert _Watched.formatted == 0


def test_an_officer_corrects_a_childs_surname_with_the_slash_command_and_only_they_see_the_answer(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            reference = make_case(core.engine, core.profile, 4, core.clock())
            give_child(core.engine, reference)
            officer = slack.user("U0OFFICER", "olu")
            status, _ = await officer.command(f"correct {reference} surname Testchilde because the school's spelling")
            assert status == 200
            [answer] = [call.args for call in await slack.fake.wait_for_responses(1)]
            assert answer["response_type"] == "ephemeral"
            assert "Corrected the child's surname" in text_of(answer["blocks"])
            return core.engine

    engine = asyncio.run(scenario())
    assert child_of(engine, "CME-2026-0004").surname == "Testchilde"
