"""Possible matches in Slack: the case view shows the match with its reasons and the Same child button decides it."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session, select

from bot.app import CONTEXT_KEY
from handlers.children.merge import decide_same
from storage.children import Child, ChildMatch
from storage.db import unit_of_work
from storage.models import Case
from tests.bot.slack.slack_driver import running, text_of
from tests.handlers.children.kin import RAISED, add_case, add_child


def possible_match(engine, profile) -> tuple[str, str]:
    """Ava's case and Eva's newer case, with the possible match intake would have found."""
    born = dt.date(2014, 5, 2)
    ava = add_child(engine, forenames="Ava", surname="Testchild", dob=born, postcode="BL9 0EJ")
    eva = add_child(engine, forenames="Eva", surname="Test-Child", dob=born, postcode="BL9 0EJ")
    first, second = add_case(engine, profile, ava, 1), add_case(engine, profile, eva, 2)
    with unit_of_work(engine) as session:
        case = session.exec(select(Case).where(Case.reference == second)).one()
        reasons = ["same surname, written differently", "same date of birth", "same postcode"]
        session.add(ChildMatch(case_id=case.id, candidate_id=ava, score=0.91, reasons=reasons))
    return first, second


async def case_view(slack, reference: str) -> tuple[str, list[dict]]:
    """The officer's /cme case view in Slack (answered on the command's response_url): its text and buttons."""
    assert await slack.user("U0OFFICER", "cme.officer").command(f"case {reference}") == (200, "")
    view = (await slack.fake.wait_for_responses(1))[-1].args
    return text_of(view["blocks"]), [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_officer_sees_the_possible_match_and_presses_same_child(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            first, second = possible_match(core.engine, core.profile)
            officer, (shown, buttons) = slack.user("U0OFFICER", "cme.officer"), await case_view(slack, second)
            assert "Possible matches" in shown and "same date of birth" in shown and first in shown
            [same] = [b for b in buttons if b["value"] == f"/cme same {second} {first}"]
            await officer.click(same["action_id"], same["value"])
            [told] = await slack.fake.wait_for("chat.postMessage")
            assert told.args["channel"] == "U0OFFICER"  # the officer's DM: the decision names references only
            assert f"{second} was merged into {first}" in told.args["text"] and "Ava" not in told.args["text"]
            with Session(core.engine) as session:
                assert session.exec(select(ChildMatch)).one().state == "same"
                assert len(session.exec(select(Child).where(Child.merged_into == None)).all()) == 1  # noqa: E711

    asyncio.run(scenario())


def merged_twins(engine, profile) -> tuple[str, str]:
    """Jon's case, and Joan's wrongly merged into it by an officer (same surname, birthday, postcode)."""
    details = {"surname": "Ashcroft", "dob": dt.date(2014, 3, 12), "postcode": "BL9 0EJ"}
    jon, joan = add_child(engine, forenames="Jon", **details), add_child(engine, forenames="Joan", **details)
    first, second = add_case(engine, profile, jon, 1), add_case(engine, profile, joan, 2)
    with unit_of_work(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        decide_same(session, cases[second], cases[first], actor="slack:T0COUNCIL:U0OFFICER", now=RAISED)
    return first, second


def test_an_officer_splits_a_wrong_merge_from_the_case_view_and_by_slash_command(db_url):
    async def scenario():
        async with running(db_url) as slack:
            core = slack.client.server.app[CONTEXT_KEY].core
            first, second = merged_twins(core.engine, core.profile)
            officer, (shown, buttons) = slack.user("U0OFFICER", "cme.officer"), await case_view(slack, first)
            assert "Joined cases" in shown
            [split] = [b for b in buttons if b["value"] == f"/cme split {second}"]
            await officer.click(split["action_id"], split["value"])
            [told] = await slack.fake.wait_for("chat.postMessage")
            assert told.args["channel"] == "U0OFFICER"
            said = told.args["text"]
            assert said.startswith(f"Merge undone: {second}: {second} is its own case again") and "Jo" not in said
            assert await officer.command(f"split {second}") == (200, "")
            again = (await slack.fake.wait_for_responses(2))[-1].args
            assert f"{second} was already split from {first}" in text_of(again["blocks"])
            with Session(core.engine) as session:
                cases = {c.reference: c for c in session.exec(select(Case)).all()}
            assert cases[second].merged_into is None and cases[second].child_id != cases[first].child_id

    asyncio.run(scenario())
