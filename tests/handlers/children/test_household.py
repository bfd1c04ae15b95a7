"""Siblings and households on a real database, and what the officer sees of them: the case view and closing a case."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.children.household import link_household
from handlers.messages import ActionId
from storage.children import Child, ChildLink
from storage.db import unit_of_work
from storage.models import AuditEvent
from tests.handlers.casework.test_child_intake import confirmed
from tests.handlers.children.kin import add_case, add_child
from tests.support import CALM_REFERRAL, Person

HOME = {"postcode": "BL9 0EJ", "address": "12 Elm Street\nBury"}


def links(engine) -> list[tuple[int, int, str]]:
    with Session(engine) as session:
        return sorted((k.child_id, k.other_id, k.kind) for k in session.exec(select(ChildLink)).all())


def test_a_parent_at_the_same_address_links_siblings_and_the_address_alone_a_household(engine):
    ava = add_child(engine, forenames="Ava", surname="Testchild", parent_names="Orla Testchild", **HOME)
    # the same mother and home, typed differently: a sibling (and the same household)
    ben = add_child(
        engine, forenames="Ben", surname="Byrne", parent_names="Sam Byrne and Orla Testchild",
        postcode="bl90ej", address="12 Elm St., Bury",
    )  # fmt: skip
    lodger = add_child(engine, forenames="Cal", surname="Lodge", parent_names="Pat Lodge", **HOME)
    elsewhere = add_child(
        engine, forenames="Dee", surname="Testchild", parent_names="Orla Testchild", postcode="M1 1AE",
        address="3 Oak Road",
    )  # fmt: skip
    assert links(engine) == [
        (ava, ben, "household"),
        (ava, ben, "sibling"),
        (ava, lodger, "household"),
        (ben, lodger, "household"),
    ]
    assert elsewhere not in {n for link in links(engine) for n in link[:2]}  # a name alone links nobody


def test_links_are_stored_once_and_each_is_audited_without_child_details(engine):
    ava = add_child(engine, forenames="Ava", surname="Testchild", parent_names="Orla Testchild", **HOME)
    ben = add_child(engine, forenames="Ben", surname="Testchild", parent_names="Orla Testchild", **HOME)
    with unit_of_work(engine) as session:
        again = link_household(session, child=session.get(Child, ava), actor="terminal:local:cme-officer")
    assert again == [] and links(engine) == [(ava, ben, "household"), (ava, ben, "sibling")]
    with Session(engine) as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "child.linked")).all()
    assert sorted(e.detail["kind"] for e in audited) == ["household", "sibling"]
    assert not any(word in str(e.detail) for e in audited for word in ("Orla", "Elm", "BL9", "Testchild"))


def test_a_merged_record_links_through_its_survivor(engine):
    ava = add_child(engine, forenames="Ava", surname="Testchild", parent_names="Orla Testchild", **HOME)
    duplicate = add_child(engine, link=False, forenames="Eva", surname="Test-Child")
    with unit_of_work(engine) as session:
        session.get(Child, duplicate).merged_into = ava
    ben = add_child(engine, forenames="Ben", surname="Testchild", parent_names="Orla Testchild", **HOME)
    with unit_of_work(engine) as session:
        assert link_household(session, child=session.get(Child, duplicate)) == []
    assert links(engine) == [(ava, ben, "household"), (ava, ben, "sibling")]


def referral(router, user: str, forename: str, dob: str) -> str:
    person = Person(router, user=user, name=f"{user.title()} Teacher")
    person.say("/cme report")
    answers = {**CALM_REFERRAL, "child_forenames": forename, "child_surname": "Testchild", "child_dob": dob}
    answers |= {"child_address": "12 Elm Street, Bury", "child_postcode": "BL9 0EJ", "parent_names": "Orla Testchild"}
    person.fill(answers)
    return person.say("submit")[-1].data["reference"]


def test_the_case_view_lists_siblings_and_closing_a_case_prompts_about_their_open_cases(router, engine, profile):
    first = referral(router, "alice", "Ava", "02/05/2014")
    second = referral(router, "bob", "Ben", "09/01/2016")
    officer = Person(router, user="cme-officer", name="Olu Officer")
    view = {reply.title: reply for reply in officer.say(f"/cme case {first}")}
    siblings = view["Siblings and household"]
    assert siblings.facts == (("Ben Testchild (sibling, same household)", f"{second} open"),)
    assert [b.value for b in siblings.buttons] == [f"/cme case {second}"]
    typed = officer.say(f"/cme close {first} found_on_roll_elsewhere on roll at Elm Street Primary")
    closed = confirmed(officer, typed)
    prompt = closed[-1]
    assert prompt.title == "Siblings' open cases" and second in prompt.text
    assert [(b.value, b.action_id) for b in prompt.buttons] == [(f"/cme case {second}", ActionId.OPEN_CASE)]
    reporter = Person(router, user="alice")
    assert all("Ben" not in r.text and second not in r.text for r in reporter.say(f"/cme status {first}"))


def test_closing_a_case_without_linked_open_cases_adds_no_prompt(router, engine, profile):
    ava = add_child(engine, forenames="Ava", surname="Testchild", parent_names="Orla Testchild", **HOME)
    ben = add_child(engine, forenames="Ben", surname="Testchild", parent_names="Orla Testchild", **HOME)
    mine = add_case(engine, profile, ava, 1)
    add_case(engine, profile, ben, 2, state="closed")
    officer = Person(router, user="cme-officer")
    closed = confirmed(officer, officer.say(f"/cme close {mine} not_cme"))
    assert [r.title for r in closed] == [None] and "is closed" in closed[0].text
