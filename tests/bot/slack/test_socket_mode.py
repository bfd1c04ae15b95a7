"""Socket Mode: with SLACK_APP_TOKEN the same app takes requests over Slack's websocket (no public URL)."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer

from bot.app import CONTEXT_KEY, create_app
from tests.bot.slack.fake_slack import TEAM_ID, FakeSlack
from tests.bot.slack.slack_driver import inputs, office_hours, settings_for


async def wait_until(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_socket_mode_serves_the_slash_command_without_the_http_endpoint(slack_db):
    async def scenario():
        fake = FakeSlack()
        await fake.start()
        settings = settings_for(slack_db, fake.url, slack_signing_secret=None, slack_app_token="xapp-1-test")
        app = create_app(settings)
        app[CONTEXT_KEY].core.clock = office_hours
        try:
            async with TestClient(TestServer(app)) as client:
                assert (await client.post("/slack/events", data=b"{}")).status in (404, 405)
                await wait_until(lambda: fake.sockets)
                assert len(fake.of("apps.connections.open")) == 1
                command = {
                    "team_id": TEAM_ID,
                    "channel_id": "C0GENERAL",
                    "user_id": "U0REPORTER",
                    "user_name": "sam",
                    "command": "/cme",
                    "text": "report",
                    "api_app_id": "A0CMEBOT",
                    "response_url": f"{fake.url}/respond/1",
                    "trigger_id": "42.trigger",
                }
                envelope = {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": command,
                }
                await fake.sockets[0].send_json(envelope)
                await wait_until(lambda: fake.socket_acks)
                assert fake.socket_acks[0]["envelope_id"] == "env-1"
                [opened] = await fake.wait_for("views.open")
                assert opened.args["trigger_id"] == "42.trigger"
                # The core answered at once, so the one views.open showed the first page.
                assert inputs(opened.args["view"])[0] == "immediate_danger"
                assert not fake.of("views.update")
        finally:
            await fake.close()

    asyncio.run(scenario())


def test_a_malformed_socket_mode_payload_is_refused_and_the_link_keeps_working(slack_db, caplog):
    async def scenario():
        fake = FakeSlack()
        await fake.start()
        settings = settings_for(slack_db, fake.url, slack_signing_secret=None, slack_app_token="xapp-1-test")
        app = create_app(settings)
        try:
            async with TestClient(TestServer(app)):
                await wait_until(lambda: fake.sockets)
                broken = {"type": "block_actions", "user": {"id": "U0REPORTER"}, "actions": [{}], "trigger_id": "1.2"}
                envelope = {"envelope_id": "env-bad", "type": "interactive", "accepts_response_payload": True}
                await fake.sockets[0].send_json({**envelope, "payload": broken})
                await wait_until(lambda: fake.socket_acks)
                assert fake.socket_acks[0]["envelope_id"] == "env-bad"
                help_command = {
                    "team_id": TEAM_ID, "channel_id": "C0GENERAL", "user_id": "U0REPORTER", "command": "/cme",
                    "text": "help", "response_url": f"{fake.url}/respond/2", "trigger_id": "43.trigger",
                }  # fmt: skip
                envelope = {**envelope, "envelope_id": "env-ok", "type": "slash_commands"}
                await fake.sockets[0].send_json({**envelope, "payload": help_command})
                await fake.wait_for_responses(1)
        finally:
            await fake.close()

    asyncio.run(scenario())
    assert "malformed Slack payload (actions.0.action_id is missing)" in caplog.text
    assert "Slack listener failed" not in caplog.text
