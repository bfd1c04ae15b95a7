"""Closing with care in Teams: the Close button's card lists the steps not done and asks why before it closes."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Case
from tests.bot.teams.harness import OFFICER, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_officer_actions import buttons
from tests.handlers.casework.test_cases import make_case


async def scenario(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        reference = make_case(h.engine, h.context.core.profile, 1, h.context.core.clock())
        view = await h.say(f"case {reference}", who=OFFICER)
        close = next(buttons(card)["Close"] for s in view for card in s.cards if "Close" in buttons(card))
        asked = await h.say(value=close, who=OFFICER)
        card = form_card(asked)
        assert "9 enquiry step(s)" in " ".join(s.text for s in asked) and "Close it anyway?" in asked[0].text
        assert set(inputs_of(card)) == {"outcome", "provision", "early"}  # why, since steps are not done
        empty = await h.say(value=submission(card, {"outcome": "moved_abroad"}), who=OFFICER)
        assert "closed" not in empty[0].text.split(".")[0]  # a reason is needed: nothing closed yet
        with Session(h.engine) as session:
            assert session.exec(select(Case)).one().state == "open"
        sent = submission(card, {"outcome": "moved_abroad", "early": "the grandmother confirmed they left"})
        closed = await h.say(value=sent, who=OFFICER)
        assert f"{reference} is closed (Moved abroad)" in closed[0].text
        with Session(h.engine) as session:
            assert session.exec(select(Case)).one().state == "closed"


def test_closing_with_steps_not_done_asks_why_on_the_card_before_it_closes(sqlite_url, teams_profile):
    run(scenario(sqlite_url, teams_profile))
