"""The bolt AsyncApp: a Web API client that retries rate limits and transient errors, and the listeners."""

from __future__ import annotations

import logging

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import AsyncSingleTeamAuthorization
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logs import NO_REQUEST, REQUEST_ID, request_scope
from bot.slack import listeners
from bot.slack.shapes import verdict
from bot.slack.turns import Bridge

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://slack.com/api/"
WEB_API_TIMEOUT = 10  # seconds; a slow Slack must not hold an outbox claim for long


# slack_sdk decides whether to build its request and response debug lines from the logger's own level
# (`logger.level <= DEBUG`), not from whether DEBUG is on: with the level unset (0) it formats the whole
# body, a modal's view and Slack's answer, on every call and then drops the line. That cost the event loop
# about 0.15 ms a call. Their own level set to INFO skips it (those lines carry bodies: never wanted).
SDK_BODY_LOGGERS = (
    "slack_sdk.web.async_base_client",  # every Web API call (the app's client and bolt's per-request copies)
    "slack_sdk.webhook.async_client",  # every `respond` to a response_url
)


def quiet_body_logging() -> None:
    """Stop slack_sdk formatting request and response bodies for debug lines nobody reads."""
    for name in SDK_BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client at SLACK_API_URL (GovSlack, tests), retrying 429 (Retry-After), 500/503 and resets."""
    quiet_body_logging()
    base_url = settings.slack_api_url or DEFAULT_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=WEB_API_TIMEOUT,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_bolt_app(settings: Settings, bridge: Bridge) -> AsyncApp:
    """The bolt app with the CME listeners; signatures are checked whenever a signing secret is set."""
    app = AsyncApp(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=bool(settings.slack_signing_secret),
        logger=logging.getLogger("bot.slack.bolt"),
        # Listeners ack and hand their work to a task, so bolt can answer as soon as they return
        # (without this, bolt polls for the ack every 10 ms).
        process_before_response=True,
    )
    app.middleware(_request_id)
    app.middleware(_socket_mode_shape)
    listeners.register(app, bridge)
    return app


async def _socket_mode_shape(req, next_):
    """Socket Mode payloads never pass the HTTP guard: the same shape check, so a malformed one is dropped, not a crash.

    It is still acknowledged (an envelope without an ack is sent again), and logged naming the field.
    """
    if req.mode != "socket_mode":  # HTTP requests were checked before bolt parsed them (bot/slack/guard.py)
        return await next_()
    said = verdict(req.body)
    if said.problem:
        log.warning("Slack Socket Mode request dropped: malformed Slack payload (%s)", said.problem)
    elif said.drop:
        log.info("Slack request acknowledged and dropped: %s", said.drop)
    else:
        return await next_()
    return BoltResponse(status=200, body="")


async def _request_id(next_):
    """Socket Mode envelopes get a request id too (an HTTP request has one from create_app's middleware)."""
    if REQUEST_ID.get() != NO_REQUEST:
        return await next_()
    with request_scope():
        return await next_()


async def warm_up(app: AsyncApp) -> None:
    """Call auth.test once at start, so the first request from Slack can ack without waiting for it."""
    for middleware in getattr(app, "_async_middleware_list", ()):
        if isinstance(middleware, AsyncSingleTeamAuthorization) and middleware.auth_test_result is None:
            middleware.auth_test_result = await app.client.auth_test()
