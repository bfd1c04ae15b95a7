"""The DfE return's fields in Slack: an old reason answered with the DfE categories as buttons that work, and the
pre-return check, through signed slash commands and real block_actions."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from storage.models import Case
from tests.bot.slack.slack_driver import running, text_of
from tests.bot.slack.test_officer_forms import buttons
from tests.handlers.casework.test_cases import make_case


def _reason(engine, reference: str) -> str | None:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one().cme_reason


def test_an_old_reason_offers_the_dfe_categories_and_a_press_sets_one(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            reference = make_case(core.engine, core.profile, 7, dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC))
            with Session(core.engine) as session:  # triaged CME, so the return counts it
                case = session.exec(select(Case).where(Case.reference == reference)).one()
                case.triage_outcome = "cme"
                session.add(case)
                session.commit()
            officer = slack.user("U0OFFICER", "cme.officer")
            assert await officer.command(f"set {reference} reason whereabouts-unknown because no answer") == (200, "")
            [answer] = [call.args for call in await slack.fake.wait_for_responses(1)]
            assert "no longer one of the DfE" in text_of(answer["blocks"])
            offered = buttons(answer["blocks"])
            assert list(offered) == [
                "Unknown",
                "Believed to have moved to another country",
                "Believed to have moved to another local authority",
            ]
            assert _reason(core.engine, reference) is None  # nothing changed until the officer chooses
            pressed = offered["Believed to have moved to another country"]
            await officer.click(pressed["action_id"], pressed["value"])
            for _ in range(100):
                if _reason(core.engine, reference) == "moved-abroad":
                    break
                await asyncio.sleep(0.05)
            assert _reason(core.engine, reference) == "moved-abroad"

            assert await officer.command("export dfe-return 2026-10-01 check") == (200, "")
            checked = (await slack.fake.wait_for_responses(2))[-1].args
            shown = text_of(checked["blocks"])
            assert reference in shown and "year group not recorded" in shown and "Zephyrine" not in shown

    asyncio.run(scenario())
