"""POST /api/messages: botbuilder's CloudAdapter behind a guard that answers bad requests with 4xx, not 500.

Authentication is ConfigurationBotFrameworkAuthentication from MicrosoftAppId, MicrosoftAppPassword,
MicrosoftAppType and MicrosoftAppTenantId. Without an app id the SDK checks no token: that is for
local testing only, is logged loudly, and is refused when CME_ENV=production.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum

import jwt
from aiohttp import web
from botbuilder.core import Bot, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.config import Settings

log = logging.getLogger(__name__)
PRODUCTION = "production"


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
    """The SDK's configuration from our settings, checked; raises TeamsConfigError when unusable."""
    config = AuthConfig(
        APP_ID=settings.microsoft_app_id.strip(),
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TYPE=settings.microsoft_app_type or AppType.MULTI_TENANT.value,
        APP_TENANTID=settings.microsoft_app_tenant_id.strip(),
    )
    if config.APP_TYPE not in {t.value for t in AppType}:
        raise TeamsConfigError(f"MicrosoftAppType must be one of {', '.join(t.value for t in AppType)}")
    if config.APP_TYPE == AppType.SINGLE_TENANT and not config.APP_TENANTID:
        raise TeamsConfigError("MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId")
    if config.APP_ID and not config.APP_PASSWORD and config.APP_TYPE != AppType.USER_ASSIGNED_MSI:
        raise TeamsConfigError("MicrosoftAppId is set but MicrosoftAppPassword is empty")
    if not config.APP_ID and settings.env.lower() == PRODUCTION:
        raise TeamsConfigError(
            "MicrosoftAppId is not set and CME_ENV=production: refusing to run the Teams endpoint without "
            "authentication. Set MicrosoftAppId and MicrosoftAppPassword from the Azure Bot registration."
        )
    if not config.APP_ID:
        log.warning(
            "TEAMS AUTHENTICATION IS OFF: MicrosoftAppId is not set, so /api/messages accepts requests from "
            "anyone. This is for local testing only (Agents Playground); never expose this server."
        )
    return config


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


def messages_handler(adapter: CloudAdapter, bot: Bot):
    """The aiohttp handler for POST /api/messages."""

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            response = await adapter.process(request, bot)
        except (jwt.PyJWTError, PermissionError) as exc:
            # The SDK lets a malformed bearer token escape as a jwt error (an answer of 500).
            log.warning("Teams request refused: bad or missing token (%s)", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        except web.HTTPException:
            raise
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            log.warning("Teams request refused: not an activity (%s)", type(exc).__name__)
            return web.json_response({"error": "bad request"}, status=400)
        return response if response is not None else web.Response(status=201)

    return messages
