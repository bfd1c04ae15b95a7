"""The background jobs at shutdown: a delivery in flight finishes and is marked sent; no error is logged."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session, select

from bot.jobs import Jobs
from bot.notify import OutboxSender
from handlers.casework.digest import outbox_row
from storage.db import unit_of_work
from storage.models import Outbox
from storage.types import utcnow
from tests.support import Person

OFFICERS = {"channel": "teams", "conversation_id": "19:officers@thread.tacv2", "extra": {}}


class SlowChannel:
    """A channel whose sends take a while, so shutdown comes in the middle of one."""

    def __init__(self) -> None:
        self.started, self.delivered = asyncio.Event(), []

    async def __call__(self, address, reply) -> None:
        self.started.set()
        await asyncio.sleep(0.3)
        self.delivered.append(reply.text)


def test_shutdown_lets_a_delivery_in_flight_finish_and_mark_its_message_sent(core, caplog):
    with unit_of_work(core.engine) as session:
        session.add(
            outbox_row("case.new", "new:CME-2026-0001", OFFICERS, "New concern CME-2026-0001", {}, now=core.clock())
        )

    async def scenario() -> SlowChannel:
        channel, outbox = SlowChannel(), OutboxSender(core)
        outbox.register("teams", channel)
        jobs = Jobs(core, outbox)
        jobs.start()
        jobs.scheduler.modify_job("outbox", next_run_time=utcnow())
        await asyncio.wait_for(channel.started.wait(), timeout=10)
        await jobs.stop()
        return channel

    with caplog.at_level(logging.INFO):
        channel = asyncio.run(scenario())
    assert channel.delivered == ["New concern CME-2026-0001"]
    with Session(core.engine) as session:
        [row] = session.exec(select(Outbox)).all()
    assert row.sent_at is not None and row.claimed_until is None  # not left claimed, so never sent twice
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_jobs_tell_officers_of_a_harm_draft_cancelled_and_remind_a_reporter_once(core, router, clock):
    from handlers.commands import build_router
    from tests.handlers.casework.test_child_intake import AVA, refer
    from tests.handlers.casework.test_harm_drafts import writing

    writing(router).say("cancel")  # harm flagged, then the draft cancelled
    reference = refer(build_router(core), "bob", AVA)
    Person(router, user="cme-officer").say(f"/cme follow-up {reference} Has the family been seen?")
    clock.advance(days=5)  # Tuesday 1 Dec: three school days on

    async def scenario() -> None:
        jobs = Jobs(core, OutboxSender(core))
        jobs.start()
        await jobs.started()
        for name in ("harm-drafts", "reminders"):
            jobs.scheduler.modify_job(name, next_run_time=utcnow())
        for _ in range(200):
            kinds = {row.kind for row in _rows(core)}
            if {"harm.unsent", "reporter.reminder"} <= kinds:
                break
            await asyncio.sleep(0.05)
        await jobs.stop()

    asyncio.run(scenario())
    kinds = [row.kind for row in _rows(core)]
    assert kinds.count("harm.unsent") == 1 and kinds.count("reporter.reminder") == 1


def _rows(core) -> list[Outbox]:
    with Session(core.engine) as session:
        return list(session.exec(select(Outbox)).all())
