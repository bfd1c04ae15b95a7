"""Deliveries claimed in the database: a retry reaching another replica is dropped there (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import AsyncExitStack

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot import claims
from storage.db import make_engine, unit_of_work
from storage.deliveries import DeliveryClaim, claim_delivery, forget_deliveries
from storage.models import Conversation
from tests.bot.slack.slack_driver import office_hours, running, text_of

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def test_a_key_is_claimed_once_and_old_claims_expire(engine):
    with unit_of_work(engine) as session:
        assert claim_delivery(session, "slack:event:Ev1", NOW - dt.timedelta(hours=2))
        assert claim_delivery(session, "slack:event:Ev2", NOW)
    with unit_of_work(engine) as session:
        assert not claim_delivery(session, "slack:event:Ev1", NOW)
        assert forget_deliveries(session, NOW - dt.timedelta(hours=1)) == 1
    with unit_of_work(engine) as session:
        assert sorted(s.key for s in session.exec(select(DeliveryClaim))) == ["slack:event:Ev2"]
        assert claim_delivery(session, "slack:event:Ev1", NOW)  # long forgotten: Slack no longer retries it
    with engine.begin() as connection:  # the bridge claims on a plain connection (no ORM on the hot path)
        assert not claim_delivery(connection, "slack:event:Ev2", NOW)
        assert claim_delivery(connection, "slack:event:Ev3", NOW)


def conversations(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(Conversation)).all()
    engine.dispose()
    return found


def test_a_retry_reaching_another_replica_is_not_handled_again(db_url):
    async def scenario():
        async with AsyncExitStack() as stack:
            first = await stack.enter_async_context(running(db_url))
            second = await stack.enter_async_context(running(db_url))
            await first.user("U0REPORTER").dm("report", event_id="Ev0TWICE")
            await first.fake.wait_for("chat.postMessage")
            status, _ = await second.user("U0REPORTER").dm("report", event_id="Ev0TWICE", headers=RETRY)
            assert status == 200
            await asyncio.sleep(0.3)
            assert len(first.fake.of("chat.postMessage")) == 1 and not second.fake.of("chat.postMessage")
            assert len(conversations(db_url)) == 1

    asyncio.run(scenario())


async def _first_post(replicas) -> None:
    while not any(r.fake.of("chat.postMessage") for r in replicas):
        await asyncio.sleep(0.01)


def test_the_same_event_at_two_replicas_at_once_is_handled_by_one(db_url):
    async def scenario():
        async with AsyncExitStack() as stack:
            replicas = [await stack.enter_async_context(running(db_url, clock=office_hours)) for _ in range(2)]
            await asyncio.gather(*(r.user("U0REPORTER").dm("report", event_id="Ev0RACE") for r in replicas))
            await asyncio.wait_for(_first_post(replicas), timeout=5)
            await asyncio.sleep(0.5)  # time for a second post, if one were coming
            posted = [c for r in replicas for c in r.fake.of("chat.postMessage")]
            assert len(posted) == 1

    asyncio.run(scenario())


def test_a_delivery_is_still_handled_when_its_claim_cannot_be_written(slack_db, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT INTO delivery_claim", {}, Exception("disk I/O error"))

    monkeypatch.setattr(claims, "claim_delivery", broken)

    async def scenario():
        async with running(slack_db) as slack:
            await slack.user("U0REPORTER").dm("report", event_id="Ev0NOCLAIM")
            [answer] = await slack.fake.wait_for("chat.postMessage")
            assert "danger right now" in text_of(answer.args["blocks"])

    asyncio.run(scenario())
