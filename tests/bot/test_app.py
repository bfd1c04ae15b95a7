"""create_app: /healthz, and channels switched on and off by settings."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer

from bot import app as app_module
from bot.app import CONTEXT_KEY, create_app
from bot.config import Settings
from storage.db import make_engine


def _get(app, path: str):
    async def go():
        async with TestClient(TestServer(app)) as client:
            response = await client.get(path)
            return response.status, await response.json()

    return asyncio.run(go())


def test_healthz_answers_when_the_database_does(db_url, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_CHANNELS", "teams")  # Teams runs without settings in development
    status, body = _get(create_app(Settings()), "/healthz")
    assert status == 200 and body["status"] == "ok"


def test_a_slack_only_council_can_run_in_production_without_teams(db_url, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_ENV", "production")
    monkeypatch.setenv("CME_CHANNELS", "slack")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")  # nothing listens: auth.test at start fails fast
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


def test_healthz_says_unavailable_when_the_database_is_down(tmp_path, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path}/up.db")
    app = create_app(Settings())
    app[CONTEXT_KEY].core.engine = make_engine("postgresql://postgres@127.0.0.1:1/gone")  # nothing listens there
    status, body = _get(app, "/healthz")
    assert (status, body) == (503, {"status": "unavailable"})


def test_healthz_gives_up_on_a_database_that_hangs_without_stalling_the_server(tmp_path, monkeypatch):
    async def silent(reader, writer):  # accepts the connection, never answers, hangs up after 5 s
        await asyncio.sleep(5)
        writer.close()

    async def scenario():
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        app = create_app(Settings())
        app[CONTEXT_KEY].core.engine = make_engine(f"postgresql://postgres@127.0.0.1:{port}/hangs?connect_timeout=3")
        async with server, TestClient(TestServer(app)) as client:
            started = time.monotonic()
            response = await client.get("/healthz")
            return response.status, time.monotonic() - started

    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path}/up.db")
    monkeypatch.setattr(app_module, "HEALTH_TIMEOUT_SECONDS", 0.3)
    status, waited = asyncio.run(scenario())
    assert status == 503 and waited < 1.5  # answered at the timeout, not when the connection gave up (3 s)
