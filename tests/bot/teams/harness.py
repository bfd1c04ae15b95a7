"""Drive the real aiohttp app with Bot Framework activities over HTTP, as Teams would, against a connector stand-in."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from bot.app import CONTEXT_KEY, create_app
from bot.config import Settings
from handlers.knowledge.profile import load_profile
from storage.models import Case, Outbox
from tests.bot.teams.connector import Connector, Sent

BURY = Path(__file__).resolve().parents[3] / "handlers" / "knowledge" / "profiles" / "bury.yaml"
TENANT = "tenant-1"
OFFICERS_CHANNEL = "19:officers@thread.tacv2"
BOT = {"id": "28:cme-bot", "name": "CME bot"}


@dataclass(frozen=True)
class Person:
    """A Teams user: their Bot Framework id, their Entra object id and name."""

    id: str
    aad: str
    name: str

    @property
    def personal_chat(self) -> str:
        """The id of their 1:1 chat with the bot."""
        return f"a:personal-{self.id}"


SAM = Person("29:sam", "aad-sam", "Sam Nurse")
OFFICER = Person("29:olu", "aad-officer", "Olu Officer")


def write_profile(folder: Path) -> Path:
    """Bury's profile with a Teams officer (by Entra id) and the officers' Teams channel as the alert target."""
    data = yaml.safe_load(BURY.read_text())
    data["roles"]["officers"] = [*data["roles"]["officers"], f"teams:{TENANT}:{OFFICER.aad}"]
    data["notify"]["officers"] = [{"channel": "teams", "conversation_id": OFFICERS_CHANNEL}]
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    load_profile(path)  # fail here, clearly, if Bury's profile changed shape
    return path


def fresh_sqlite(template: Path, folder: Path) -> str:
    """A migrated SQLite database of our own."""
    path = folder / "teams.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@dataclass
class Harness:
    """The running app, its connector stand-in and an HTTP client."""

    server: TestServer
    connector: Connector
    http: aiohttp.ClientSession
    engine: Any
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def context(self):
        """The app's AppContext."""
        return self.server.app[CONTEXT_KEY]

    def activity(self, who: Person = SAM, *, text: str | None = None, value: dict | None = None, **where) -> dict:
        """A message activity as Teams sends it (personal chat unless `conversation` is given)."""
        conversation = where.get("conversation") or {"conversationType": "personal", "id": who.personal_chat}
        body: dict[str, Any] = {
            "type": "message",
            "id": f"act-{next(self._ids)}",
            "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": who.id, "name": who.name, "aadObjectId": who.aad},
            "conversation": {**conversation, "tenantId": TENANT},
            "recipient": BOT,
            "channelData": {"tenant": {"id": TENANT}, **where.get("channel_data", {})},
        }
        if text is not None:
            body["text"] = text
        if value is not None:
            body["value"] = value
        return body

    async def post(self, body: dict, headers: dict | None = None) -> aiohttp.ClientResponse:
        """POST one activity to /api/messages; returns the response (read)."""
        async with self.http.post(self.server.make_url("/api/messages"), json=body, headers=headers or {}) as resp:
            await resp.read()
            return resp

    async def say(self, text: str | None = None, who: Person = SAM, value: dict | None = None, **where) -> list[Sent]:
        """Send a message and return what the bot sent back during that turn (anywhere)."""
        before = len(self.connector.sent)
        response = await self.post(self.activity(who, text=text, value=value, **where))
        assert response.status in (200, 201), response.status
        return self.connector.sent[before:]

    def cases(self) -> list[Case]:
        """The cases in the database."""
        with Session(self.engine) as session:
            return list(session.exec(select(Case)).all())

    def outbox(self) -> list[Outbox]:
        """The outbox rows."""
        with Session(self.engine) as session:
            return list(session.exec(select(Outbox)).all())


@asynccontextmanager
async def running(db_url: str, profile_path: Path, *, clock: Any = None, **settings: Any) -> AsyncIterator[Harness]:
    """Start the connector stand-in and the whole app (create_app) on free ports, on `clock` if given."""
    connector = Connector()
    await connector.start()
    # Teams only: a Slack without settings would be a logged error here (each test reads the error log).
    config = Settings(database_url=db_url, profile_path=profile_path, env="test", **{"channels": "teams", **settings})
    app = create_app(config)
    if clock is not None:  # before the scheduler starts: its jobs read the clock from their own threads
        app[CONTEXT_KEY].core.clock = clock
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await app[CONTEXT_KEY].extras["jobs"].started()  # the start-up sweep must not race the test for the outbox
    http = aiohttp.ClientSession()
    try:
        yield Harness(server, connector, http, server.app[CONTEXT_KEY].core.engine)
    finally:
        await http.close()
        await server.close()
        await connector.close()


def run(coroutine) -> Any:
    """Run one async scenario (the suite has no asyncio plugin)."""
    return asyncio.run(coroutine)


def form_card(sent: list[Sent]) -> dict[str, Any]:
    """The last form card among `sent` (the one with a submit carrying the draft)."""
    for item in reversed(sent):
        for card in item.cards:
            if any("_draft" in (a.get("data") or {}) for a in card.get("actions", [])):
                return card
    raise AssertionError("no form card was sent")


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {b["id"]: b for b in card["body"] if str(b.get("type", "")).startswith("Input.")}


def submission(card: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """What Teams sends when the card is submitted: every input (empty when untouched, else its value) and the data."""
    action = next(a for a in card["actions"] if a["type"] == "Action.Submit")
    values = {key: element.get("value", "") for key, element in inputs_of(card).items()}
    values.update(answers)
    return {**values, **action["data"]}
