"""The find-a-child service through both doors: `/cme find` in chat and `cme-bot find`, the same answers."""

from __future__ import annotations

import pytest

from handlers.core import STAFF_ONLY
from handlers.messages import ReplyKind
from tests.doors import MANAGER, OFFICER, OTHER_OFFICER, REPORTER, UNKNOWN, audit_events
from tests.handlers.children.kin import add_case, add_child
from tests.handlers.children.test_find import AVA
from tests.support import Person


def results(replies) -> list[dict]:
    [reply] = [reply for reply in replies if (reply.title or "").startswith("Find a child")]
    return reply.data["results"]


def ask_find(door, who, text: str, option: str):
    return door.ask(who, f"/cme find {text}", ["find", option, text, "--json"], data_of=results)


@pytest.fixture
def ava(engine, profile) -> tuple[int, str]:
    child = add_child(engine, **AVA)
    return child, add_case(engine, profile, child, 1)


def test_an_officer_finds_the_child_and_only_the_kind_of_search_is_recorded(door, engine, ava):
    served = ask_find(door, OFFICER, "2/5/2014", "--dob")
    assert served.ok, served.message
    [child] = served.data
    assert (child["child_id"], child["names"], child["dob"]) == (ava[0], ["Ava Testchild"], "2014-05-02")
    assert child["cases"] == [{"reference": ava[1], "state": "open"}]
    [event] = audit_events(engine, "children.searched")
    assert event.actor == OFFICER.key and event.reason == "searched by dob"
    assert event.detail == {"by": "dob", "via": door.via, "found": 1, "restricted": 0}


@pytest.mark.parametrize("who", [REPORTER, UNKNOWN], ids=["reporter", "unknown"])
def test_a_reporter_is_refused_in_the_same_words_and_the_words_searched_for_are_not_kept(door, engine, ava, who):
    refused = ask_find(door, who, "Testchild", "--name")
    assert (refused.ok, refused.message, refused.status) == (False, STAFF_ONLY, door.refused_status())
    [event] = audit_events(engine, "permission.refused")
    assert event.detail == {"command": "find", "role": "reporter", "via": door.via}
    assert "Testchild" not in str(event.detail) and audit_events(engine, "children.searched") == []


def test_a_child_on_a_restricted_case_shows_only_its_references_to_those_not_named(door, router, engine, ava):
    said = Person(router, user="cme-officer").say(f"/cme restrict {ava[1]} police enquiry under way")
    assert said[-1].kind is ReplyKind.CONFIRMATION
    for who in (MANAGER, OTHER_OFFICER):
        [child] = ask_find(door, who, "BL9 0EJ", "--postcode").data
        assert child == {
            "child_id": None, "names": [], "dob": None, "matched_on": "restricted", "score": 0,
            "cases": [{"reference": ava[1], "state": "restricted"}],
        }, who  # fmt: skip
    [child] = ask_find(door, OFFICER, "BL9 0EJ", "--postcode").data
    assert child["names"] == ["Ava Testchild"]
    assert [e.detail["restricted"] for e in audit_events(engine, "children.searched")] == [1, 1, 0]
