"""`cme-bot doctor`'s Teams checks: the Bot Framework registration's settings agree, auth is on in production,
and every Teams alert target is a conversation the bot can post into (its reference is stored).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session

from bot.channel_settings import is_production
from bot.config import Settings
from bot.preflight import Finding, error, ok, warning
from bot.teams.endpoint import AppType, TeamsConfigError, auth_config
from handlers.knowledge.profile import Profile
from storage.teams_refs import ref_for_conversation

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
AZURE = "the Azure Bot resource > Configuration (Microsoft App ID, type and tenant)"


async def check(settings: Settings, profile: Profile | None, engine: sa.Engine) -> list[Finding]:
    """Teams' findings: registration settings, authentication, alert targets."""
    found = registration(settings)
    if profile is not None:
        found += targets(profile, engine)
    return found


def registration(settings: Settings) -> list[Finding]:
    """MicrosoftAppId, type and tenant are consistent, and authentication is on (required in production)."""
    try:
        config = auth_config(settings)
    except TeamsConfigError as exc:
        return [error("teams registration", str(exc.code).removeprefix("cme-bot: Teams: "), f"see {AZURE}")]
    if not config.APP_ID:
        # Production never gets here: auth_config refuses it. In development it is the Agents Playground case.
        return [warning("teams auth", "off (no MicrosoftAppId): loopback requests only", f"before go-live set {AZURE}")]
    found = [ok("teams auth", "on: every request's token is checked" + (" (production)" * is_production(settings)))]
    if not GUID.match(config.APP_ID):
        found.append(error("teams registration", "MicrosoftAppId is not a GUID", f"copy it from {AZURE}"))
    tenant = config.APP_TENANTID
    if tenant and not GUID.match(tenant):
        found.append(error("teams registration", "MicrosoftAppTenantId is not a GUID", "the Directory (tenant) ID"))
    elif tenant and config.APP_TYPE == AppType.MULTI_TENANT:
        fix = "set MicrosoftAppType=SingleTenant if the registration is single-tenant, else remove the tenant id"
        found.append(warning("teams registration", "MicrosoftAppTenantId is set but MultiTenant ignores it", fix))
    else:
        found.append(ok("teams registration", f"{config.APP_TYPE}" + (f", tenant {tenant}" if tenant else "")))
    return found


def targets(profile: Profile, engine: sa.Engine) -> list[Finding]:
    """Each Teams alert target has a stored conversation reference (the app was installed or messaged there)."""
    wanted = [
        (group, t.conversation_id)
        for group, group_targets in (("officers", profile.notify.officers), ("managers", profile.notify.managers))
        for t in group_targets
        if t.channel == "teams"
    ]
    if not wanted:
        return []
    try:
        with Session(engine) as session:
            stored = {cid for _, cid in wanted if ref_for_conversation(session, cid) is not None}
    except Exception as exc:  # the database check already says why
        return [warning("teams alerts", f"not checked: the database could not be read ({type(exc).__name__})", "")]
    fix = "add the app to that team/channel (or have the officer message it once) so it can post there"
    return [
        ok(f"teams alerts to {group}", f"{cid} reachable")
        if cid in stored
        else error(f"teams alerts to {group}", f"{cid}: no conversation reference stored yet", fix)
        for group, cid in wanted
    ]
