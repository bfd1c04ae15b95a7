"""Every channel named in CME_CHANNELS starts, or production refuses to start naming the missing setting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channel_settings import ChannelSettingsError
from bot.config import Settings

SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MicrosoftAppId", "MicrosoftAppPassword")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (*SLACK_ENV, "CME_ENV", "CME_CHANNELS", "MicrosoftAppType", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)


def _get(app, path: str):
    async def go():
        async with TestClient(TestServer(app)) as client:
            response = await client.get(path)
            return response.status, await response.json()

    return asyncio.run(go())


def test_production_slack_without_a_signing_secret_refuses_to_start_naming_it(db_url):
    settings = Settings(database_url=db_url, env="production", channels="slack", slack_bot_token="xoxb-1")
    with pytest.raises(ChannelSettingsError) as raised:
        create_app(settings)
    assert "SLACK_SIGNING_SECRET" in str(raised.value.code) and "SLACK_APP_TOKEN" in str(raised.value.code)


def test_production_refuses_before_the_database_is_made(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/new.db", env="production", channels="slack")
    with pytest.raises(ChannelSettingsError, match="SLACK_BOT_TOKEN"):
        create_app(settings)
    assert not (tmp_path / "new.db").exists()


def test_production_names_every_half_configured_channel_at_once(db_url):
    settings = Settings(database_url=db_url, env="PRODUCTION", channels="slack, teams, fax")
    with pytest.raises(ChannelSettingsError) as raised:
        create_app(settings)
    message = str(raised.value.code)
    assert "SLACK_BOT_TOKEN" in message and "MicrosoftAppId" in message and "'fax'" in message


def test_production_teams_single_tenant_without_tenant_refuses(db_url):
    settings = Settings(
        database_url=db_url, env="production", channels="teams", microsoft_app_id="1" * 8,
        microsoft_app_password="pw", microsoft_app_type="SingleTenant",
    )  # fmt: skip
    with pytest.raises(SystemExit, match="MicrosoftAppTenantId"):
        create_app(settings)


def test_development_starts_the_others_and_healthz_says_degraded(db_url, caplog):
    settings = Settings(database_url=db_url, channels="slack,teams", slack_bot_token="xoxb-1")
    status, body = _get(create_app(settings), "/healthz")
    assert status == 200
    assert body == {"status": "degraded", "channels": ["teams"], "requested": ["slack", "teams"]}
    assert any("SLACK_SIGNING_SECRET" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_development_with_every_channel_configured_is_ok(db_url):
    settings = Settings(database_url=db_url, channels="slack", slack_bot_token="xoxb-1", slack_signing_secret="s")
    status, body = _get(create_app(settings), "/healthz")
    assert (status, body) == (200, {"status": "ok", "channels": ["slack"], "requested": ["slack"]})


def test_serve_exits_2_naming_the_setting(sqlite_template, tmp_path):
    env = {"CME_DATABASE_URL": f"sqlite:///{sqlite_template}", "CME_ENV": "production", "CME_CHANNELS": "slack"}
    env |= {"SLACK_BOT_TOKEN": "xoxb-1", "PATH": "/usr/bin:/bin", "CME_DATA_KEYS": os.environ["CME_DATA_KEYS"]}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET" in done.stderr and "Traceback" not in done.stderr
