"""The background jobs: outbox delivery, the reminder sweep and digest (and due SARs, reporters' unanswered
questions), draft expiry, harm drafts not sent; stopped gracefully.

APScheduler runs them. At shutdown APScheduler cancels a job that is running, which could stop a
delivery between its send and its "sent" mark (the message would go again once its claim
expired) and logs the cancellation as an error. So each job's work runs as its own task that the
cancellation doesn't reach, and `stop` gives it a few seconds to finish.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.logs import new_request_id, request_scope
from bot.metrics import Metrics
from bot.notify import OutboxSender
from handlers.casework import follow_ups, harm_drafts
from handlers.casework.reminders import run_sweep
from handlers.core import Core
from handlers.forms.flows import expire_idle_drafts
from handlers.records import retention
from handlers.records.sar_requests import remind_due
from handlers.reports.monthly import queue_monthly_stats
from storage.db import unit_of_work
from storage.types import utcnow

log = logging.getLogger(__name__)
OUTBOX_EVERY_SECONDS = 10
DRAFTS_EVERY_MINUTES = 15
HARM_DRAFTS_EVERY_SECONDS = 60  # a referral with harm flagged, cancelled or expired: the officers hear within a minute
STOP_GRACE_SECONDS = 10.0
RETENTION_AT = {"hour": 2, "minute": 15}  # daily, council time, when nobody is working cases
Work = Callable[[], Awaitable[object]]


def expire_drafts(core: Core) -> int:
    """Delete the answers of drafts idle past the profile's limit (their owners are told next time)."""
    with unit_of_work(core.engine) as session:
        return expire_idle_drafts(session, profile=core.profile, now=core.clock())


def run_retention(core: Core) -> int:
    """Anonymise the closed cases past their retention date today (handlers/records/retention.py); how many."""
    today = core.clock().astimezone(core.profile.tz).date()
    return sum(not due.held for due in retention.run(engine=core.engine, profile=core.profile, today=today))


class Jobs:
    """The scheduler and the work it has in flight."""

    def __init__(self, core: Core, outbox: OutboxSender, metrics: Metrics | None = None) -> None:
        self.core, self.outbox, self.metrics = core, outbox, metrics
        self.scheduler = AsyncIOScheduler(timezone=str(core.profile.tz))
        self.in_flight: set[asyncio.Task] = set()
        self.finished: set[str] = set()  # names of jobs that have run at least once

    def start(self) -> None:
        """Schedule every job and start: the sweep and draft expiry run at once, then on their intervals."""
        once = {"max_instances": 1, "coalesce": True}
        deliver = self._shielded(self.outbox.deliver_pending, "outbox")
        self.scheduler.add_job(deliver, "interval", seconds=OUTBOX_EVERY_SECONDS, id="outbox", name="outbox", **once)
        expire = self._shielded(lambda: asyncio.to_thread(expire_drafts, self.core), "drafts")
        drafts = {"minutes": DRAFTS_EVERY_MINUTES, "next_run_time": utcnow()}
        self.scheduler.add_job(expire, "interval", id="drafts", name="expire idle drafts", **drafts, **once)
        unsent = self._shielded(lambda: asyncio.to_thread(harm_drafts.run_check, self.core), "harm-drafts")
        every = {"seconds": HARM_DRAFTS_EVERY_SECONDS}
        self.scheduler.add_job(unsent, "interval", id="harm-drafts", name="harm drafts not sent", **every, **once)
        self._add_reminder_jobs()
        retain = self._shielded(lambda: asyncio.to_thread(run_retention, self.core), "retention")
        # misfire_grace_time None: a server down at 02:15 runs it when it is back (a second run does nothing).
        daily = {**RETENTION_AT, "misfire_grace_time": None, **once}
        self.scheduler.add_job(retain, "cron", id="retention", name="daily retention", **daily)
        self.scheduler.start()

    def _add_reminder_jobs(self) -> None:
        """The reminder sweep every few minutes (from now: a restart catches up at once) and at digest time."""
        settings = self.core.profile.reminders
        remind = self._shielded(self._timed_sweep, "reminders")
        # coalesce: after downtime the missed runs collapse into one sweep, which sends one digest.
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        every = {"minutes": settings.sweep_minutes, "next_run_time": utcnow()}
        self.scheduler.add_job(remind, "interval", id="reminders", name="reminder sweep", **every, **common)
        at = {"day_of_week": "mon-fri", "hour": settings.digest_time.hour, "minute": settings.digest_time.minute}
        self.scheduler.add_job(remind, "cron", id="digest", name="digest sweep", **at, **common)

    async def _remind(self) -> None:
        await asyncio.to_thread(run_sweep, self.core)
        await asyncio.to_thread(follow_ups.run_reminders, self.core)  # a reporter's unanswered question: once
        await asyncio.to_thread(remind_due, self.core)  # subject access requests due within days: once a day
        await asyncio.to_thread(queue_monthly_stats, self.core)  # the profile's monthly figures, once a month
        await self.outbox.deliver_pending()

    async def _timed_sweep(self) -> None:
        # Timed for /metrics: the last success is what an alert watches (a sweep that keeps failing sends nothing).
        started, ok = time.perf_counter(), False
        try:
            await self._remind()
            ok = True
        finally:
            if self.metrics is not None:
                self.metrics.sweep_finished(time.perf_counter() - started, ok=ok)

    def _shielded(self, work: Work, name: str) -> Callable[[], Awaitable[None]]:
        def done(task: asyncio.Task) -> None:
            self.in_flight.discard(task)
            self.finished.add(name)

        async def job() -> None:
            # Each run gets an id ("job-reminders-3f9a2c"), as a request does: its lines (threads too) read together.
            with request_scope(f"job-{name}-{new_request_id()[:6]}"):
                task = asyncio.ensure_future(work())  # the task keeps the context, and the id, it was made in
            self.in_flight.add(task)
            task.add_done_callback(done)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                return  # the scheduler is shutting down: stop() waits for the task itself

        return job

    async def started(self, timeout: float = 10.0) -> None:
        """Wait until the jobs that run at start (the sweep, draft expiry) have finished once."""
        async with asyncio.timeout(timeout):
            while not {"reminders", "drafts"} <= self.finished:
                await asyncio.sleep(0.01)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop scheduling, then let work in flight finish (up to `grace` seconds) before the engine closes."""
        self.scheduler.shutdown(wait=False)
        if not self.in_flight:
            return
        finished, late = await asyncio.wait(set(self.in_flight), timeout=grace)
        for task in late:
            log.warning("a background job was still running after %.0f s at shutdown; stopping it", grace)
            task.cancel()
        for task in finished:  # nobody else awaits these now: say what went wrong, by type only
            if not task.cancelled() and task.exception() is not None:
                log.warning("a background job failed at shutdown (%s)", type(task.exception()).__name__)
