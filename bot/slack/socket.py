"""Socket Mode (SLACK_APP_TOKEN): the same bolt app over a websocket, for councils without a public URL."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)
HANDLER_KEY = web.AppKey("cme_slack_socket", object)


def add_socket_mode(app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    """Connect when the server starts and disconnect when it stops."""

    async def start(_app: web.Application) -> None:
        handler = AsyncSocketModeHandler(bolt, app_token)
        await handler.connect_async()  # returns once connected; the client keeps the link alive
        app[HANDLER_KEY] = handler
        log.info("Slack Socket Mode connected")

    async def stop(_app: web.Application) -> None:
        handler = app.get(HANDLER_KEY)
        if handler is not None:
            await handler.close_async()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
