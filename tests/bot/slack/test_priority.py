"""Acks first: work after an ack waits while other Slack requests are being acked, never longer than MAX_WAIT.

The last test drives the real server: a /cme report's modal does not open while another signed request is
still being answered, and opens as soon as that one is.
"""

from __future__ import annotations

import asyncio
import time

from bot.app import CONTEXT_KEY
from bot.slack.priority import AcksFirst
from tests.bot.slack.slack_driver import running


def test_work_starts_at_once_when_nothing_is_being_acked():
    async def scenario():
        acks = AcksFirst(max_wait=5)
        started = time.monotonic()
        assert await acks.after_acks(asyncio.sleep(0, result="done")) == "done"
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.5


def test_work_waits_for_the_acks_in_progress_then_runs():
    async def scenario():
        acks, order = AcksFirst(max_wait=5), []

        async def ack(name: str, seconds: float) -> None:
            with acks.acking_one():
                await asyncio.sleep(seconds)
                order.append(f"acked {name}")

        async def work() -> None:
            order.append("work")

        first = asyncio.ensure_future(ack("first", 0.2))
        await asyncio.sleep(0)
        later = asyncio.ensure_future(acks.after_acks(work()))
        await asyncio.sleep(0.1)
        second = asyncio.ensure_future(ack("second", 0.3))  # arrives while the work waits: it goes first too
        await asyncio.gather(first, second, later)
        return order

    assert asyncio.run(scenario()) == ["acked first", "acked second", "work"]


def test_work_never_waits_longer_than_max_wait():
    async def scenario():
        acks = AcksFirst(max_wait=0.3)
        with acks.acking_one():  # a request that takes for ever to answer
            started = time.monotonic()
            await acks.after_acks(asyncio.sleep(0))
            return time.monotonic() - started

    waited = asyncio.run(scenario())
    assert 0.25 <= waited < 1.5


def test_a_modal_opens_after_the_ack_another_request_is_still_waiting_for(db_url):
    async def scenario():
        async with running(db_url) as slack:
            bridge = slack.client.server.app[CONTEXT_KEY].extras["slack"]
            bridge.acks.max_wait = 10
            with bridge.acks.acking_one():  # another request still being answered
                status, _ = await slack.user("U0REPORTER").command("report")
                assert status == 200
                await asyncio.sleep(0.5)
                assert slack.fake.of("views.open") == []  # its modal waits: the other ack goes first
            await slack.fake.wait_for("views.open")  # and opens once that ack is out

    asyncio.run(scenario())
