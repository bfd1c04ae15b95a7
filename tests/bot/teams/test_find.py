"""/cme find in Teams: an officer's message gets a card with the children found; in a channel, the answer goes
to the personal chat; a reporter is refused."""

from __future__ import annotations

import datetime as dt

from tests.bot.teams.harness import OFFICER, OFFICERS_CHANNEL, SAM, run, running
from tests.handlers.children.kin import add_case, add_child


def card_buttons(sent) -> dict[str, dict]:
    return {
        a["title"]: a["data"]
        for s in sent
        for card in s.cards
        for a in [
            *card.get("actions", []),
            *(x for e in card["body"] if e.get("type") == "ActionSet" for x in e["actions"]),
        ]
        if a["type"] == "Action.Submit"
    }


async def scenario(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        core = h.context.core
        ava = add_child(h.engine, forenames="Ava", surname="Testchild", dob=dt.date(2014, 5, 2), postcode="BL9 0EJ")
        reference = add_case(h.engine, core.profile, ava, 1)
        found = await h.say("find 02/05/2014", who=OFFICER)
        assert [s.conversation_id for s in found] == [OFFICER.personal_chat]
        assert "Ava Testchild, born 2 May 2014" in found[0].text and f"{reference} open" in found[0].text
        opened = await h.say(value=card_buttons(found)[f"Open {reference}"], who=OFFICER)
        assert any(f"Case {reference}" in s.text for s in opened)  # the button opens the case
        channel = {"conversation": {"conversationType": "channel", "id": f"{OFFICERS_CHANNEL};messageid=9"}}
        in_channel = await h.say("<at>CME bot</at> find BL9 0EJ", who=OFFICER, **channel)
        shown = [s for s in in_channel if s.conversation_id.startswith(OFFICERS_CHANNEL)]
        assert all("Testchild" not in s.text for s in shown)  # nothing about a child in a channel
        assert any("Ava Testchild" in s.text for s in in_channel if s.conversation_id == OFFICER.personal_chat)
        refused = await h.say("find Testchild", who=SAM)
        assert "CME officer and their manager only" in refused[0].text and "Ava" not in refused[0].text


def test_an_officer_finds_a_child_in_teams_and_a_reporter_is_refused(sqlite_url, teams_profile):
    run(scenario(sqlite_url, teams_profile))
