"""At shutdown the Slack bridge finishes the work its acks started (and what that started), within a grace period."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.app import CONTEXT_KEY
from tests.bot.slack.slack_driver import running


def test_drain_waits_for_work_started_after_acks_and_the_work_it_started(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            bridge = slack.client.server.app[CONTEXT_KEY].extras["slack"]
            done: list[str] = []

            async def reply() -> None:
                await asyncio.sleep(0.05)
                done.append("reply")

            async def modal() -> None:
                await asyncio.sleep(0.1)
                done.append("modal")
                bridge.background(reply())  # started by work that was itself started after an ack

            bridge.background(modal())
            await bridge.drain(grace=5)
            assert done == ["modal", "reply"]

    asyncio.run(scenario())


def test_drain_gives_up_after_its_grace_and_says_so(slack_db, caplog):
    async def scenario():
        async with running(slack_db) as slack:
            bridge = slack.client.server.app[CONTEXT_KEY].extras["slack"]
            stuck = bridge.background(asyncio.sleep(30))
            started = time.monotonic()
            await bridge.drain(grace=0.2)
            assert time.monotonic() - started < 2 and not stuck.done()
            stuck.cancel()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert "1 Slack background tasks still running at shutdown" in caplog.text
