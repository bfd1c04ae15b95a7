"""The DfE return's fields in Teams: an old reason answered with the DfE categories as card buttons that work,
and "what is a CTF?" answered from the glossary, through real Bot Framework activities."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from storage.models import Case
from tests.bot.teams.harness import OFFICER, run, running
from tests.bot.teams.test_officer_actions import buttons
from tests.handlers.casework.test_cases import make_case


async def old_reason(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        reference = make_case(h.engine, h.context.core.profile, 7, dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC))
        [asked] = await h.say(f"/cme set {reference} reason health because GP letter", who=OFFICER)
        offered = buttons(asked.cards[0])
        assert "Physical health" in offered and "Mental health" in offered
        done = await h.say(value=offered["Mental health"], who=OFFICER)
        assert "Mental health" in done[0].text
        with Session(h.engine) as session:
            assert session.exec(select(Case).where(Case.reference == reference)).one().cme_reason == "mental-health"
        explained = (await h.say("what's a CTF?", who=OFFICER))[0]
        assert "common transfer file" in explained.text.lower() and "School to School" in explained.text


def test_an_old_reason_offers_the_dfe_categories_as_buttons(sqlite_url, teams_profile):
    run(old_reason(sqlite_url, teams_profile))
