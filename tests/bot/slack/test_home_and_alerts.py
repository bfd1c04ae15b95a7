"""App Home for each role, opening a case (officers only, recorded), and officer alerts through the outbox."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from handlers.messages import Address, Channel, Identity, Inbound
from storage.db import make_engine
from storage.models import AuditEvent, Outbox
from tests.bot.slack.fake_slack import TEAM_ID
from tests.bot.slack.slack_driver import running, text_of
from tests.handlers.forms.test_whole_form import PAGES

CALM = dict(PAGES, harm={"harm_indicators": ["none"]})
# Another child (intake would join two referrals about one child into one open case).
OTHER_CHILD = dict(PAGES, child={**PAGES["child"], "child_forenames": "Bartholomew", "child_dob": "2011-09-14"})


def raise_case(slack, user_id: str, pages=PAGES) -> str:
    """A referral made through the core as the Slack modal would; returns its reference."""
    router = slack.client.server.app[CONTEXT_KEY].router
    who = Identity(Channel.SLACK, user_id, TEAM_ID)
    where = Address(Channel.SLACK, user_id, user_id)
    view = router.handle(Inbound(who, where, text="/cme report", wants_form=True))[-1].form
    while True:
        values = {"_draft": view.draft_id, "_section": view.section_id, **pages[view.section_id]}
        replies = router.handle(Inbound(who, where, form_id=view.form_id, form_values=values))
        if replies[-1].form is None:
            return next(r.data["reference"] for r in replies if "reference" in r.data)
        view = replies[-1].form


def rows(db_url, model):
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(model)).all()
    engine.dispose()
    return found


def test_app_home_for_a_reporter_shows_their_own_concerns_only(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            mine = raise_case(slack, "U0REPORTER", CALM)
            theirs = raise_case(slack, "U0SOMEONE", CALM)
            await slack.user("U0REPORTER").open_home()
            [published] = await slack.fake.wait_for("views.publish")
            assert published.args["user_id"] == "U0REPORTER" and published.args["view"]["type"] == "home"
            shown = text_of(published.args["view"]["blocks"])
            assert mine in shown and "Open: the CME officer is making enquiries" in shown and theirs not in shown
            assert "Open case" not in shown and "Zephyrine" not in shown

    asyncio.run(scenario())


def test_app_home_for_an_officer_lists_open_cases_urgent_first_and_opening_is_recorded(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            calm = raise_case(slack, "U0REPORTER", CALM)
            urgent = raise_case(slack, "U0OTHER", OTHER_CHILD)
            officer = slack.user("U0OFFICER")
            await officer.open_home()
            [published] = await slack.fake.wait_for("views.publish")
            blocks = published.args["view"]["blocks"]
            assert "2* open · *1* urgent" in text_of(blocks)
            assert f"{urgent} Bartholomew Quillfeather" in text_of(blocks)  # the same lines as /cme cases
            buttons = [b["accessory"] for b in blocks if b.get("accessory")]
            assert [b["value"] for b in buttons] == [urgent, calm]
            await officer.click(buttons[0]["action_id"], buttons[0]["value"])
            case_view = await slack.fake.modal()
            assert urgent in text_of(case_view["blocks"])
            await slack.user("U0REPORTER").click(buttons[1]["action_id"], calm)
            refused = await slack.fake.modal(2)
            refusal = text_of(refused["blocks"])
            assert "officer" in refusal and calm not in refusal
            viewed = [e for e in rows(slack_db, AuditEvent) if e.action == "case.viewed"]
            assert [(e.actor, e.case_id is not None) for e in viewed] == [(f"slack:{TEAM_ID}:U0OFFICER", True)]

    asyncio.run(scenario())


def test_officer_alerts_survive_rate_limits_and_stay_queued_when_undeliverable(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            outbox = slack.client.server.app[CONTEXT_KEY].outbox
            slack.fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=0)
            reference = raise_case(slack, "U0REPORTER", CALM)
            assert await outbox.deliver_pending() == 1
            calls = slack.fake.of("chat.postMessage")
            assert len(calls) == 2 and calls[-1].args["channel"] == "C0OFFICERS"
            assert reference in calls[-1].args["text"] and "Zephyrine" not in str(calls[-1].args)
            slack.fake.fail("chat.postMessage", error="channel_not_found")
            raise_case(slack, "U0OTHER", CALM)
            assert await outbox.deliver_pending() == 0
            stuck = [r for r in rows(slack_db, Outbox) if r.sent_at is None]
            assert len(stuck) == 1 and stuck[0].attempts == 1 and stuck[0].last_error == "SlackApiError"

    asyncio.run(scenario())
