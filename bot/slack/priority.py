"""Acks first: the work that follows an ack waits while other Slack requests are still being acked.

Slack gives an app 3 s to ack, and the ack is one event-loop task; the work after it (the core's turn,
views.open, chat.postMessage) is several, and each takes the loop for a while. Run at once, that work
sits in the loop's queue in front of the next requests' acks: under a burst, every ack waited behind
other people's modals. Here the work after an ack starts only when no request is being acked, or once
it has waited MAX_WAIT, so that its modal still opens well inside the trigger's 3 s. Inside that work,
`yield_to_acks()` waits again before the next costly step (views.open), against the same deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WAIT = 1.0  # seconds: then the core's turn (OPEN_BUDGET, 1 s) and views.open still fit in the trigger's 3 s
# The gate and the deadline of the work after an ack that the current task is running, if any.
_FOLLOWING: ContextVar[tuple[AcksFirst, float] | None] = ContextVar("cme_following", default=None)


class AcksFirst:
    """Counts the requests being acked; `after_acks(work)` runs `work` when there are none."""

    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self.acking = 0
        self._idle: asyncio.Event | None = None

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
            try:
                await asyncio.wait_for(self._idle.wait(), remaining)
            except TimeoutError:
                return

    async def after_acks(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`, started once the requests being acked are answered (or max_wait has passed)."""
        deadline = asyncio.get_running_loop().time() + self.max_wait
        _FOLLOWING.set((self, deadline))  # this task's own context: yield_to_acks() in `work` finds it
        await self.clear(deadline)
        return await work


async def yield_to_acks() -> None:
    """In work after an ack: let the requests being acked go first again, until that work's deadline."""
    following = _FOLLOWING.get()
    if following is not None:
        gate, deadline = following
        await gate.clear(deadline)
