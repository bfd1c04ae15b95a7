"""Acks first: the work that follows an ack waits while other Slack requests are still being acked.

Slack gives an app 3 s to ack, and the ack is one event-loop task; the work after it (the core's turn,
views.open, chat.postMessage) is several, and each takes the loop for a while. Run at once, that work
sits in the loop's queue in front of the next requests' acks: under a burst, every ack waited behind
other people's modals. Here the work after an ack starts only when no request is being acked, or once
it has waited MAX_WAIT, so that its modal still opens well inside the trigger's 3 s. Inside that work,
`yield_to_acks()` waits again before the next costly step (views.open), against the same deadline.

The core's turn runs in a database thread, and a thread busy with Python holds the GIL the event loop
needs: while it runs, each of the loop's socket calls waits for the thread to let go (up to the 5 ms
switch interval), and an ack makes several. Released at once, the turns of every waiting command
queued in the database pool and ran back to back, so acks crawled all the while. So the work after
an ack takes a turn slot (one per database thread, and one more ready to start so that a thread does
not idle between turns) and checks for acks again when it has one: a turn is handed to the pool
only when no ack is waiting or its deadline has come.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WAIT = 1.0  # seconds: then the core's turn (OPEN_BUDGET, 1 s) and views.open still fit in the trigger's 3 s
# The gate and the deadline of the work after an ack that the current task is running, if any.
_FOLLOWING: ContextVar[tuple[AcksFirst, float] | None] = ContextVar("cme_following", default=None)


class AcksFirst:
    """Counts the requests being acked; `after_acks(work)` runs `work` when there are none."""

    def __init__(self, max_wait: float = MAX_WAIT, *, turn_slots: int = 1) -> None:
        self.max_wait = max_wait
        self.acking = 0
        self.waiting = 0  # pieces of work after an ack waiting for acks to finish (tests watch this)
        self.turn_slots = turn_slots  # turns handed to the database threads at once (more would queue there)
        self._idle: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None  # made in the running loop, on first use

    @contextmanager
    def acking_one(self) -> Iterator[None]:
        """Around a request's handling, from its arrival until its answer is ready."""
        self.acking += 1
        if self._idle is not None:
            self._idle.clear()
        try:
            yield
        finally:
            self.acking -= 1
            if not self.acking and self._idle is not None:
                self._idle.set()

    async def clear(self, deadline: float | None = None) -> None:
        """Return when no request is being acked, or at `deadline` (loop time; default max_wait from now)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait if deadline is None else deadline
        while True:
            await asyncio.sleep(0)  # requests that arrived with this wake-up start (and count) first
            remaining = deadline - loop.time()
            if not self.acking or remaining <= 0:
                return
            if self._idle is None:
                self._idle = asyncio.Event()
            self._idle.clear()
            self.waiting += 1
            try:
                await asyncio.wait_for(self._idle.wait(), remaining)
            except TimeoutError:
                return
            finally:
                self.waiting -= 1

    async def after_acks(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`, started once the requests being acked are answered (or max_wait has passed)."""
        deadline = asyncio.get_running_loop().time() + self.max_wait
        _FOLLOWING.set((self, deadline))  # this task's own context: yield_to_acks() in `work` finds it
        await self.clear(deadline)
        return await work

    @asynccontextmanager
    async def slot(self, deadline: float) -> AsyncIterator[None]:
        """One of `turn_slots` places for a turn, held until it ends; then no ack waiting (or `deadline` passed)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.turn_slots)
        async with self._slots:
            await self.clear(deadline)  # checked again now: acks that came while this waited for a place go first
            yield


@asynccontextmanager
async def turn_slot() -> AsyncIterator[None]:
    """Around a core turn: in work after an ack, a database thread of its own, taken once no ack is waiting."""
    following = _FOLLOWING.get()
    if following is None:  # not after an ack (a page's answer rides on its own ack): it never waits
        yield
        return
    gate, deadline = following
    async with gate.slot(deadline):
        yield


async def yield_to_acks() -> None:
    """In work after an ack: let the requests being acked go first again, until that work's deadline."""
    following = _FOLLOWING.get()
    if following is not None:
        gate, deadline = following
        await gate.clear(deadline)
