"""The caseload service through both doors: `/cme cases` in chat and `cme-bot cases`, the same cases and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.core import STAFF_ONLY
from handlers.messages import Identity, ReplyKind
from tests.doors import MANAGER, OFFICER, OTHER_OFFICER, REPORTER, UNKNOWN, audit_events
from tests.handlers.casework.test_cases import make_case
from tests.handlers.casework.test_child_intake import AVA, refer
from tests.support import Person


def cases_of(replies) -> list[dict]:
    """What `/cme cases` served, as `cme-bot cases --json` prints it."""
    [listing] = [reply for reply in replies if reply.title == "Open cases"]
    return listing.data["cases"]


def ask_cases(door, who: Identity):
    return door.ask(who, "/cme cases", ["cases", "--json"], data_of=cases_of)


@pytest.fixture
def three(engine, profile, clock) -> list[str]:
    day = dt.timedelta(days=1)
    return [
        make_case(engine, profile, 1, clock() - 10 * day, urgent=True),
        make_case(engine, profile, 2, clock() - 2 * day, assigned_to="terminal:local:cme-officer"),
        make_case(engine, profile, 3, clock()),
    ]


def test_an_officer_is_served_the_open_cases_and_the_listing_is_recorded_once(door, engine, three):
    served = ask_cases(door, OFFICER)
    assert served.ok, served.message
    assert [row["reference"] for row in served.data] == three  # urgent, then most overdue first
    first, second, _ = served.data
    assert first["urgent"] and first["overdue_steps"] > 0 and first["next_due"] < "2026-11-26"
    assert second["assigned_to"] == "terminal:local:cme-officer" and not second["urgent"]
    assert set(first) == {
        "reference", "urgent", "assigned_to", "raised", "next_due", "overdue_steps", "due_today_steps"
    }  # fmt: skip
    [event] = audit_events(engine, "cases.listed")
    assert (event.actor, event.detail) == (OFFICER.key, {"via": door.via, "shown": 3})


@pytest.mark.parametrize("who", [REPORTER, UNKNOWN], ids=["reporter", "unknown"])
def test_a_reporter_or_someone_unknown_is_refused_in_the_same_words_and_the_attempt_recorded(door, engine, three, who):
    refused = ask_cases(door, who)
    assert (refused.ok, refused.message, refused.status) == (False, STAFF_ONLY, door.refused_status())
    assert refused.data is None and "CME-2026" not in refused.message
    [event] = audit_events(engine, "permission.refused")
    assert (event.actor, event.detail) == (who.key, {"command": "cases", "role": "reporter", "via": door.via})
    assert audit_events(engine, "cases.listed") == []


def test_a_restricted_case_shows_only_its_reference_to_a_manager_and_an_officer_not_named(door, router, engine):
    reference = refer(router, "alice", AVA)
    restricted = Person(router, user="cme-officer").say(f"/cme restrict {reference} the mother works in the council")
    assert restricted[-1].kind is ReplyKind.CONFIRMATION
    for who in (MANAGER, OTHER_OFFICER):
        [row] = ask_cases(door, who).data
        assert row == {"reference": reference, "restricted": True}, who
    [row] = ask_cases(door, OFFICER).data  # named on it when they restricted it
    assert row["reference"] == reference and "restricted" not in row
    assert [e.detail["via"] for e in audit_events(engine, "cases.listed")] == [door.via] * 3


def test_cme_bot_cases_and_cme_cases_give_the_same_cases_and_fields(both, three):
    chat, cli = both
    for who in (OFFICER, MANAGER, REPORTER):
        said, ran = ask_cases(chat, who), ask_cases(cli, who)
        assert (said.ok, said.message, said.data) == (ran.ok, ran.message, ran.data), who
    text = cli.ask(OFFICER, "", ["cases"])
    assert text.data.splitlines()[0].startswith(f"{three[0]}  URGENT overdue")


DOWN = {
    "sqlite": "sqlite:////nonexistent-cme-folder/cme.db",  # a file that can't be opened
    "postgres": "postgresql://postgres@127.0.0.1:9/cme",  # nothing listens there
}


@pytest.mark.parametrize("backend", DOWN)
def test_the_database_down_is_the_same_plain_message_in_both_doors(backend, profile, clock, capsys, monkeypatch):
    from handlers.commands import build_router
    from handlers.core import Core
    from handlers.router import UNREACHABLE
    from storage.db import make_engine
    from tests.doors import Door

    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", DOWN[backend])
    engine = make_engine(DOWN[backend])
    router = build_router(Core(engine=engine, profile=profile, clock=clock))
    said = ask_cases(Door("chat", router, clock, capsys), OFFICER)
    ran = ask_cases(Door("cli", router, clock, capsys), OFFICER)
    engine.dispose()
    assert not said.ok and not ran.ok and ran.status == 4
    assert said.message.startswith(UNREACHABLE) and ran.message.startswith(UNREACHABLE)
    assert "run the same command again" in ran.message.lower() and "127.0.0.1" not in ran.message


def test_no_open_cases_is_said_in_the_same_words_through_either_door(both):
    chat, cli = both
    said = chat.ask(OFFICER, "/cme cases", [], data_of=lambda replies: replies[0].text)
    ran = cli.ask(OFFICER, "", ["cases"])
    assert said.data == ran.data.strip() == "There are no open cases."
    assert cli.ask(OFFICER, "", ["cases", "--json"]).data == []
