"""Slack channel: /cme, the referral modal, the DM conversation, App Home and officer notifications.

`mount(app, context)` adds POST /slack/events (HTTP mode, size, type and signature checked
before bolt parses anything: bot/slack/guard.py) and, when
SLACK_APP_TOKEN is set, Socket Mode. The Slack code only translates and renders: every rule is in
handlers/.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.slack.app import build_bolt_app, warm_up
from bot.slack.guard import events_handler
from bot.slack.notify import outbox_sender
from bot.slack.people import People
from bot.slack.socket import add_socket_mode
from bot.slack.turns import Bridge

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
BOLT_KEY = web.AppKey("cme_slack_bolt", AsyncApp)


def mount(app: web.Application, context) -> bool:
    """Add Slack to the server; False (nothing mounted) without SLACK_BOT_TOKEN and a signing secret or app token."""
    settings = context.settings
    http_mode = bool(settings.slack_bot_token and settings.slack_signing_secret)
    socket_mode = bool(settings.slack_bot_token and settings.slack_app_token)
    if not (http_mode or socket_mode):
        return False
    bridge = Bridge(context.core, context.router, context.outbox, context.db_threads.executor)
    bolt = build_bolt_app(settings, bridge)
    bridge.people = People(bolt.client)
    metrics = context.extras.get("metrics")
    if metrics is not None:
        bridge.on_error = metrics.count_error
    app[BOLT_KEY] = bolt
    context.extras["slack"] = bridge  # for tests and tools, as Teams keeps its parts
    context.outbox.register("slack", outbox_sender(bolt.client))
    app.on_startup.append(_open_session(bolt))
    app.on_cleanup.append(_close_session(bolt, bridge))
    if http_mode:
        app.router.add_post(EVENTS_PATH, events_handler(bolt, settings.slack_signing_secret, acks=bridge.acks))
    if socket_mode:
        add_socket_mode(app, bolt, settings.slack_app_token)
    return True


def _open_session(bolt: AsyncApp):
    async def start(_app: web.Application) -> None:
        # One pooled HTTP session for every Web API call (bolt copies it into each request's client).
        bolt.client.session = aiohttp.ClientSession()
        try:
            await warm_up(bolt)
        except Exception as exc:  # Slack unreachable at start: the first request tries again
            log.warning("Slack auth.test at start failed (%s)", type(exc).__name__)

    return start


def _close_session(bolt: AsyncApp, bridge: Bridge):
    async def stop(_app: web.Application) -> None:
        await bridge.drain()  # the requests are finished: let what they started after the ack finish too
        if bolt.client.session is not None:
            await bolt.client.session.close()

    return stop
