"""Settings from the environment (pydantic-settings), validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.knowledge.profile import Profile, load_profile

DEFAULT_DB_URL = "sqlite:///cme-bot.db"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Secrets never get logged."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DB_URL, validation_alias="CME_DATABASE_URL")
    profile_path: Path | None = Field(default=None, validation_alias="CME_PROFILE")
    env: str = Field(default="development", validation_alias="CME_ENV")
    # Data keys (storage/crypto.py): "ID:KEY" entries newest first, or a file of them; never in the database.
    data_keys: str | None = Field(default=None, validation_alias="CME_DATA_KEYS", repr=False)
    data_key_file: Path | None = Field(default=None, validation_alias="CME_DATA_KEY_FILE")
    log_level: LogLevel = Field(default="INFO", validation_alias="CME_LOG_LEVEL")
    log_format: LogFormat = Field(default="text", validation_alias="CME_LOG_FORMAT")
    channels: str = Field(default="slack,teams", validation_alias="CME_CHANNELS")
    # Where people reach this server (https://cme-bot.council.example): Teams download links start with it.
    public_url: str | None = Field(default=None, validation_alias="CME_PUBLIC_URL")
    # /metrics: with a token, `Authorization: Bearer <token>` from anywhere; without one, loopback only.
    metrics_token: str | None = Field(default=None, validation_alias="CME_METRICS_TOKEN")

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    microsoft_app_id: str = Field(default="", validation_alias="MicrosoftAppId")
    microsoft_app_password: str = Field(default="", validation_alias="MicrosoftAppPassword")
    microsoft_app_type: str = Field(default="MultiTenant", validation_alias="MicrosoftAppType")
    microsoft_app_tenant_id: str = Field(default="", validation_alias="MicrosoftAppTenantId")

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info) -> object:
        """CME_LOG_LEVEL=debug and CME_LOG_FORMAT=JSON are meant as DEBUG and json."""
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    @property
    def enabled_channels(self) -> set[str]:
        """The channels `serve` may mount (CME_CHANNELS, for example "slack" for a Slack-only council)."""
        return {name.strip().lower() for name in self.channels.split(",") if name.strip()}

    def load_profile(self) -> Profile:
        """The local authority profile named by CME_PROFILE (default: Bury), validated."""
        return load_profile(self.profile_path)
