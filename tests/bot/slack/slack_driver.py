"""Drive the real cme-bot server as Slack does: signed requests in Slack's own payload formats.

`running(db_url)` starts the fake Web API and create_app() with Slack configured; `SlackUser`
sends commands, events and clicks, and fills modals from the blocks the app rendered.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
import urllib.parse
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from bot.app import CONTEXT_KEY, create_app
from bot.config import Settings
from tests.bot.slack.fake_slack import TEAM_ID, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PROFILE = Path(__file__).with_name("slack_profile.yaml")
_ids = itertools.count(1)


def signed_headers(body: str, content_type: str, *, secret: str = SECRET, timestamp: int | None = None):
    """Headers as Slack sends them: X-Slack-Signature over v0:timestamp:body with the signing secret."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def settings_for(db_url: str, fake_url: str, **overrides: Any) -> Settings:
    """Settings of a council's deployment pointed at the fake Web API."""
    values = {
        "database_url": db_url,
        "profile_path": PROFILE,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake_url + "/api/",
        **overrides,
    }
    return Settings(**values)


class Slack:
    """Slack's side of the connection: posts signed requests to /slack/events."""

    def __init__(self, client: TestClient, fake: FakeSlack) -> None:
        self.client, self.fake = client, fake

    async def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None, **sign: Any):
        """POST /slack/events signed (or as `sign` says); returns (status, text)."""
        all_headers = {**signed_headers(body, content_type, **sign), **(headers or {})}
        response = await self.client.post("/slack/events", data=body.encode(), headers=all_headers)
        return response.status, await response.text()

    async def form(self, fields: dict[str, Any], **kwargs: Any):
        """A form-encoded request (slash commands)."""
        return await self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    async def interactive(self, payload: dict[str, Any], **kwargs: Any):
        """An interactivity request: payload=<json>, form-encoded."""
        return await self.form({"payload": json.dumps(payload)}, **kwargs)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any):
        """An Events API callback (JSON)."""
        body = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0CMEBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
        }
        return await self.post(json.dumps(body), "application/json", **kwargs)

    def user(self, user_id: str, name: str = "person") -> SlackUser:
        """Someone in the council's workspace."""
        return SlackUser(self, user_id, name)


class SlackUser:
    """One person using the app through the Slack client."""

    def __init__(self, slack: Slack, user_id: str, name: str) -> None:
        self.slack, self.id, self.name = slack, user_id, name

    @property
    def who(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": TEAM_ID}

    async def command(self, text: str, *, trigger_id: str | None = None, in_dm: bool = False, **kwargs: Any):
        """Type `/cme TEXT` in a channel (or, `in_dm`, in the app's Messages tab)."""
        fields = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "council",
            "channel_id": f"D{self.id}" if in_dm else "C0GENERAL",
            "channel_name": "directmessage" if in_dm else "general",
            "user_id": self.id,
            "user_name": self.name,
            "command": "/cme",
            "text": text,
            "api_app_id": "A0CMEBOT",
            "is_enterprise_install": "false",
            "response_url": f"{self.slack.fake.url}/respond/{next(_ids)}",
            "trigger_id": trigger_id or f"{next(_ids)}.trigger",
        }
        return await self.slack.form(fields, **kwargs)

    async def dm(self, text: str, *, thread_ts: str | None = None, subtype: str | None = None, **kwargs: Any):
        """Write in the app's Messages tab (in the thread of the message `thread_ts`, when given)."""
        event = {
            "type": "message",
            "channel": f"D{self.id}",
            "channel_type": "im",
            "user": self.id,
            "text": text,
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        if subtype:
            event["subtype"] = subtype
        return await self.slack.event(event, **kwargs)

    async def open_home(self):
        """Open the app's Home tab."""
        event = {"type": "app_home_opened", "user": self.id, "channel": f"D{self.id}", "tab": "home"}
        return await self.slack.event(event)

    async def click(self, action_id: str, value: str, *, view: dict[str, Any] | None = None, **extra: Any):
        """Press a button (in a message, App Home or a modal)."""
        stamp = f"{time.time():.6f}"
        action = {"action_id": action_id, "block_id": "b", "value": value, "type": "button", "action_ts": stamp}
        return await self.slack.interactive(self._block_actions(action, **({"view": view} if view else {}), **extra))

    async def change(self, view: dict[str, Any], values: dict[str, Any], block_id: str):
        """Answer on a modal page an input that dispatches actions (Slack sends block_actions at once)."""
        filled = fill(view, values)
        entry = filled["state"]["values"][block_id]
        action_id, state = next(iter(entry.items()))
        action = {"action_id": action_id, "block_id": block_id, **state, "action_ts": f"{time.time():.6f}"}
        container = {"type": "view", "view_id": view["id"]}
        return await self.slack.interactive(self._block_actions(action, container=container, view=filled))

    def _block_actions(self, action: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """A block_actions payload as Slack sends it for one action by this person."""
        return {
            "type": "block_actions",
            "user": self.who,
            "api_app_id": "A0CMEBOT",
            "token": "legacy",
            "trigger_id": f"{next(_ids)}.trigger",
            "team": {"id": TEAM_ID, "domain": "council"},
            "actions": [action],
            **extra,
        }

    async def submit(self, view: dict[str, Any], **kwargs: Any):
        """Press a modal's submit button; returns (status, parsed ack body or None)."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "council"},
            "user": self.who,
            "api_app_id": "A0CMEBOT",
            "token": "legacy",
            "trigger_id": f"{next(_ids)}.trigger",
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        status, text = await self.slack.interactive(payload, **kwargs)
        return status, (json.loads(text) if text.strip() else None)


def fill(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The view as Slack sends it on submit: `state.values` for every input block, `values` typed in."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            value = values[block["block_id"]] if block["block_id"] in values else _initial(element)
            state[block["block_id"]] = {element["action_id"]: _entry(element, value)}
    unknown = set(values) - set(state)
    assert not unknown, f"not on this page: {unknown}"
    return {**view, "team_id": TEAM_ID, "app_id": "A0CMEBOT", "state": {"values": state}}


def _initial(element: dict[str, Any]) -> Any:
    """What an untouched input holds: its initial value, as Slack submits it."""
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    return element.get("initial_value", element.get("initial_date"))


def _entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": _option(element, value) if value is not None else None}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    return {"type": kind, "value": value}


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for option in element["options"]:
        if option["value"] == value:
            return option
    raise AssertionError(f"{value!r} is not an option: {[o['value'] for o in element['options']]}")


def inputs(view: dict[str, Any]) -> list[str]:
    """The block ids of a view's input blocks, in order."""
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def text_of(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in some blocks, joined: what a person reads."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(parts)


def office_hours() -> dt.datetime:
    """Thursday 26 November 2026, 10:00 in London: MASH is open, term time."""
    return dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@asynccontextmanager
async def running(db_url: str, *, clock=office_hours, **overrides: Any):
    """cme-bot with Slack configured against the fake Web API; yields the Slack driver."""
    fake = FakeSlack()
    await fake.start()
    app = create_app(settings_for(db_url, fake.url, **overrides))
    app[CONTEXT_KEY].core.clock = clock
    try:
        async with TestClient(TestServer(app)) as client:
            await app[CONTEXT_KEY].extras["jobs"].started()  # the start-up sweep must not race the test
            yield Slack(client, fake)
    finally:
        await fake.close()
