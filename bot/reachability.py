"""`cme-bot doctor`'s check that every officer, manager and alert destination is in a channel this server runs.

A profile names officers and managers as channel:tenant:user and sends alerts to channel conversations
(`notify`). One that names the terminal, or a channel missing from CME_CHANNELS, reaches no one on a
live server: an officer who can't sign in as themselves, an alert about a child at risk that nobody reads.
In production each is an error; in development the terminal is how the bot is tried, so a channel not
started is only a warning there.
"""

from __future__ import annotations

from bot.channel_settings import LABELS, is_production, requested_channels
from bot.config import Settings
from bot.findings import Finding, error, ok, warning
from handlers.knowledge.profile import Profile

ROLE_FIX = "name them by their Slack or Teams id in the profile's roles (slack:TEAM:USER or teams:TENANT:USER)"
ALERT_FIX = "send the alerts to a Slack channel or a Teams channel in the profile's notify section"


def check_reach(settings: Settings, profile: Profile) -> list[Finding]:
    """One finding per officer, manager and alert destination that reaches no one, or one 'ok' per group."""
    channels = set(requested_channels(settings))
    found = []
    for role, patterns in profile.role_patterns().items():
        checked = [_role(role, pattern, channels, settings) for pattern in patterns]
        found += [f for f in checked if f is not None] or [ok(f"{role}s", f"{len(patterns)} named, all reachable")]
    for group, targets in (("officers", profile.notify.officers), ("managers", profile.notify.managers)):
        where = [(t.channel, t.conversation_id) for t in targets]
        checked = [_target(group, channel, conversation, channels, settings) for channel, conversation in where]
        if not where:
            checked = [_nowhere(group, settings)]
        found += [f for f in checked if f is not None] or [ok(f"alerts to {group}", _places(where))]
    return found


def _role(role: str, pattern: str, channels: set[str], settings: Settings) -> Finding | None:
    channel = pattern.split(":", 1)[0]
    check = f"{role}s"
    if channel == "terminal":
        if is_production(settings):
            return error(check, f"{pattern} is a terminal user: nobody uses the terminal on a live server", ROLE_FIX)
        return None
    if channel != "*" and channel not in channels:
        problem = f"{pattern} is a {LABELS.get(channel, channel)} user, but CME_CHANNELS is {_listed(channels)}"
        fix = f"add {channel} to CME_CHANNELS, or name them in a channel it has"
        return (error if is_production(settings) else warning)(check, problem, fix)
    return None


def _target(group: str, channel: str, conversation: str, channels: set[str], settings: Settings) -> Finding | None:
    check = f"alerts to {group}"
    if channel == "terminal":
        if is_production(settings):
            return error(
                check, f"they go to the terminal ({conversation}): on a live server nobody reads it", ALERT_FIX
            )
        return None
    if channel not in channels:
        problem = f"they go to {LABELS[channel]} ({conversation}), but CME_CHANNELS is {_listed(channels)}"
        fix = f"add {channel} to CME_CHANNELS, or send them where a channel it has can reach"
        return (error if is_production(settings) else warning)(check, problem, fix)
    return None


def _nowhere(group: str, settings: Settings) -> Finding:
    problem = "notify lists no destination: nobody is told of a new concern" if group == "officers" else "none set"
    if group == "officers" and is_production(settings):
        return error(f"alerts to {group}", problem, ALERT_FIX)
    return warning(f"alerts to {group}", problem, ALERT_FIX)


def _listed(channels: set[str]) -> str:
    return "'" + ",".join(sorted(channels)) + "'" if channels else "empty"


def _places(where: list[tuple[str, str]]) -> str:
    return ", ".join(f"{LABELS.get(channel, channel)} {conversation}" for channel, conversation in where)
