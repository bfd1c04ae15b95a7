"""`cme-bot doctor`'s Slack checks: the token (auth.test), its scopes against the manifest's, the officers' targets.

Read-only Web API calls (auth.test, users.info, conversations.info): doctor never posts anything.
"""

from __future__ import annotations

import fnmatch

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.findings import Finding, error, ok, warning
from bot.slack.app import web_client
from bot.slack.manifest import render
from handlers.knowledge.profile import Profile

REINSTALL = "add them under OAuth & Permissions (or recreate the app from `cme-bot manifest slack`), then reinstall"


async def check(settings: Settings, profile: Profile | None, _engine=None) -> list[Finding]:
    """Slack's findings: the token works, the scopes are the manifest's, the officers and their channels exist."""
    if not settings.slack_bot_token:
        return []  # the channel check already names SLACK_BOT_TOKEN
    client = web_client(settings)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        fix = "copy the Bot User OAuth Token (xoxb-) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN"
        return [error("slack token", f"Slack refused it ({exc.response.get('error')})", fix)]
    except Exception as exc:  # connection refused, DNS, TLS, timeout
        fix = "check SLACK_API_URL and that this machine can reach Slack over HTTPS (a proxy?)"
        return [error("slack token", f"Slack's Web API not reached at {client.base_url} ({type(exc).__name__})", fix)]
    team = str(auth.get("team_id"))
    found = [ok("slack token", f"works: workspace {team}, bot user {auth.get('user_id')}")]
    found.append(scopes_finding(auth.headers.get("x-oauth-scopes") or auth.headers.get("X-OAuth-Scopes")))
    found.append(await _mode(settings, client))
    if profile is not None:
        found += await _officers(client, profile, team)
        found += await _targets(client, profile)
    return found


def manifest_scopes() -> set[str]:
    """The bot scopes the manifest asks for (manifest/slack/manifest.yaml)."""
    return set(render(None)["oauth_config"]["scopes"]["bot"])


def scopes_finding(header: str | None) -> Finding:
    """The granted scopes (auth.test's x-oauth-scopes header) against the manifest's."""
    if header is None:
        return warning("slack scopes", "Slack did not say which scopes were granted", "compare them by hand")
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    needed = manifest_scopes()
    if needed - granted:
        return error("slack scopes", f"missing: {', '.join(sorted(needed - granted))}", REINSTALL)
    if granted - needed:
        extra = ", ".join(sorted(granted - needed))
        return warning("slack scopes", f"more than the manifest asks for: {extra}", "remove them, then reinstall")
    return ok("slack scopes", "exactly the manifest's")


async def _mode(settings: Settings, client: AsyncWebClient) -> Finding:
    """HTTP mode needs the signing secret (checked with the settings); Socket Mode an app token Slack accepts."""
    if not settings.slack_app_token:
        return ok("slack requests", "HTTP mode: the signing secret is set")
    try:  # only asks for a websocket URL: nothing connects, nothing is delivered
        await client.apps_connections_open(app_token=settings.slack_app_token)
    except SlackApiError as exc:
        fix = "make an app-level token with connections:write (Basic Information > App-Level Tokens): SLACK_APP_TOKEN"
        return error("slack requests", f"Socket Mode: Slack refused SLACK_APP_TOKEN ({exc.response.get('error')})", fix)
    also = " and HTTP mode (the signing secret is set)" if settings.slack_signing_secret else ""
    return ok("slack requests", f"Socket Mode: the app token works{also}")


async def _officers(client: AsyncWebClient, profile: Profile, team: str) -> list[Finding]:
    """Officers and managers named by Slack id in the profile's roles exist in this workspace."""
    found = []
    for role, patterns in profile.role_patterns().items():
        for pattern in patterns:
            parts = pattern.split(":")
            if len(parts) != 3 or parts[0] != "slack" or "*" in parts[2]:
                continue
            if not fnmatch.fnmatchcase(team, parts[1]):
                fix = f"use this workspace's id ({team}) in roles, or install the app in workspace {parts[1]}"
                found.append(error(f"slack {role}", f"{pattern} is in another workspace", fix))
                continue
            found.append(await _user(client, f"slack {role}", parts[2], pattern))
    return found


async def _user(client: AsyncWebClient, check: str, user_id: str, name: str) -> Finding:
    fix = "copy the person's member id from their Slack profile (⋮ > Copy member ID) into the profile"
    try:
        user = (await client.users_info(user=user_id)).get("user") or {}
    except SlackApiError as exc:
        return error(check, f"{name}: Slack does not know this person ({exc.response.get('error')})", fix)
    if user.get("deleted"):
        return error(check, f"{name}: this account is deactivated", "name who now does the job in the profile")
    return ok(check, f"{name} found")


async def _targets(client: AsyncWebClient, profile: Profile) -> list[Finding]:
    """Every Slack alert target (notify.officers, notify.managers) is a person or a channel the app is in."""
    found = []
    for group, targets in (("officers", profile.notify.officers), ("managers", profile.notify.managers)):
        for target in (t for t in targets if t.channel == "slack"):
            where, check = target.conversation_id, f"slack alerts to {group}"
            if where[:1] in ("U", "W"):
                found.append(await _user(client, check, where, where))
            else:
                found.append(await _conversation(client, check, where))
    return found


async def _conversation(client: AsyncWebClient, check: str, channel: str) -> Finding:
    try:
        info = (await client.conversations_info(channel=channel)).get("channel") or {}
    except SlackApiError as exc:
        reason = exc.response.get("error")
        if reason == "missing_scope":  # channels:read is not granted (nor needed for alerts)
            return warning(check, f"{channel}: not checked (no channels:read)", f"make sure the app is in {channel}")
        fix = "copy the channel id (channel details, bottom) into notify in the profile, and /invite the app there"
        return error(check, f"{channel}: Slack does not know this channel ({reason})", fix)
    if info.get("is_member") is False:
        return error(check, f"{channel}: the app is not in this channel", f"/invite the app in {channel}")
    return ok(check, f"{channel} found")
