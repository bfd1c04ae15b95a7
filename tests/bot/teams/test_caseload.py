"""/cme cases in Teams: the officer's card names each child and its More button brings the next page; in a
channel the list goes to the personal chat; a reporter is refused."""

from __future__ import annotations

import datetime as dt

from bench.bench_caseload import add_open_cases
from storage.db import unit_of_work
from tests.bot.teams.harness import OFFICER, OFFICERS_CHANNEL, SAM, run, running
from tests.bot.teams.test_find import card_buttons
from tests.handlers.children.kin import add_case, add_child


async def scenario(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        core = h.context.core
        ava = add_child(h.engine, forenames="Ava", surname="Testchild", dob=dt.date(2014, 5, 2))
        reference = add_case(h.engine, core.profile, ava, 1)
        with unit_of_work(h.engine) as session:
            add_open_cases(session, core.profile, 16, core.clock(), first=2)
        listed = await h.say("cases", who=OFFICER)
        assert [s.conversation_id for s in listed] == [OFFICER.personal_chat]
        more = card_buttons(listed)["More (page 2 of 2)"]
        rest = await h.say(value=more, who=OFFICER)
        both = listed[0].text + rest[0].text
        assert f"{reference} Ava Testchild, 12" in both and "1-15 of 17" in listed[0].text
        channel = {"conversation": {"conversationType": "channel", "id": f"{OFFICERS_CHANNEL};messageid=9"}}
        in_channel = await h.say("<at>CME bot</at> cases", who=OFFICER, **channel)
        shown = [s for s in in_channel if s.conversation_id.startswith(OFFICERS_CHANNEL)]
        assert all("Testchild" not in s.text for s in shown)  # moved to the personal chat
        refused = await h.say("cases", who=SAM)
        assert "CME officer and their manager only" in refused[0].text and "Ava" not in refused[0].text


def test_an_officer_lists_the_cases_with_names_in_teams_and_a_reporter_is_refused(sqlite_url, teams_profile):
    run(scenario(sqlite_url, teams_profile))
