"""Restricted cases through the router: named officers see it; everyone else, managers included, only that it exists."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from handlers.casework.home import home_for
from handlers.messages import Channel, Identity, ReplyKind
from storage.models import AuditEvent
from tests.handlers.casework.conftest import THIRD
from tests.handlers.casework.test_child_intake import AVA, OFFICER, close, refer
from tests.support import Person


def _refusals(engine, actor: str) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == "case.access_refused", AuditEvent.actor == actor)
        return list(session.exec(query).all())


def _restricted(team) -> str:
    reference = refer(team, "alice", AVA)
    done = Person(team, user=OFFICER).say(f"/cme restrict {reference} the mother works in the council @officer-two")
    assert done[-1].kind is ReplyKind.CONFIRMATION, done[-1].text
    assert "cme-officer" in done[-1].text and "officer-two" in done[-1].text
    return reference


def test_named_officers_see_the_case_and_the_manager_sees_only_that_it_exists(team, engine):
    reference = _restricted(team)
    for user in (OFFICER, "officer-two"):
        titles = [reply.title or "" for reply in Person(team, user=user).say(f"/cme case {reference}")]
        assert any(reference in title for title in titles), user
    manager = Person(team, user="cme-manager")
    refused = manager.say(f"/cme case {reference}")
    assert len(refused) == 1 and refused[0].kind is ReplyKind.ERROR
    assert "restricted case" in refused[0].text and "Ava" not in refused[0].text
    listed = dict(manager.say("/cme cases")[-1].facts)
    assert listed[reference] == "restricted case"
    assert "restricted" in manager.say(f"/cme status {reference}")[-1].text
    assert manager.say(f"/cme note {reference} checking")[-1].kind is ReplyKind.ERROR
    found = manager.say("/cme find Testchild")[-1]
    assert [label for label, _ in found.facts] == ["restricted case"] and not found.buttons
    assert "Ava" not in str(found.data) and "2014" not in str(found.data)
    refusals = _refusals(engine, "terminal:local:cme-manager")
    assert [event.detail["doing"] for event in refusals] == ["case", "status", "note"]
    assert all(event.case_id is not None and "Ava" not in str(event.detail) for event in refusals)


def test_an_officer_not_named_is_refused_and_cannot_unrestrict_or_name_themself(team, engine):
    reference = _restricted(team)
    third = Person(team, user="officer-three")
    for typed in (f"/cme unrestrict {reference} I need it", f"/cme restrict {reference} me too @officer-three"):
        assert third.say(typed)[-1].kind is ReplyKind.ERROR
    assert third.say(f"/cme hold {reference} keep it")[-1].kind is ReplyKind.ERROR
    corrected = third.say(f"/cme correct {reference} surname Other because I think so")[-1]
    assert corrected.kind is ReplyKind.ERROR and "restricted case" in corrected.text
    assert len(_refusals(engine, THIRD)) == 4


def test_unrestrict_by_a_named_officer_opens_it_to_every_officer_again(team, engine):
    reference = _restricted(team)
    done = Person(team, user="officer-two").say(f"/cme unrestrict {reference} the inquiry is over")[-1]
    assert "no longer restricted" in done.text
    titles = [reply.title or "" for reply in Person(team, user="cme-manager").say(f"/cme case {reference}")]
    assert any(reference in title for title in titles)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action.in_(["case.restricted", "case.unrestricted"])))
        said = [(event.action, event.reason) for event in events.all()]
    assert said == [
        ("case.restricted", "the mother works in the council"),
        ("case.unrestricted", "the inquiry is over"),
    ]


def test_bad_input_and_reporters_are_refused_with_the_next_step(team, engine):
    reference = refer(team, "alice", AVA)
    officer = Person(team, user=OFFICER)
    for typed, says in (
        ("/cme restrict", "Which case?"),
        ("/cme restrict no idea", "Which case?"),
        (f"/cme restrict {reference}", "Say why"),
        (f"/cme restrict {reference} @officer-two", "Say why"),
        (f"/cme restrict {reference} because @alice", "isn't a CME officer or manager"),
        ("/cme restrict CME-1999-0001 because", "There is no case"),
        (f"/cme unrestrict {reference} nothing to lift", "is not restricted"),
    ):
        reply = officer.say(typed)[-1]
        assert says in reply.text, typed
    reporter = Person(team, user="alice").say(f"/cme restrict {reference} hide it")[0]
    assert reporter.kind is ReplyKind.ERROR
    titles = [reply.title or "" for reply in Person(team, user="cme-manager").say(f"/cme case {reference}")]
    assert any(reference in title for title in titles)  # nothing above restricted it


def test_cme_bot_cases_lists_a_restricted_case_by_reference_only(team, db_url, monkeypatch, capsys):
    from bot.cli.main import main  # the CLI reads the same database through CME_DATABASE_URL

    reference = _restricted(team)
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    assert main(["cases", "--json", "--as", "cme-manager"]) == 0
    [row] = [row for row in json.loads(capsys.readouterr().out) if row["reference"] == reference]
    assert row == {"reference": reference, "restricted": True}
    assert main(["cases", "--as", "cme-officer"]) == 0
    shown = capsys.readouterr().out
    assert reference in shown and "restricted case" not in shown


def test_the_home_page_lists_a_restricted_case_as_restricted_to_the_manager_and_openly_to_a_named_officer(team):
    reference = _restricted(team)
    manager = Identity(Channel.TERMINAL, "cme-manager", "local")
    named = Identity(Channel.TERMINAL, "officer-two", "local")
    [row] = [x for x in home_for(team.core, manager).caseload.rows if x.reference == reference]
    assert row.restricted and row.first_name is None and row.overdue_steps == 0
    [row] = [x for x in home_for(team.core, named).caseload.rows if x.reference == reference]
    assert not row.restricted and row.first_name == "Ava" and "restricted" in row.flags


def test_restricting_one_episode_says_which_other_cases_of_the_child_still_show_its_details(team, engine):
    first = refer(team, "alice", AVA)
    close(team, first)
    second = refer(team, "bob", AVA)  # the same child again: a repeat episode, a new case
    said = Person(team, user=OFFICER).say(f"/cme restrict {second} the father works in the council")
    assert said[0].kind is ReplyKind.CONFIRMATION
    assert len(said) == 2 and first in said[1].text and "restrict those too" in said[1].text
    assert "Ava" not in said[1].text
    again = Person(team, user=OFFICER).say(f"/cme restrict {first} the father works in the council")
    assert len(again) == 1  # every case of the child is restricted now: nothing left to warn about
