"""The bridge from Slack listeners to the core: identities, one turn at a time per person, de-duplication.

The core is synchronous, so each turn runs in a worker thread and the event loop (and every other
request's ack) never waits on the database. A delivery is processed once: its key is remembered in
memory, and an Events API delivery is also claimed in the database (bot.claims), because
Slack retries those (X-Slack-Retry-Num) and a retry may reach another replica. Slack does not
re-send slash commands or button presses (the person sees an error instead, and a trigger id works
once), so they skip that write: it would cost every command about 0.4 ms of CPU under load.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.claims import DeliveryClaims
from bot.notify import OutboxSender
from bot.slack.blocks import reply_to_json
from bot.slack.people import People, SlackPerson
from bot.slack.priority import AcksFirst, turn_slot
from bot.threads import thread_count
from handlers.casework import outbox
from handlers.casework.reporter_notes import THREAD
from handlers.core import Core
from handlers.messages import Address, Channel, Identity, Inbound, Reply, ReplyKind
from handlers.router import Router

log = logging.getLogger(__name__)
After = Callable[[list[Reply]], None]
SEEN_FOR_SECONDS = 15 * 60  # Slack's last retry comes about 5 minutes after the first delivery
SEEN_MAX = 20_000
DELIVER_NOW = (ReplyKind.SIGNPOST, ReplyKind.CONFIRMATION, ReplyKind.ALERT)
DRAIN_SECONDS = 10.0  # at shutdown, for work started after acks (a container engine waits 10 s before SIGKILL)


class Seen:
    """Keys of deliveries already handled (event ids, trigger ids), forgotten after a while."""

    def __init__(self, ttl: float = SEEN_FOR_SECONDS, limit: int = SEEN_MAX) -> None:
        self.ttl, self.limit = ttl, limit
        self._at: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered within the ttl, False for a repeat."""
        now = time.monotonic()
        while self._at and (len(self._at) > self.limit or next(iter(self._at.values())) < now - self.ttl):
            self._at.popitem(last=False)
        if key in self._at:
            return False
        self._at[key] = now
        return True


class Bridge:
    """What the listeners need: the router behind a per-person lock, the outbox, background tasks."""

    def __init__(self, core: Core, router: Router, outbox: OutboxSender, turns: ThreadPoolExecutor) -> None:
        self.core, self.router, self.outbox = core, router, outbox
        self.seen = Seen()
        self.turns = turns  # the server's database threads, shared with the other channels
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()
        self._delivering = False
        self._again = False
        self.claims = DeliveryClaims(core)
        self.people: People | None = None  # set by mount, once the Web API client exists
        self.on_error: Callable[[BaseException], None] | None = None  # counts failures for /metrics (set by mount)
        # The HTTP endpoint counts the requests it is acking; work after an ack waits for them, and its turns
        # take a place each: one per database thread and one more ready to start, so a thread never idles
        # waiting for the loop to hand it the next, and no more queue there to hold the GIL while acks wait.
        self.acks = AcksFirst(turn_slots=thread_count(core.engine) + 1)

    def identity(self, user_id: str, team_id: str | None, *, look_up: bool = True) -> Identity:
        """The Slack user as the core knows them (slack:TEAM:USER), with their profile once it is looked up.

        `look_up=False` for a slash command: it never needs the profile itself, and the look-up
        starts with the person's first form page or DM instead, pages before "About you".
        """
        person = self.people.known(user_id) if self.people is not None else None
        if look_up and person is None and self.people is not None and self.people.worth_asking(user_id):
            self.background(self.people.look_up(user_id))  # after the ack: ready before the form asks
        person = person or SlackPerson()
        return Identity(
            Channel.SLACK,
            user_id,
            team_id or "unknown",
            display_name=person.name,
            email=person.email,
            phone=person.phone,
        )

    async def turn(
        self, inbound: Inbound, after: After | None = None, *, once: str | None = None, durable: bool = False
    ) -> list[Reply] | None:
        """Run one core turn in a worker thread, one at a time per person (keeps a double click in order).

        `after` runs in the same thread under the same lock, so what it records follows the turn's order.
        `once` is the delivery's key (event id, trigger id): None comes back, and nothing is done, when
        this process has already taken a delivery with that key, or (`durable`) any replica has.
        """
        if once is not None and not self.seen.first_time(once):
            return None  # the common case of a retry (same replica) costs no database round trip
        # One small lock per person who ever wrote: bounded by the workspace's size.
        lock = self._locks.setdefault(inbound.identity.key, asyncio.Lock())
        async with lock, turn_slot():
            loop = asyncio.get_running_loop()
            claim = once if durable else None
            replies = await loop.run_in_executor(self.turns, self._handle, inbound, after, claim)
        if replies and any(r.kind in DELIVER_NOW for r in replies):
            self.background(self.deliver_now())
        return replies

    async def in_thread(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run blocking database work on the server's database threads (never on the event loop)."""
        return await asyncio.get_running_loop().run_in_executor(self.turns, work, *args)

    def _handle(self, inbound: Inbound, after: After | None, claim: str | None) -> list[Reply] | None:
        if claim is not None and not self._claim(claim):
            return None
        replies = self.router.handle(inbound)
        if after is not None:
            after(replies)
        return replies

    def _claim(self, key: str) -> bool:
        """Take the delivery for this replica (in the turn's thread: no extra hop)."""
        return self.claims.first_time(f"slack:{key}")

    def background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run `work` after the ack; keep a reference so it isn't collected mid-way."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    async def drain(self, grace: float = DRAIN_SECONDS) -> None:
        """Wait (up to `grace` s) for the work started after acks, and the work it started, to finish.

        At SIGTERM the server stops listening and finishes its requests, but a modal still to open or
        a reply still to post runs after the ack: stopping without it would lose what Slack was told
        was received.
        """
        deadline = asyncio.get_running_loop().time() + grace
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                log.warning("%d Slack background tasks still running at shutdown; stopping them", len(self._tasks))
                return
            await asyncio.wait(set(self._tasks), timeout=remaining)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack background work failed (%s)", type(task.exception()).__name__)
            if self.on_error is not None:
                self.on_error(task.exception())

    async def deliver_now(self) -> None:
        """Send urgent alerts and confirmations at once; concurrent calls coalesce into one more pass."""
        self._again = True
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._again:
                self._again = False
                await self.outbox.deliver_pending()
        except Exception as exc:  # the scheduler tries again in 10 s
            log.warning("immediate outbox delivery failed (%s)", type(exc).__name__)
        finally:
            self._delivering = False

    def send_once(self, key: str, address: Address, replies: list[Reply]) -> None:
        """Queue a message for one person exactly once across retries and replicas (the outbox de-duplicates).

        Synchronous: call it from a turn's `after`; the turn's deliver_now sends it.
        """
        outbox.queue_once(
            self.core,
            kind="slack.message",
            key=f"slack:{key}",
            address=address,
            text=replies[0].text if replies else "",
            # A reply to the posted message adds to the concern it confirms: the outbox sender remembers it.
            payload={"replies": [reply_to_json(r) for r in replies], **_thread_of(replies)},
        )


def _thread_of(replies: list[Reply]) -> dict[str, Any]:
    return next(({THREAD: r.data[THREAD]} for r in replies if r.data.get(THREAD)), {})
