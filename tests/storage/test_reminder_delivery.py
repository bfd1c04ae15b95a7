"""Each reminder is delivered exactly once: a process killed mid-way, two replicas, a channel down for an hour."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.notify import OutboxSender
from handlers.casework.reminders import run_sweep
from handlers.core import Core
from storage.db import make_engine
from storage.models import Outbox
from tests.handlers.casework.test_cases import make_case

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)

# A replica that queues today's reminders, starts sending them, and hangs in the send until killed.
KILLED_REPLICA = """
import asyncio, datetime as dt, sys
from bot.notify import OutboxSender
from handlers.core import Core
from handlers.knowledge.profile import bundled_profile
from handlers.casework.reminders import run_sweep
from storage.db import make_engine

now = dt.datetime.fromisoformat(sys.argv[2])
core = Core(engine=make_engine(sys.argv[1]), profile=bundled_profile(), clock=lambda: now)
print("queued", run_sweep(core).added, flush=True)

async def hang(address, reply):
    print("sending", flush=True)
    await asyncio.sleep(3600)

sender = OutboxSender(core)
for channel in ("terminal", "slack", "teams"):
    sender.register(channel, hang)
asyncio.run(sender.deliver_pending())
"""


class Recorder:
    """A channel sender that remembers every delivery (thread-safe), optionally failing until a time."""

    def __init__(self, clock=None, fail_until: dt.datetime | None = None) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.clock, self.fail_until = clock, fail_until

    async def __call__(self, address, reply) -> None:
        if self.fail_until is not None and self.clock() < self.fail_until:
            self.failures += 1
            raise ConnectionError("channel API down")
        with self.lock:
            self.delivered.append((address.conversation_id, reply.text))

    def attach(self, sender: OutboxSender) -> OutboxSender:
        for channel in ("terminal", "slack", "teams"):
            sender.register(channel, self)
        return sender


def _cases(engine, profile) -> None:
    """Overdue steps for two officers and the team inbox, urgent and not: digests, alerts, an escalation."""
    make_case(engine, profile, 1, dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC), urgent=True)
    make_case(engine, profile, 2, dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), assigned_to="slack:T1:U7")
    make_case(
        engine, profile, 3, dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC), assigned_to="teams:t1:aad-1", urgent=True
    )


def _all_rows(engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox)).all())


def _expected(engine) -> list[tuple[str, str]]:
    return sorted((row.recipient["conversation_id"], row.text) for row in _all_rows(engine))


def test_a_replica_killed_between_queueing_and_sending_loses_and_doubles_nothing(engine, db_url, profile, clock):
    _cases(engine, profile)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_REPLICA, db_url, NOW.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        queued = int(child.stdout.readline().split()[1])
        assert child.stdout.readline().strip() == "sending"  # rows claimed, the first send under way
    finally:
        child.kill()
        child.wait(timeout=30)
    assert queued == len(_all_rows(engine)) > 3  # three officers' digests and the escalation
    assert all(row.sent_at is None for row in _all_rows(engine))
    clock.now = NOW + dt.timedelta(minutes=3)  # the dead replica's claim has run out
    core = Core(engine=engine, profile=profile, clock=clock)
    recorder = Recorder()
    sender = recorder.attach(OutboxSender(core))
    assert run_sweep(core).added == 0  # the restarted process queues nothing again
    asyncio.run(sender.deliver_pending())
    asyncio.run(sender.deliver_pending())
    assert sorted(recorder.delivered) == _expected(engine)
    assert all(row.sent_at is not None for row in _all_rows(engine))


def test_two_replicas_on_postgresql_deliver_each_reminder_once(db_url, profile, clock):
    if not db_url.startswith("postgresql"):
        pytest.skip("two replicas need PostgreSQL; on SQLite the bot runs as one process")
    setup = make_engine(db_url)
    _cases(setup, profile)
    recorder = Recorder()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        engine = make_engine(db_url)
        try:
            core = Core(engine=engine, profile=profile, clock=lambda: NOW)
            sender = recorder.attach(OutboxSender(core))
            barrier.wait()
            for _ in range(5):
                run_sweep(core)
                asyncio.run(sender.deliver_pending(limit=3))
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    counts = collections.Counter(recorder.delivered)
    assert counts and max(counts.values()) == 1
    assert sorted(recorder.delivered) == _expected(setup)
    setup.dispose()


def test_a_channel_down_for_an_hour_gets_every_reminder_once_when_it_is_back(engine, profile, clock):
    _cases(engine, profile)
    clock.now = NOW
    core = Core(engine=engine, profile=profile, clock=clock)
    recorder = Recorder(clock, fail_until=NOW + dt.timedelta(hours=1))
    sender = recorder.attach(OutboxSender(core))
    for _ in range(0, 90, 5):  # the scheduler's jobs over an hour and a half
        run_sweep(core)
        asyncio.run(sender.deliver_pending())
        clock.advance(minutes=5)
    assert recorder.failures > 0
    assert sorted(recorder.delivered) == _expected(engine)
    assert collections.Counter(recorder.delivered).most_common(1)[0][1] == 1
