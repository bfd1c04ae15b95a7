"""Files in Teams: a one-off download link (15 minutes, works once) in a card, in the person's personal chat only.

The bot can't attach a file to a message in a personal chat without OneDrive permissions, so the file waits
in the database (handlers/reports/downloads.py: the token's hash only) and GET /downloads/{token} serves it once, then
410 Gone. HEAD answers as GET would without using the link (link previews and safe-link scanners send HEAD),
and a GET whose client went away before the file was sent gives the link back. Commands that answer with a
file are refused in a channel or group chat (anyone there could see the link) and when CME_PUBLIC_URL, the
address the link starts with, is not set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re

from aiohttp import web
from botbuilder.schema import Activity

from bot.teams.render import SpecLookup, card_activity, reply_card, to_activity
from bot.threads import DatabaseThreads
from handlers.core import Core
from handlers.messages import Reply
from handlers.reports import downloads
from handlers.reports.downloads import Waiting

log = logging.getLogger(__name__)
ROUTE = "/downloads/{token}"
LIFETIME = dt.timedelta(minutes=15)
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
GONE = "This download link has been used or has expired. Ask the bot again in your personal chat for a new one."
IN_CHANNEL = (
    "Exports and charts are sent in a private chat only, so that nobody else sees them. Message me directly "
    "(find me under Apps or Chat) and type the command there."
)
NO_ADDRESS = (
    "I can't send files in Teams yet: whoever runs the bot needs to set CME_PUBLIC_URL. Meanwhile use Slack, "
    "or `cme-bot export` and `cme-bot chart` on the server."
)


class Downloads:
    """Offers each reply's file as a one-off link and serves the links."""

    def __init__(self, core: Core, threads: DatabaseThreads, public_url: str | None) -> None:
        self.core, self.engine, self.threads = core, core.engine, threads
        self.public_url = public_url.rstrip("/") if public_url else None

    def refusal(self, personal: bool) -> str | None:
        """Why a file can't be delivered in this conversation, or None when it can."""
        if not personal:
            return IN_CHANNEL
        return None if self.public_url else NO_ADDRESS

    async def activities(self, replies: list[Reply], owner: str, specs: SpecLookup) -> list[Activity]:
        """The replies as activities; one with a file becomes a card with its one-off download button."""
        out = []
        for reply in replies:
            if reply.attachment is None or self.public_url is None:
                out.append(to_activity(reply, specs))
                continue
            token = await self.threads.run(self._offer, reply, owner)
            out.append(card_activity(link_card(reply, f"{self.public_url}/downloads/{token}"), summary=reply.title))
        return out

    def _offer(self, reply: Reply, owner: str) -> str:
        return downloads.offer(self.core, owner=owner, file=reply.attachment, lifetime=LIFETIME)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """GET /downloads/{token}: the file, once; 410 Gone afterwards or once expired."""
        token = request.match_info["token"]
        served = await self.threads.run(self._take, token) if TOKEN.fullmatch(token) else None
        if served is None:
            return _gone()
        response = web.Response(body=served.content, content_type=served.content_type, headers=_headers(served))
        try:
            await response.prepare(request)
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError) as gone:  # cancelled: a server set to cancel on disconnect
            # The client went away mid-file: the officer never got it, so the link works again.
            await asyncio.shield(self.threads.run(self._release, served))
            log.info("download not delivered (the client went away); the link still works until it expires")
            if isinstance(gone, asyncio.CancelledError):
                raise
        return response

    async def head(self, request: web.Request) -> web.Response:
        """HEAD /downloads/{token}: what GET would answer, headers only, and the link still unused."""
        token = request.match_info["token"]
        waiting = await self.threads.run(self._peek, token) if TOKEN.fullmatch(token) else None
        if waiting is None:
            return _gone()
        headers = {**_headers(waiting), "Content-Length": str(len(waiting.content))}
        return web.Response(content_type=waiting.content_type, headers=headers)

    def _peek(self, token: str) -> Waiting | None:
        return downloads.peek(self.core, token)

    def _take(self, token: str) -> Waiting | None:
        return downloads.take(self.core, token, via="teams")

    def _release(self, served: Waiting) -> None:
        downloads.give_back(self.core, served, via="teams")


def _gone() -> web.Response:
    return web.Response(status=410, text=GONE, headers={"Cache-Control": "no-store"})


def _headers(row: Waiting) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{row.filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def link_card(reply: Reply, url: str) -> dict:
    """The reply's card with a button that opens the one-off link."""
    content = reply_card(reply)
    minutes = int(LIFETIME.total_seconds() // 60)
    note = f"The link works once, for {minutes} minutes, and only for you: don't forward it."
    content["body"].append({"type": "TextBlock", "text": note, "wrap": True, "isSubtle": True})
    action = {"type": "Action.OpenUrl", "title": f"Download {reply.attachment.filename}", "url": url}
    content.setdefault("actions", []).append(action)
    return content
