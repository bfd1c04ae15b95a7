"""POST /api/messages: botbuilder's CloudAdapter behind a guard that answers bad requests with 4xx, not 500.

Authentication is ConfigurationBotFrameworkAuthentication from MicrosoftAppId, MicrosoftAppPassword,
MicrosoftAppType and MicrosoftAppTenantId. Without an app id the SDK checks no token: that is for
local testing only, is logged loudly, and is refused when CME_ENV=production.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from botbuilder.core import Bot, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from msrest.exceptions import DeserializationError

from bot.config import Settings
from bot.edge import TEAMS_MAX_BODY, Refused, from_loopback_only, media_type, read_body, refusal
from bot.teams.auth import AuthUnavailable, TokenChecker
from bot.teams.shapes import activity_problem

log = logging.getLogger(__name__)
PRODUCTION = "production"
BEARER = re.compile(r"Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
ACTIVITY_TYPES = frozenset(t.value for t in ActivityTypes)


class AppType(StrEnum):
    """The Azure Bot registration kinds the SDK knows."""

    MULTI_TENANT = "MultiTenant"
    SINGLE_TENANT = "SingleTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


class TeamsConfigError(SystemExit):
    """The Teams settings can't be used: `cme-bot serve` stops with this message (which says what to set)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"cme-bot: Teams: {message}")


@dataclass(frozen=True)
class AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def auth_config(settings: Settings) -> AuthConfig:
    """The SDK's configuration from our settings, checked; raises TeamsConfigError naming every problem."""
    config = _config(settings)
    problems = registration_problems(settings)
    if problems:
        raise TeamsConfigError("; ".join(problems))
    if not config.APP_ID:
        log.warning(
            "TEAMS AUTHENTICATION IS OFF: MicrosoftAppId is not set, so /api/messages accepts requests from "
            "this machine only (loopback requests, not through a proxy); everything else gets 403. This is for "
            "local testing (Agents Playground): serve on 127.0.0.1, or set MicrosoftAppId."
        )
    return config


def _config(settings: Settings) -> AuthConfig:
    return AuthConfig(
        APP_ID=settings.microsoft_app_id.strip(),
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TYPE=settings.microsoft_app_type or AppType.MULTI_TENANT.value,
        APP_TENANTID=settings.microsoft_app_tenant_id.strip(),
    )


def registration_problems(settings: Settings) -> list[str]:
    """Every reason the Teams settings can't be used (each says what to set); empty when they can."""
    config, problems = _config(settings), []
    if config.APP_TYPE not in {t.value for t in AppType}:
        problems.append(f"MicrosoftAppType must be one of {', '.join(t.value for t in AppType)}")
    if config.APP_TYPE == AppType.SINGLE_TENANT and not config.APP_TENANTID:
        problems.append("MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId")
    if config.APP_ID and not config.APP_PASSWORD and config.APP_TYPE != AppType.USER_ASSIGNED_MSI:
        problems.append("MicrosoftAppId is set but MicrosoftAppPassword is empty")
    if not config.APP_ID and settings.env.strip().lower() == PRODUCTION:
        problems.append(
            "MicrosoftAppId is not set and CME_ENV=production: refusing to run the Teams endpoint without "
            "authentication. Set MicrosoftAppId and MicrosoftAppPassword from the Azure Bot registration."
        )
    return problems


def build_adapter(config: AuthConfig) -> CloudAdapter:
    """A CloudAdapter whose turn errors are logged without their messages (they may hold a child's details)."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))

    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        # No traceback: an exception's message can quote what a person typed about a child.
        log.error("Teams turn failed (%s)", type(error).__name__)
        try:
            await turn_context.send_activity("Sorry, something went wrong on my side. Please try again in a minute.")
        except Exception as exc:  # the connector itself failed: raising would log the first error's traceback
            log.error("Teams apology not delivered either (%s)", type(exc).__name__)

    adapter.on_turn_error = on_error
    return adapter


def messages_handler(adapter: CloudAdapter, bot: Bot, checker: TokenChecker | None):
    """The aiohttp handler for POST /api/messages: checked at the edge, the token first, then botbuilder."""

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            activity, auth = await checked_activity(request, checker)
        except Refused as refused:
            return refusal(refused.status, refused.reason, channel="Teams")
        try:
            invoke = await adapter.process_activity(auth, activity, bot.on_turn)
        except PermissionError:
            return refusal(401, "unauthorized", channel="Teams")
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # botbuilder reads fields before the turn starts (a conversation that is not an object...).
            return refusal(400, f"not a usable activity ({type(exc).__name__})", channel="Teams")
        if invoke is None:
            return web.Response(status=201)
        return invoke_answer(invoke)

    return messages


def invoke_answer(invoke) -> web.Response:
    """An invoke's answer: its status and its body as JSON (an empty body when botbuilder's can't be serialised)."""
    try:  # our own answers are plain JSON already; botbuilder's are its models
        body = invoke.body if isinstance(invoke.body, dict | list | None) else serializer_helper(invoke.body)
    except Exception as exc:  # msrest raises its own SerializationError for a body it can't read
        log.error("Teams invoke answer could not be serialised (%s)", type(exc).__name__)
        body = None
    return web.Response(status=invoke.status) if body is None else web.json_response(body, status=invoke.status)


async def checked_activity(request: web.Request, checker: TokenChecker | None) -> tuple[Activity, object]:
    """The activity and its authentication, or Refused: size, type, token (before deserialising), then shape."""
    if media_type(request) != "application/json":
        raise Refused(415, "expected application/json")
    if checker is None and not from_loopback_only(request):
        # No app id means no token to check: only this machine may talk to the endpoint (the Agents Playground).
        raise Refused(403, "Teams authentication is off (no MicrosoftAppId): only loopback requests are served")
    header = request.headers.get("Authorization", "")
    if checker is None and header:
        # botbuilder would try to validate it anyway (and a token it can't decode raised through to a 500).
        raise Refused(401, "Teams authentication is off (no MicrosoftAppId): send no Authorization header")
    if checker is not None and not BEARER.fullmatch(header):
        raise Refused(401, "missing or malformed bearer token")
    body = await read_body(request, TEAMS_MAX_BODY)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "body is not an activity object")
    if not isinstance(data.get("type"), str) or data["type"] not in ACTIVITY_TYPES:
        raise Refused(400, "unknown or missing activity type")
    problem = activity_problem(data)
    if problem is not None:
        raise Refused(400, f"malformed activity ({problem})")
    channel_id, service_url = data["channelId"], data["serviceUrl"]
    auth: object = header
    if checker is not None:
        try:
            auth = await checker.check(channel_id=channel_id, service_url=service_url, header=header)
        except AuthUnavailable:
            raise Refused(503, "could not check the token now; try again") from None
        except PermissionError:
            raise Refused(401, "unauthorized") from None
    try:
        activity = Activity().deserialize(data)
    except (DeserializationError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise Refused(400, f"not an activity ({type(exc).__name__})") from None
    return activity, auth
