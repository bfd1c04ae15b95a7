"""The daily retention job in `cme-bot serve`'s scheduler: scheduled at night, and it anonymises what is due."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from bot.jobs import Jobs
from bot.notify import OutboxSender
from storage.models import Case
from storage.types import utcnow
from tests.handlers.casework.test_child_intake import AVA, close, refer


def test_the_daily_job_runs_at_night_and_anonymises_a_case_past_its_date(router, core, clock):
    reference = refer(router, "alice", AVA)
    close(router, reference)
    clock.advance(days=365 * 7 + 10)  # past the closed CME case's 7 years

    async def scenario() -> str:
        jobs = Jobs(core, OutboxSender(core))
        jobs.start()
        job = jobs.scheduler.get_job("retention")
        when = str(job.trigger)
        jobs.scheduler.modify_job("retention", next_run_time=utcnow())
        async with asyncio.timeout(20):
            while "retention" not in jobs.finished:
                await asyncio.sleep(0.05)
        await jobs.stop()
        return when

    when = asyncio.run(scenario())
    assert "hour='2'" in when and "minute='15'" in when
    with Session(core.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
    assert case.anonymised_at is not None
