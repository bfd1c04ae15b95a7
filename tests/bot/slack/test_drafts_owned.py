"""Drafts belong to their person (issue 20, finding 8): a modal submission naming another user's draft is refused
(nothing submitted, nothing of theirs shown, the attempt audited); the owner's own submission still goes."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import AuditEvent
from tests.bot.slack.slack_driver import fill, running, text_of
from tests.bot.slack.test_modal import REFERRER, about_you_page, cases, page


def test_a_modal_naming_another_users_draft_is_refused_and_audited(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            sam, mallory = slack.user("U0REPORTER"), slack.user("U0MALLORY")
            view = await about_you_page(slack, sam)
            status, ack = await mallory.submit(fill(view, REFERRER))
            assert status == 200 and cases(slack_db) == []
            shown = str(ack)
            assert "nothing was sent" in shown and "Zephyrine" not in shown
            done = await page(sam, view, REFERRER)
            assert "Concern raised" in done["title"]["text"]
            [case] = cases(slack_db)
            status, ack = await mallory.submit(fill(view, REFERRER))  # a replay shows nothing of Sam's
            assert case.reference not in str(ack) and len(cases(slack_db)) == 1
            assert "Concern raised" not in text_of((ack.get("view") or {}).get("blocks", []))

    asyncio.run(scenario())
    engine = make_engine(slack_db)
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.refused")).all()
    engine.dispose()
    assert [event.actor.rsplit(":", 1)[-1] for event in refused] == ["U0MALLORY", "U0MALLORY"]
