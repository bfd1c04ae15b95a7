"""Which settings each channel needs to start, so `serve` and `doctor` can name what is missing.

Mirrors the checks in each channel's mount(): Slack needs a bot token and either a signing secret
(HTTP) or an app-level token (Socket Mode); Teams runs without settings in development (no
authentication, the Agents Playground case) but needs the Bot Framework registration in production.
"""

from __future__ import annotations

from bot.config import Settings

KNOWN_CHANNELS = ("slack", "teams")
LABELS = {"slack": "Slack", "teams": "Teams"}
PRODUCTION = "production"


class ChannelSettingsError(SystemExit):
    """A channel in CME_CHANNELS can't start in production: `cme-bot serve` stops with this message."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("cme-bot: not starting: " + "; ".join(reasons))
        self.reasons = reasons


def is_production(settings: Settings) -> bool:
    """True when CME_ENV=production (half-configured channels refuse to start)."""
    return settings.env.strip().lower() == PRODUCTION


def requested_channels(settings: Settings) -> list[str]:
    """The names in CME_CHANNELS, in the order given, without repeats."""
    names = [name.strip().lower() for name in settings.channels.split(",") if name.strip()]
    return list(dict.fromkeys(names))


def unknown_channels(settings: Settings) -> list[str]:
    """Names in CME_CHANNELS that are not a channel this bot has."""
    return [name for name in requested_channels(settings) if name not in KNOWN_CHANNELS]


def missing_settings(channel: str, settings: Settings) -> list[str]:
    """The settings `channel` needs and does not have (empty when it can start)."""
    if channel == "slack":
        missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
        if not (settings.slack_signing_secret or settings.slack_app_token):
            missing.append("SLACK_SIGNING_SECRET")  # or SLACK_APP_TOKEN for Socket Mode: said in the message
        return missing
    if channel == "teams" and is_production(settings):
        return [name for name, value in (("MicrosoftAppId", settings.microsoft_app_id.strip()),) if not value]
    return []


def refuse_half_configured(settings: Settings) -> None:
    """In production, raise ChannelSettingsError naming every channel in CME_CHANNELS that can't start."""
    problems = [reason for channel in requested_channels(settings) if (reason := why_not(channel, settings))]
    if problems and is_production(settings):
        raise ChannelSettingsError(problems)


def why_not(channel: str, settings: Settings) -> str | None:
    """One sentence naming what stops `channel` from starting, or None when its settings are there."""
    if channel not in KNOWN_CHANNELS:
        return f"'{channel}' is in CME_CHANNELS but is not a channel (known: {', '.join(KNOWN_CHANNELS)})"
    missing = missing_settings(channel, settings)
    if not missing:
        return None
    names = " and ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    hint = " (or SLACK_APP_TOKEN for Socket Mode)" if "SLACK_SIGNING_SECRET" in missing else ""
    return f"{LABELS[channel]} is in CME_CHANNELS but {names} {verb} not set{hint}"
