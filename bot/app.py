"""create_app(settings): the aiohttp server with every channel, /healthz, and background jobs.

Channels mount themselves: each channel package under bot/ has a `channel` module whose
`mount(app, context)` adds its routes, and skips the channel when its credentials are not configured.
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

import sqlalchemy as sa
from aiohttp import web

from bot.config import Settings
from bot.jobs import Jobs
from bot.logs import request_ids
from bot.notify import OutboxSender
from bot.threads import DatabaseThreads
from bot.wiring import build
from handlers.core import Core
from handlers.messages import Role
from handlers.router import Router

log = logging.getLogger(__name__)
CHANNEL_MODULES = {"slack": "bot.slack.channel", "teams": "bot.teams.channel"}
CONTEXT_KEY = web.AppKey("cme_context", object)
HEALTH_TIMEOUT_SECONDS = 5.0


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
    """200 when the database answers within a few seconds; the check runs off the event loop."""
    context: AppContext = request.app[CONTEXT_KEY]
    try:
        # In a thread: a database that hangs must not stall the loop, and with it every ack.
        await asyncio.wait_for(asyncio.to_thread(_ping, context.core.engine), timeout=HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means not ready
        log.error("health check failed (%s)", type(exc).__name__)
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "channels": sorted(context.extras.get("channels", []))})


def _ping(engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def create_app(settings: Settings, *, role_overrides: Mapping[str, Role] | None = None) -> web.Application:
    """Build the whole server from settings (the one place everything is wired)."""
    core, router = build(settings, role_overrides=role_overrides)
    app = web.Application(middlewares=[request_ids])  # a request id on every line a request logs
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
    for channel, module in CHANNEL_MODULES.items():
        if channel not in settings.enabled_channels:
            log.info("channel %s switched off by CME_CHANNELS", channel)
            continue
        if importlib.import_module(module).mount(app, context):
            context.extras["channels"].append(channel)
    app.on_startup.append(_start_jobs(context))
    app.on_cleanup.append(_stop_jobs(context))
    return app


def _start_jobs(context: AppContext):
    async def startup(_app: web.Application) -> None:
        jobs = Jobs(context.core, context.outbox)
        jobs.start()
        context.extras["jobs"] = jobs
        # The answer engine before the server listens: the first question after a restart is not the slow
        # one, and fitting it (a second or so of CPU) doesn't compete with the first requests' acks.
        await asyncio.to_thread(context.router.warm_up)
        freeze_startup_objects()  # last: after every channel's own start-up hooks

    return startup


@functools.cache  # once per process, however many apps a test builds
def freeze_startup_objects() -> None:
    """Keep what start-up built (bolt, botbuilder, the knowledge base) out of the cyclic collector's scans.

    Without this a full collection walks every long-lived object and stalls the event loop, and
    every ack waiting on it, for 90-150 ms under load.
    """
    gc.collect()
    gc.freeze()


def _stop_jobs(context: AppContext):
    async def cleanup(_app: web.Application) -> None:
        jobs = context.extras.pop("jobs", None)
        if jobs is not None:
            await jobs.stop()
        context.db_threads.close()
        context.core.engine.dispose()

    return cleanup
