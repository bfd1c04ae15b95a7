"""A wrong merge undone from Teams: the case card's Split button, then the same command typed again is refused."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Case
from tests.bot.slack.test_matches import merged_twins
from tests.bot.teams.harness import OFFICER, run, running
from tests.bot.teams.test_find import card_buttons


async def scenario(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        first, second = merged_twins(h.engine, h.context.core.profile)
        shown = await h.say(f"case {first}", who=OFFICER)
        assert "Joined cases" in " ".join(s.text for s in shown)
        buttons = card_buttons(shown)
        told = await h.say(value=buttons[f"Split {second}"], who=OFFICER)
        said = " ".join(s.text for s in told)
        assert f"{second} is its own case again" in said and "Jo" not in said.replace(second, "").replace(first, "")
        again = await h.say(f"split {second}", who=OFFICER)
        assert any(f"{second} was already split from {first}" in s.text for s in again)
        with Session(h.engine) as session:
            cases = {c.reference: c for c in session.exec(select(Case)).all()}
        assert cases[second].merged_into is None and cases[second].child_id != cases[first].child_id


def test_an_officer_splits_a_wrong_merge_from_the_teams_card(db_url, teams_profile):
    run(scenario(db_url, teams_profile))
