"""Proactive alerts through stored conversation references (with retry), and the endpoint's refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.config import Settings
from handlers.casework.alerts import notify_role
from storage.db import unit_of_work
from storage.models import Conversation
from storage.teams_refs import TeamsConversationRef
from storage.types import utcnow
from tests.bot.teams.harness import OFFICER, OFFICERS_CHANNEL, SAM, run, running

APP_ID = "11111111-2222-3333-4444-555555555555"


def queue_alert(h, key: str = "case-new:CME-2026-0042") -> None:
    """The core queues an urgent alert for the officers (as a submitted referral does)."""
    with unit_of_work(h.engine) as session:
        notify_role(
            session,
            profile=h.context.core.profile,
            role="officers",
            kind="case.new",
            key=key,
            text="URGENT: new CME concern CME-2026-0042.",
            urgent=True,
            now=utcnow(),
        )


async def retry(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        channel = {"conversation": {"conversationType": "channel", "id": f"{OFFICERS_CHANNEL};messageid=9"}}
        await h.say("<at>CME bot</at> help", who=OFFICER, **channel)  # the bot now knows the channel
        queue_alert(h)
        h.connector.fail_next = 1
        assert await h.context.outbox.deliver_pending() == 0
        [row] = h.outbox()
        assert (row.sent_at, row.attempts, row.last_error) == (None, 1, "ErrorResponseException")
        assert await h.context.outbox.deliver_pending() == 0  # backing off: not yet
        h.context.core.clock = lambda: utcnow() + dt.timedelta(minutes=5)
        assert await h.context.outbox.deliver_pending() == 1
        [alert] = h.connector.to(OFFICERS_CHANNEL)
        assert "CME-2026-0042" in alert.text and alert.cards  # an alert card, sent once
        assert h.outbox()[0].sent_at is not None


def test_proactive_alert_is_retried_after_a_connector_failure(sqlite_url, teams_profile):
    run(retry(sqlite_url, teams_profile))


async def unknown_target(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        queue_alert(h)
        assert await h.context.outbox.deliver_pending() == 0
        assert h.outbox()[0].last_error == "NoConversation"  # kept until the app is installed there


def test_alert_waits_in_the_outbox_until_the_channel_is_known(sqlite_url, teams_profile):
    run(unknown_target(sqlite_url, teams_profile))


async def refused(db_url, profile) -> None:
    async with running(db_url, profile, microsoft_app_id=APP_ID, microsoft_app_password="secret") as h:
        for headers in (
            {},
            {"Authorization": "Bearer garbage"},
            {"Authorization": "Bearer a.b.c"},
            {"Authorization": "x"},
        ):
            response = await h.post(h.activity(text="report"), headers)
            assert response.status == 401, headers
        assert h.connector.sent == [] and h.cases() == []
        with Session(h.engine) as session:
            assert session.exec(select(Conversation)).all() == []
            assert session.exec(select(TeamsConversationRef)).all() == []


def test_bad_or_missing_token_is_401_and_changes_nothing(sqlite_url, teams_profile):
    run(refused(sqlite_url, teams_profile))


async def malformed(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        url = h.server.make_url("/api/messages")
        async with h.http.post(url, data="hello", headers={"Content-Type": "text/plain"}) as response:
            assert response.status == 415
        async with h.http.post(url, data="{not json", headers={"Content-Type": "application/json"}) as response:
            assert response.status == 400
        assert (await h.say("help"))[0].conversation_id == SAM.personal_chat  # still serving


def test_malformed_requests_are_4xx(sqlite_url, teams_profile):
    run(malformed(sqlite_url, teams_profile))


def test_production_refuses_to_run_teams_without_authentication(sqlite_url, teams_profile):
    settings = Settings(database_url=sqlite_url, profile_path=teams_profile, env="production")
    with pytest.raises(SystemExit, match="MicrosoftAppId is not set"):
        create_app(settings)


async def refused_replies(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        await h.say("report chat")
        h.connector.refuse_all = True  # the connector refuses the reply, and then the apology
        response = await h.post(h.activity(text="Zephyrine"))
        assert response.status in (200, 201)  # the activity was handled: the channel has nothing to retry


def test_a_reply_the_connector_refuses_is_logged_by_type_only(sqlite_url, teams_profile, caplog):
    run(refused_replies(sqlite_url, teams_profile))
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in failures] == [
        "Teams turn failed (ErrorResponseException)",
        "Teams apology not delivered either (ErrorResponseException)",
    ]
    assert not any(r.exc_info for r in failures) and "Zephyrine" not in caplog.text
