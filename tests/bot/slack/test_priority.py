"""Acks first: the work after an ack waits while other Slack requests are being acked, and never for ever.

These assert what happens in what order, not how fast (bench/bench_slack.py measures that): work waits
while an ack is in progress, including one that arrives while it waits; its core turn takes a database
thread of its own and checks for acks again when it has one; and, on the real server, every command is
acked while the database threads are busy, its modal opening after.
"""

from __future__ import annotations

import asyncio
import threading

from bot.app import CONTEXT_KEY
from bot.slack.priority import AcksFirst, turn_slot
from bot.threads import thread_count
from tests.bot.slack.slack_driver import running


async def settle(turns: int = 20) -> None:
    """Let every task that can run do so (a number of loop turns, not a time)."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def acked(acks: AcksFirst, name: str, answered: asyncio.Event, order: list[str]) -> None:
    """A request being acked until `answered` is set."""
    with acks.acking_one():
        await answered.wait()
        order.append(f"acked {name}")


def test_work_runs_at_once_when_nothing_is_being_acked():
    async def scenario():
        acks, order = AcksFirst(max_wait=3600), []

        async def work() -> str:
            order.append("work")
            return "done"

        later = asyncio.ensure_future(acks.after_acks(work()))
        await settle()
        assert later.done() and order == ["work"], "it did not wait for a deadline with nothing to wait for"
        return await later

    assert asyncio.run(scenario()) == "done"


def test_work_waits_for_every_ack_in_progress_even_one_that_arrives_while_it_waits():
    async def scenario():
        acks, order = AcksFirst(max_wait=3600), []
        first_answered, second_answered = asyncio.Event(), asyncio.Event()

        async def work() -> None:
            order.append("work")

        first = asyncio.ensure_future(acked(acks, "first", first_answered, order))
        await settle()
        later = asyncio.ensure_future(acks.after_acks(work()))
        await settle()
        assert acks.waiting == 1 and order == []
        second = asyncio.ensure_future(acked(acks, "second", second_answered, order))
        await settle()
        first_answered.set()
        await settle()
        assert order == ["acked first"], "the second request is still being acked: the work waits on"
        second_answered.set()
        await asyncio.gather(first, second, later)
        return order

    assert asyncio.run(scenario()) == ["acked first", "acked second", "work"]


def test_work_runs_at_its_deadline_when_an_ack_never_finishes():
    async def scenario():
        acks, order = AcksFirst(max_wait=0.05), []
        never = asyncio.Event()
        stuck = asyncio.ensure_future(acked(acks, "stuck", never, order))
        await settle()
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def work() -> float:
            order.append("work")
            return loop.time() - started

        waited = await acks.after_acks(work())
        assert order == ["work"] and acks.acking == 1, "the work ran while the ack was still in progress"
        stuck.cancel()
        return waited

    assert asyncio.run(scenario()) >= 0.05  # it waited for its deadline, not for the ack


def test_a_turn_takes_a_database_thread_of_its_own_and_lets_acks_go_first_again():
    async def scenario():
        acks, order = AcksFirst(max_wait=3600, turn_slots=1), []
        first_turn_done, ack_answered, free = asyncio.Event(), asyncio.Event(), asyncio.Event()
        free.set()

        async def work(name: str, until: asyncio.Event) -> None:
            async with turn_slot():
                order.append(f"turn {name}")
                await until.wait()

        first = asyncio.ensure_future(acks.after_acks(work("first", first_turn_done)))
        second = asyncio.ensure_future(acks.after_acks(work("second", free)))
        await settle()
        assert order == ["turn first"], "one database thread: the second turn waits for the first's"
        ack = asyncio.ensure_future(acked(acks, "a request", ack_answered, order))
        await settle()
        first_turn_done.set()
        await settle()
        assert order == ["turn first"], "the thread is free, but a request is being acked: it goes first"
        ack_answered.set()
        await asyncio.gather(first, second, ack)
        return order

    assert asyncio.run(scenario()) == ["turn first", "acked a request", "turn second"]


def test_a_turn_outside_work_after_an_ack_never_waits():
    async def scenario():
        acks = AcksFirst(max_wait=3600)
        with acks.acking_one():  # a page's answer rides on its own ack: it must not wait for itself
            async with turn_slot():
                return "answered"

    assert asyncio.run(scenario()) == "answered"


def test_a_modal_opens_after_the_ack_another_request_is_still_waiting_for(db_url):
    async def scenario():
        async with running(db_url) as slack:
            bridge = slack.client.server.app[CONTEXT_KEY].extras["slack"]
            bridge.acks.max_wait = 3600
            with bridge.acks.acking_one():  # another request still being answered
                status, _ = await slack.user("U0REPORTER").command("report")
                assert status == 200
                while not bridge.acks.waiting:  # the report's work has reached the gate
                    await asyncio.sleep(0.01)
                assert slack.fake.of("views.open") == []  # its modal waits: the other ack goes first
            await slack.fake.wait_for("views.open")  # and opens once that ack is out

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_every_command_is_acked_while_the_database_thread_is_busy_and_its_modal_opens_after(db_url):
    async def scenario():
        async with running(db_url) as slack:
            context = slack.client.server.app[CONTEXT_KEY]
            held = threading.Event()
            for _ in range(thread_count(context.core.engine)):  # long turns (or a slow database) hold every thread
                context.db_threads.executor.submit(held.wait, 60)
            try:
                for n in range(5):
                    status, _ = await slack.user(f"U0REPORT{n}").command("report")
                    assert status == 200, "acked without waiting for the database"
            finally:
                held.set()
            await slack.fake.wait_for("views.open", 5, timeout=30)  # each modal opens once the turns can run

    asyncio.run(scenario())
