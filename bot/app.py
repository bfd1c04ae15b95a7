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

from bot.channel_settings import is_production, refuse_half_configured, requested_channels, why_not
from bot.config import Settings
from bot.jobs import Jobs
from bot.logs import REQUEST_ID, new_request_id
from bot.metrics import MeteredRouter, Metrics, ack_middleware, metrics_handler
from bot.notify import OutboxSender
from bot.threads import DatabaseThreads
from bot.wiring import build
from handlers.core import Core
from handlers.messages import Role
from handlers.router import Router

log = logging.getLogger(__name__)
CHANNEL_MODULES = {"slack": "bot.slack.channel", "teams": "bot.teams.channel"}
# The channel endpoints whose answer time is the "ack" Slack (3 s) and Teams (15 s) wait for.
CHANNEL_ROUTES = {"/slack/events": "slack", "/api/messages": "teams"}
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
    running, requested = context.extras.get("channels", []), context.extras.get("requested", [])
    status = "ok" if set(requested) <= set(running) else "degraded"  # a requested channel did not start
    return web.json_response({"status": status, "channels": sorted(running), "requested": requested})


def _ping(engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


@web.middleware
async def request_ids(request: web.Request, handler):
    """Each request (and the tasks and threads it starts) logs under its own request id.

    Not reset on the way out: aiohttp runs each request in its own task (a copy of the context), and its
    access log line and any "Error handling request" line come after the handler, in that task.
    """
    REQUEST_ID.set(new_request_id())
    return await handler(request)


def create_app(settings: Settings, *, role_overrides: Mapping[str, Role] | None = None) -> web.Application:
    """Build the whole server from settings (the one place everything is wired)."""
    refuse_half_configured(settings)  # before the database is opened or migrated
    core, router = build(settings, role_overrides=role_overrides)
    app = web.Application(middlewares=[request_ids])  # a request id on every line a request logs
    metrics = Metrics(core.engine)
    outbox = OutboxSender(core, metrics=metrics)
    context = AppContext(
        settings=settings,
        core=core,
        router=MeteredRouter(router, metrics),
        outbox=outbox,
        db_threads=DatabaseThreads(core.engine),
        extras={"channels": [], "requested": [], "metrics": metrics},
    )
    app[CONTEXT_KEY] = context
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_handler(metrics, settings.metrics_token))
    app.middlewares.append(ack_middleware(metrics, CHANNEL_ROUTES))
    mount_channels(app, context)
    app.on_startup.append(_start_jobs(context))
    app.on_cleanup.append(_stop_jobs(context))
    return app


def mount_channels(app: web.Application, context: AppContext) -> None:
    """Start every channel in CME_CHANNELS (in production create_app has refused any without its settings).

    In development the others start, the missing one is logged as an error and /healthz says "degraded".
    """
    settings = context.settings
    requested = requested_channels(settings)
    context.extras["requested"] = requested
    for channel in requested:
        reason = why_not(channel, settings)
        if reason is None:
            reason = _mount_one(app, context, channel)
        if reason is None:
            context.extras["channels"].append(channel)
        else:
            log.error("channel not started: %s", reason)


def _mount_one(app: web.Application, context: AppContext, channel: str) -> str | None:
    """Mount one channel; None when it runs, else why not (raised again in production)."""
    try:
        mounted = importlib.import_module(CHANNEL_MODULES[channel]).mount(app, context)
    except SystemExit as exc:  # a channel's settings error (TeamsConfigError) names what to set
        if is_production(context.settings):
            raise
        return str(exc.code)
    return None if mounted else f"{channel} did not start (its settings are incomplete)"


def _start_jobs(context: AppContext):
    async def startup(_app: web.Application) -> None:
        jobs = Jobs(context.core, context.outbox, context.extras["metrics"])
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
