"""Possible matches in Teams: the case card lists the match with its reasons; Different child is recorded once."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.children import ChildMatch
from tests.bot.slack.test_matches import possible_match
from tests.bot.teams.harness import OFFICER, run, running
from tests.bot.teams.test_find import card_buttons


async def scenario(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        first, second = possible_match(h.engine, h.context.core.profile)
        shown = await h.say(f"case {second}", who=OFFICER)
        text = " ".join(s.text for s in shown)
        assert "Possible matches" in text and "same date of birth" in text and first in text
        buttons = card_buttons(shown)
        assert f"Same child as {first}" in buttons
        told = await h.say(value=buttons["Different child"], who=OFFICER)
        assert any(f"{second} and {first} are about different children" in s.text for s in told)
        again = await h.say(value=buttons[f"Same child as {first}"], who=OFFICER)
        assert any("already decided by" in s.text and "nothing was changed" in s.text for s in again)
        with Session(h.engine) as session:
            assert session.exec(select(ChildMatch)).one().state == "different"


def test_an_officer_decides_a_possible_match_from_the_teams_card(sqlite_url, teams_profile):
    run(scenario(sqlite_url, teams_profile))
