"""The server's worker threads for database work: core turns and channel records, for every channel.

One pool for the whole process, made by create_app and shared by Slack and Teams. It is apart
from asyncio's default pool, where botbuilder sends its replies with `requests`: on SQLite each
turn takes the one write lock (BEGIN IMMEDIATE) and its busy handler sleeps (1, 2, 5 ... 100 ms)
while another thread holds it, so replies already rendered used to queue behind turns asleep on
the lock. The pool is sized to what the database can do at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine

# One thread on SQLite: every transaction takes its single write lock, so a second turn thread
# only sleeps in the busy handler (and holds the GIL the loop needs when it wakes).
SQLITE_THREADS = 1
POSTGRES_THREADS = 8  # within the engine's pool (10 + 20 overflow)
T = TypeVar("T")


def thread_count(engine: Engine) -> int:
    """Threads for database work: SQLite has one writer at a time, PostgreSQL many."""
    return SQLITE_THREADS if engine.dialect.name == "sqlite" else POSTGRES_THREADS


class DatabaseThreads:
    """A small thread pool for blocking database work, apart from asyncio's default pool."""

    def __init__(self, engine: Engine) -> None:
        self.pool = ThreadPoolExecutor(thread_count(engine), thread_name_prefix="cme-db")

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The pool itself, for code that calls loop.run_in_executor directly."""
        return self.pool

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func(*args)` in the pool and wait for it without blocking the loop."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    def close(self) -> None:
        """Let running work finish in the background and take no more."""
        self.pool.shutdown(wait=False, cancel_futures=False)
