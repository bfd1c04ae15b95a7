"""End to end with the real Microsoft 365 Agents Playground (the local Teams client, npm): started here,
a message sent through it, the bot's reply read back from it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp

from tests.bot.teams.harness import run, running
from tests.bot.teams.node_tools import require_node_tools

START_TIMEOUT = 30.0
REPLY_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_playground(tools: Path, endpoint: str, port: int, cwd: Path) -> subprocess.Popen:
    """agentsplayground pointed at our endpoint, no browser, no telemetry, in its own process group."""
    binary = tools / "node_modules" / ".bin" / "agentsplayground"
    command = [str(binary), "-e", endpoint, "-p", str(port), "-c", "msteams", "--disable-telemetry"]
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
    log = (cwd / "playground.out").open("w")
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


async def playground_config(http: aiohttp.ClientSession, base: str, process: subprocess.Popen) -> dict:
    """Wait for the Playground's local API and return its config (mock users, the personal chat's id)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Playground exited"
        try:
            async with http.get(f"{base}/_internal/v1/config") as response:
                if response.status == 200:
                    return (await response.json())["config"]
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the Playground did not start")


async def reply_in_log(log: Path, needle: str) -> dict:
    """The bot's message (as the Playground recorded it) whose content includes `needle`."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines() if log.exists() else []:
            start = line.find("{")
            if '"createMessage"' in line and needle in line and start >= 0:
                return json.loads(line[start:])["message"]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no reply containing {needle!r} in the Playground's log")


async def through_playground(db_url: str, profile: Path, tools: Path, cwd: Path) -> None:
    async with running(db_url, profile) as h:
        port = free_port()
        process = start_playground(tools, str(h.server.make_url("/api/messages")), port, cwd)
        try:
            base = f"http://127.0.0.1:{port}"
            config = await playground_config(h.http, base, process)
            chat, user = config["personalChat"]["id"], config["currentUser"]["id"]
            message = {"type": "text", "text": "help", "textFormat": "plain", "from": {"id": user}}
            async with h.http.post(f"{base}/_conversation/v1/conversations/{chat}/messages", json=message) as sent:
                assert sent.status == 200, await sent.text()
            reply = await reply_in_log(cwd / "devTools" / "m365agentsplayground.log", "I help you raise a concern")
            assert reply["from"]["id"] == config["bot"]["id"]
            card = reply["attachments"][0]
            assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


def test_a_message_through_the_agents_playground_gets_the_bots_reply(sqlite_url, teams_profile, tmp_path):
    tools = require_node_tools()
    run(through_playground(sqlite_url, teams_profile, tools, tmp_path))
