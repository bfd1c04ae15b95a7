"""Microsoft Teams: POST /api/messages through botbuilder's CloudAdapter, Adaptive Cards, proactive alerts.

The Teams code only translates and renders: every rule lives in handlers/. `mount` is called by
create_app; without MicrosoftAppId the endpoint runs unauthenticated (local testing only), and in
production that is refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.claims import DeliveryClaims
from bot.teams.auth import TokenChecker
from bot.teams.bot import TeamsBot
from bot.teams.downloads import ROUTE as DOWNLOADS
from bot.teams.downloads import Downloads
from bot.teams.endpoint import TeamsConfigError, auth_config, build_adapter, messages_handler
from bot.teams.msrest_retry import speed_up_retry_policy
from bot.teams.proactive import Proactive
from bot.teams.refs import ReferenceStore
from bot.threads import DatabaseThreads
from handlers.forms.spec import FormSpec

log = logging.getLogger(__name__)
ROUTE = "/api/messages"


@dataclass(frozen=True)
class TeamsParts:
    """What mount built, kept in AppContext.extras["teams"] for tests and tools."""

    adapter: Any
    bot: TeamsBot
    proactive: Proactive
    refs: ReferenceStore


def mount(app: web.Application, context: Any) -> bool:
    """Add POST /api/messages and the Teams outbox sender; raise TeamsConfigError on unusable settings."""
    config = auth_config(context.settings)
    speed_up_retry_policy()  # botbuilder builds two of msrest's retry policies a turn
    adapter = build_adapter(config)
    _count_turn_errors(adapter, context.extras.get("metrics"))
    threads: DatabaseThreads = context.db_threads
    refs = ReferenceStore(context.core.engine, threads)
    flows = context.router.flows

    def specs(form_id: str) -> FormSpec | None:
        flow = flows.get(form_id)
        return flow.spec if flow is not None else None

    proactive = Proactive(adapter, config.APP_ID, refs, specs)
    bot = TeamsBot(context.router, refs, proactive, specs, context.outbox.deliver_pending, threads)
    bot.claims = DeliveryClaims(context.core)
    bot.downloads = Downloads(context.core, threads, context.settings.public_url)
    # HEAD has its own handler: aiohttp would run GET's for it, and that uses the one-off link up.
    app.router.add_get(DOWNLOADS, bot.downloads.serve, allow_head=False)
    app.router.add_route("HEAD", DOWNLOADS, bot.downloads.head)
    # With an app id every token is checked off the event loop; without one only loopback requests are served.
    checker = TokenChecker(adapter.bot_framework_authentication) if config.APP_ID else None
    if checker is not None:
        app.on_cleanup.append(_close_checker(checker))
    app.router.add_post(ROUTE, messages_handler(adapter, bot, checker))
    context.outbox.register("teams", proactive.send_outbox)
    context.extras["teams"] = TeamsParts(adapter, bot, proactive, refs)
    log.info("Teams endpoint at %s (%s)", ROUTE, "authenticated" if config.APP_ID else "NO AUTHENTICATION")
    return True


def _count_turn_errors(adapter: Any, metrics: Any) -> None:
    """Count each failed turn by its exception's type for /metrics, then apologise as before."""
    if metrics is None:
        return
    apologise = adapter.on_turn_error

    async def on_error(turn_context: Any, error: Exception) -> None:
        metrics.count_error(error)
        await apologise(turn_context, error)

    adapter.on_turn_error = on_error


def _close_checker(checker: TokenChecker):
    async def close(_app: web.Application) -> None:
        checker.close()

    return close


__all__ = ["ROUTE", "TeamsConfigError", "TeamsParts", "mount"]
