"""A local stand-in for the Bot Connector service: records what the bot sends to the activity's serviceUrl.

It answers the Bot Framework REST calls the bot makes (send to / reply in a conversation, create a
conversation) and can be told to fail the next sends, to test retries.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Sent:
    """One activity the bot sent, with the conversation it went to."""

    conversation_id: str
    activity: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    id: str = ""  # what the connector answered: the message's id, which a quoted reply names

    @property
    def text(self) -> str:
        """The visible text: the message text plus every TextBlock of a card."""
        parts = [self.activity.get("text") or ""]
        for card in self.cards:
            parts.extend(_texts(card))
        return "\n".join(p for p in parts if p)

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards attached."""
        return [a["content"] for a in self.activity.get("attachments") or [] if a.get("contentType") == CARD]


class Connector:
    """The stand-in: start() it, give its url as the activities' serviceUrl, read `sent`."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.created: list[dict[str, Any]] = []
        self.fail_next = 0
        self.roster_reads: list[str] = []  # member ids asked for (TeamsInfo.get_member)
        self.roster_fails = False
        self.refuse_all = False
        self.blocked: set[str] = set()  # conversations whose user blocked the bot or left: 403 to every send
        self._ids = itertools.count(1)
        self._arrived = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities."""
        return str(self.server.make_url("/"))

    async def start(self) -> None:
        """Listen on a free port."""
        await self.server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        await self.server.close()

    def to(self, conversation_id: str) -> list[Sent]:
        """What was sent to one conversation."""
        return [s for s in self.sent if s.conversation_id == conversation_id]

    async def wait_for(self, conversation_id: str, count: int = 1, timeout: float = 5.0) -> list[Sent]:
        """Wait until `count` activities reached a conversation (proactive sends are not part of a request)."""
        deadline = time.monotonic() + timeout
        while len(self.to(conversation_id)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = len(self.to(conversation_id))
                raise AssertionError(f"expected {count} activities in {conversation_id}, got {got}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                continue
        return self.to(conversation_id)

    async def _activity(self, request: web.Request) -> web.Response:
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in failure"}}, status=503)
        if self.refuse_all:  # a 400 is not retried: the bot hears at once that its reply was refused
            return web.json_response({"error": {"code": "BadArgument", "message": "stand-in refusal"}}, status=400)
        if request.match_info["conversation"] in self.blocked:
            error = {"code": "ConversationBlockedByUser", "message": "User blocked the conversation with the bot."}
            return web.json_response({"error": error}, status=403)
        body = await request.json()
        sent = Sent(request.match_info["conversation"], body, id=f"{1_700_000_000_000 + next(self._ids)}")
        self.sent.append(sent)
        self._arrived.set()
        return web.json_response({"id": sent.id})

    async def _member(self, request: web.Request) -> web.Response:
        """One roster entry, as the Bot Connector answers it (a person's name, Entra id, email and UPN)."""
        member = request.match_info["member"]
        self.roster_reads.append(member)
        if self.roster_fails:
            return web.json_response({"error": {"code": "Forbidden", "message": "stand-in refusal"}}, status=403)
        handle = member.split(":")[-1]
        email = f"{handle}@council.example.gov.uk"
        entry = {"id": member, "name": handle.title(), "aadObjectId": f"aad-{handle}", "email": email}
        return web.json_response({**entry, "userPrincipalName": email, "tenantId": "tenant-1"})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        member = (body.get("members") or [{}])[0].get("id", "someone")
        return web.json_response({"id": f"a:personal-{member}", "activityId": None, "serviceUrl": self.url})


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "TextBlock" and "text" in node else []
        for key in ("body", "items", "columns"):
            found.extend(t for child in node.get(key) or [] for t in _texts(child))
        for fact in node.get("facts") or []:
            found.append(f"{fact['title']}: {fact['value']}")
        return found
    if isinstance(node, list):
        return [t for child in node for t in _texts(child)]
    return []
