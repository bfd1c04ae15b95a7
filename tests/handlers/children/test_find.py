"""/cme find through the router, as officers, managers and reporters type it: results, refusals, audit, privacy."""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session, select

from handlers.messages import ActionId, ReplyKind
from storage.models import AuditEvent
from tests.handlers.children.kin import add_case, add_child
from tests.support import Person

AVA = {"forenames": "Ava", "surname": "Testchild", "dob": dt.date(2014, 5, 2), "postcode": "BL9 0EJ"}


def audited(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_an_officer_finds_a_child_by_what_they_know_and_only_the_kind_of_search_is_kept(
    router, engine, profile, caplog
):
    ava = add_child(engine, **AVA)
    first = add_case(engine, profile, ava, 1, state="closed")
    second = add_case(engine, profile, ava, 2)
    officer = Person(router, user="cme-officer", name="Olu Officer")
    caplog.set_level(logging.DEBUG)
    for typed in ("Ava Testchild", "testch", "Eva Test-Child", "2/5/2014", "2 May 2014", "bl9 0ej"):
        [reply] = officer.say(f"/cme find {typed}")
        assert reply.title == "Find a child" and reply.kind is ReplyKind.INFO, typed
        assert reply.facts[0] == (
            "Ava Testchild, born 2 May 2014",
            f"{reply.data['results'][0]['matched_on']} ({reply.data['results'][0]['score']}) · "
            f"{first} closed, {second} open",
        )
        assert [(b.value, b.action_id) for b in reply.buttons] == [(f"/cme case {second}", ActionId.OPEN_CASE)]
    searches = audited(engine, "children.searched")
    assert [e.reason for e in searches] == ["searched by name"] * 3 + ["searched by dob"] * 2 + ["searched by postcode"]
    assert all(e.actor == "terminal:local:cme-officer" and e.detail["found"] == 1 for e in searches)
    kept = " ".join(f"{e.reason} {e.detail}" for e in searches) + caplog.text
    for secret in ("Ava", "Testch", "Test-Child", "2/5/2014", "May 2014", "bl9", "BL9"):
        assert secret not in kept


def test_a_manager_may_search_and_a_reporter_is_refused_without_the_query_kept(router, engine):
    add_child(engine, **AVA)
    manager = Person(router, user="cme-manager")
    assert manager.say("/cme find Testchild")[0].data["total"] == 1
    reporter = Person(router, user="alice")
    [refused] = reporter.say("/cme find Testchild")
    assert refused.kind is ReplyKind.ERROR and "CME officer and their manager only" in refused.text
    assert "Testchild" not in refused.text and "results" not in refused.data
    [event] = audited(engine, "permission.refused")
    assert event.detail == {"command": "find", "role": "reporter", "via": "terminal"}
    assert event.actor == "terminal:local:alice"


def test_help_lists_find_for_officers_only(router):
    officer_help = Person(router, user="cme-officer").say("/cme help")[0]
    reporter_help = Person(router, user="alice").say("/cme help")[0]
    assert "/cme find" in dict(officer_help.facts) and "/cme find" not in dict(reporter_help.facts)


def test_empty_or_unreadable_searches_say_what_to_type_and_nothing_is_recorded(router, engine):
    officer = Person(router, user="cme-officer")
    for typed in ("/cme find", "/cme find   ", "/cme find 31/02/2014", "/cme find X"):
        [reply] = officer.say(typed)
        assert reply.kind is ReplyKind.ERROR and "For example: /cme find Ava Testchild" in reply.text, typed
    assert audited(engine, "children.searched") == []


def test_no_match_says_what_else_to_try(router, engine):
    add_child(engine, **AVA)
    [reply] = Person(router, user="cme-officer").say("/cme find Quillfeather")
    assert reply.title == "Find a child: no match" and "part of the name" in reply.text
    assert reply.data == {"results": [], "total": 0, "searched_by": "name"}
