"""Settings from the environment (pydantic-settings), validated at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.knowledge.profile import Profile, load_profile

DEFAULT_DB_URL = "sqlite:///cme-bot.db"


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Secrets never get logged."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DB_URL, validation_alias="CME_DATABASE_URL")
    profile_path: Path | None = Field(default=None, validation_alias="CME_PROFILE")
    env: str = Field(default="development", validation_alias="CME_ENV")
    log_level: str = Field(default="INFO", validation_alias="CME_LOG_LEVEL")
    channels: str = Field(default="slack,teams", validation_alias="CME_CHANNELS")

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    microsoft_app_id: str = Field(default="", validation_alias="MicrosoftAppId")
    microsoft_app_password: str = Field(default="", validation_alias="MicrosoftAppPassword")
    microsoft_app_type: str = Field(default="MultiTenant", validation_alias="MicrosoftAppType")
    microsoft_app_tenant_id: str = Field(default="", validation_alias="MicrosoftAppTenantId")

    @property
    def enabled_channels(self) -> set[str]:
        """The channels `serve` may mount (CME_CHANNELS, for example "slack" for a Slack-only council)."""
        return {name.strip().lower() for name in self.channels.split(",") if name.strip()}

    def load_profile(self) -> Profile:
        """The local authority profile named by CME_PROFILE (default: Bury), validated."""
        return load_profile(self.profile_path)
