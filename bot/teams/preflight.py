"""`cme-bot doctor`'s Teams checks: the Bot Framework registration's settings agree, auth is on in production,
every officer and manager named by Teams id is a real id in this tenant the bot can reach, and every Teams
alert target is a conversation the bot can post into (its reference is stored).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session

from bot.channel_settings import is_production
from bot.config import Settings
from bot.findings import Finding, error, ok, warning
from bot.teams.endpoint import AppType, registration_problems
from handlers.knowledge.profile import Profile
from storage.teams_refs import personal_ref_for, ref_for_conversation

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
AZURE = "the Azure Bot resource > Configuration (Microsoft App ID, type and tenant)"


async def check(settings: Settings, profile: Profile | None, engine: sa.Engine) -> list[Finding]:
    """Teams' findings: registration settings, authentication, alert targets."""
    found = registration(settings)
    if profile is not None:
        found += people(profile, engine, tenant=settings.microsoft_app_tenant_id.strip())
        found += targets(profile, engine)
    return found


def registration(settings: Settings) -> list[Finding]:
    """MicrosoftAppId, type and tenant are consistent, and authentication is on (required in production).

    Every problem is its own finding: a missing password does not hide an app id that is not a GUID.
    """
    found = [error("teams registration", problem, f"see {AZURE}") for problem in registration_problems(settings)]
    app_id, tenant = settings.microsoft_app_id.strip(), settings.microsoft_app_tenant_id.strip()
    if app_id and not GUID.match(app_id):
        found.append(error("teams registration", "MicrosoftAppId is not a GUID", f"copy it from {AZURE}"))
    if tenant and not GUID.match(tenant):
        found.append(error("teams registration", "MicrosoftAppTenantId is not a GUID", "the Directory (tenant) ID"))
    elif tenant and settings.microsoft_app_type == AppType.MULTI_TENANT:
        fix = "set MicrosoftAppType=SingleTenant if the registration is single-tenant, else remove the tenant id"
        found.append(warning("teams registration", "MicrosoftAppTenantId is set but MultiTenant ignores it", fix))
    if not app_id and not is_production(settings):  # production: an error above; here the Agents Playground case
        found.append(
            warning("teams auth", "off (no MicrosoftAppId): loopback requests only", f"before go-live set {AZURE}")
        )
    elif app_id:
        found.append(
            ok("teams auth", "on: every request's token is checked" + (" (production)" * is_production(settings)))
        )
    if not any(f.check == "teams registration" for f in found):
        kind = settings.microsoft_app_type or AppType.MULTI_TENANT.value
        found.append(ok("teams registration", kind + (f", tenant {tenant}" if tenant else "")))
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


def people(profile: Profile, engine: sa.Engine, *, tenant: str) -> list[Finding]:
    """Officers and managers named as teams:TENANT:USER: a tenant and user id Teams uses, reachable directly."""
    named = [
        (f"teams {role}", pattern)
        for role, patterns in profile.role_patterns().items()
        for pattern in patterns
        if pattern.startswith("teams:") and "*" not in pattern.split(":", 2)[-1]  # "teams:T:*" names no one
    ]
    found = []
    for check, pattern in named:
        problem = _id_problem(pattern, tenant)
        found.append(
            error(check, f"{pattern}: {problem[0]}", problem[1]) if problem else _reachable(check, pattern, engine)
        )
    return found


def _id_problem(pattern: str, tenant: str) -> tuple[str, str] | None:
    """What is wrong with a teams:TENANT:USER pattern, and the fix; None when it is well formed."""
    parts = pattern.split(":", 2)
    if len(parts) != 3 or not parts[1]:
        return "not teams:TENANT:USER", "write it as teams:<Directory (tenant) ID>:<the person's Entra object ID>"
    their_tenant, user = parts[1], parts[2]
    if their_tenant != "*" and not GUID.match(their_tenant):
        return "the tenant is not a GUID", "use the Directory (tenant) ID from Entra ID > Overview"
    if tenant and their_tenant not in ("*", tenant):
        return f"is in another tenant than the bot's ({tenant})", "use this tenant's id, or name who does the job here"
    if not (GUID.match(user) or user.startswith("29:")):
        return "the user is not a Teams id", "use the person's Object ID (Entra ID > Users > the person > Overview)"
    return None


def _reachable(check: str, pattern: str, engine: sa.Engine) -> Finding:
    if pattern.split(":", 2)[1] == "*":
        return ok(check, f"{pattern}: well formed (any tenant, so not looked up)")
    try:
        with Session(engine) as session:
            chat = personal_ref_for(session, pattern)
    except Exception as exc:  # the database check already says why
        return warning(check, f"{pattern}: not checked ({type(exc).__name__})", "")
    if chat is None:
        fix = "install the app for them (Teams admin centre > Setup policies) or have them send the bot a message"
        return warning(check, f"{pattern}: has no chat with the bot yet, so alerts to them directly wait", fix)
    return ok(check, f"{pattern}: found, alerts reach them directly")
