"""create_app: /healthz, and channels switched on and off by settings."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.app import CONTEXT_KEY, create_app
from bot.config import Settings


def _get(app, path: str):
    async def go():
        async with TestClient(TestServer(app)) as client:
            response = await client.get(path)
            return response.status, await response.json()

    return asyncio.run(go())


def test_healthz_answers_when_the_database_does(db_url, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    status, body = _get(create_app(Settings()), "/healthz")
    assert status == 200 and body["status"] == "ok"


def test_a_slack_only_council_can_run_in_production_without_teams(db_url, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_ENV", "production")
    monkeypatch.setenv("CME_CHANNELS", "slack")
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    status, body = _get(create_app(Settings()), "/healthz")
    assert status == 200 and "teams" not in body["channels"]


def test_slack_and_teams_share_one_pool_of_database_threads(db_url, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    app = create_app(Settings())
    context = app[CONTEXT_KEY]
    assert {"slack", "teams"} <= set(context.extras["channels"])
    assert context.extras["slack"].turns is context.db_threads.executor
    assert context.extras["teams"].bot.threads is context.db_threads
