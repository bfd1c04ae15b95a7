"""create_app(settings): the aiohttp server with every channel, /healthz, and background jobs.

Channels mount themselves: each channel package under bot/ offers `mount(app, context)` and is
skipped when its credentials are not configured.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.notify import OutboxSender
from bot.threads import DatabaseThreads
from bot.wiring import build
from handlers.core import Core
from handlers.flows import expire_idle_drafts
from handlers.messages import Role
from handlers.reminders import run_sweep
from handlers.router import Router
from storage.db import unit_of_work
from storage.types import utcnow

log = logging.getLogger(__name__)
CHANNEL_MODULES = ("bot.slack", "bot.teams")
CONTEXT_KEY = web.AppKey("cme_context", object)
OUTBOX_EVERY_SECONDS = 10
DRAFTS_EVERY_MINUTES = 15


@dataclass
class AppContext:
    """What channel adapters get: settings, the core and the router."""

    settings: Settings
    core: Core
    router: Router
    outbox: OutboxSender
    db_threads: DatabaseThreads
    extras: dict[str, Any] = field(default_factory=dict)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers."""
    context: AppContext = request.app[CONTEXT_KEY]
    try:
        from sqlalchemy import text

        with context.core.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready
        log.error("health check failed (%s)", type(exc).__name__)
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "channels": sorted(context.extras.get("channels", []))})


def create_app(settings: Settings, *, role_overrides: Mapping[str, Role] | None = None) -> web.Application:
    """Build the whole server from settings (the one place everything is wired)."""
    core, router = build(settings, role_overrides=role_overrides)
    app = web.Application()
    outbox = OutboxSender(core)
    context = AppContext(
        settings=settings,
        core=core,
        router=router,
        outbox=outbox,
        db_threads=DatabaseThreads(core.engine),
        extras={"channels": []},
    )
    app[CONTEXT_KEY] = context
    app.router.add_get("/healthz", healthz)
    for name in CHANNEL_MODULES:
        if name.rsplit(".", 1)[-1] not in settings.enabled_channels:
            log.info("channel %s switched off by CME_CHANNELS", name)
            continue
        if importlib.import_module(name).mount(app, context):
            context.extras["channels"].append(name.rsplit(".", 1)[-1])
    app.on_startup.append(_start_jobs(context))
    app.on_cleanup.append(_stop_jobs(context))
    return app


def _start_jobs(context: AppContext):
    async def startup(_app: web.Application) -> None:
        scheduler = AsyncIOScheduler(timezone=str(context.core.profile.tz))
        scheduler.add_job(
            context.outbox.deliver_pending,
            "interval",
            seconds=OUTBOX_EVERY_SECONDS,
            id="outbox",
            max_instances=1,
            coalesce=True,
        )
        _add_reminder_jobs(scheduler, context)
        scheduler.add_job(
            asyncio.to_thread,
            "interval",
            args=(expire_drafts, context.core),
            minutes=DRAFTS_EVERY_MINUTES,
            id="drafts",
            next_run_time=utcnow(),
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        context.extras["scheduler"] = scheduler
        freeze_startup_objects()  # last: after every channel's own start-up hooks

    return startup


def _add_reminder_jobs(scheduler: AsyncIOScheduler, context: AppContext) -> None:
    """The reminder sweep every few minutes (from now: a restart catches up at once) and at digest time."""
    settings = context.core.profile.reminders

    async def remind() -> None:
        await asyncio.to_thread(run_sweep, context.core)
        await context.outbox.deliver_pending()

    # coalesce: after downtime the missed runs collapse into one sweep, which sends one digest.
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        remind, "interval", minutes=settings.sweep_minutes, id="reminders", next_run_time=utcnow(), **common
    )
    at = settings.digest_time
    scheduler.add_job(remind, "cron", day_of_week="mon-fri", hour=at.hour, minute=at.minute, id="digest", **common)


@functools.cache  # once per process, however many apps a test builds
def freeze_startup_objects() -> None:
    """Keep what start-up built (bolt, botbuilder, the knowledge base) out of the cyclic collector's scans.

    Without this a full collection walks every long-lived object and stalls the event loop, and
    every ack waiting on it, for 90-150 ms under load.
    """
    gc.collect()
    gc.freeze()


def expire_drafts(core: Core) -> int:
    """Delete the answers of drafts idle past the profile's limit (their owners are told next time)."""
    with unit_of_work(core.engine) as session:
        return expire_idle_drafts(session, profile=core.profile, now=core.clock())


def _stop_jobs(context: AppContext):
    async def cleanup(_app: web.Application) -> None:
        scheduler = context.extras.pop("scheduler", None)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        context.db_threads.close()
        context.core.engine.dispose()

    return cleanup
