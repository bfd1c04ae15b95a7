"""The caseload service through both doors: `/cme cases` in chat and `cme-bot cases`, the same cases and refusals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bench.bench_caseload import add_open_cases
from bot.terminal import render
from handlers.casework.caseload import PAGE_SIZE
from handlers.commands import build_router
from handlers.core import STAFF_ONLY
from handlers.messages import ActionId, Address, Channel, Identity, Inbound, ReplyKind, Role
from storage.db import unit_of_work
from tests.doors import MANAGER, OFFICER, OTHER_OFFICER, REPORTER, UNKNOWN, audit_events
from tests.handlers.casework.test_cases import make_case, press
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
    assert [row["reference"] for row in served.data] == three  # urgent, then soonest due
    first, second, _ = served.data
    assert first["urgent"] and first["overdue_steps"] > 0 and first["next_due"] < "2026-11-26"
    assert second["assigned_to"] == "terminal:local:cme-officer" and not second["urgent"]
    assert first["next_step"] and first["flags"][:1] == ["urgent"]
    assert first["first_name"] is None and "name" in first["missing"]  # made without a referral: no child
    [event] = audit_events(engine, "cases.listed")
    assert (event.actor, event.detail) == (
        OFFICER.key, {"via": door.via, "shown": 3, "page": 1, "filters": [], "named": three}
    )  # fmt: skip


def test_each_case_says_who_the_child_is_why_how_long_whose_what_next_and_its_flags(door, router, engine, clock):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme set {reference} missing-since 16/11/2026")
    officer.say(f"/cme set {reference} year-group 7")
    officer.say(f"/cme set {reference} reason mental-health")
    [row] = ask_cases(door, OFFICER).data
    assert (row["first_name"], row["surname"], row["age"], row["year_group"]) == ("Ava", "Testchild", 12, "year-7")
    assert (row["reason"], row["missing_days"]) == ("Mental health", 10) and row["next_step"]
    assert row["assigned_to"] is None and row["flags"] == [] and row["missing"] == []
    text = door.ask(OFFICER, "/cme cases", ["cases"], data_of=lambda replies: render(replies[0])).data
    assert f"{reference} Ava Testchild, 12 (Year 7)" in text and "missing education 10 day(s)" in text
    assert "assigned to nobody" in text and "next: " in text


def test_filters_combine_and_an_unknown_one_is_told_the_valid_ones(door, engine, three):
    def refs(*words):
        served = door.ask(OFFICER, f"/cme cases {' '.join(words)}", ["cases", "--json", *(f"--{w}" for w in words)],
                          data_of=cases_of)  # fmt: skip
        assert served.ok, served.message
        return [row["reference"] for row in served.data]

    assert refs("mine") == [three[1]]
    assert refs("unassigned") == [three[0], three[2]]
    assert refs("urgent") == [three[0]]
    assert refs("urgent", "overdue") == [three[0]]
    assert refs("mine", "urgent") == []
    if door.name == "chat":
        wrong = door.ask(OFFICER, "/cme cases urgnet", [])
        assert not wrong.ok and "'urgnet' isn't a filter" in wrong.message
        assert "mine, overdue, unassigned, urgent, matches" in wrong.message
    filters = [event.detail["filters"] for event in audit_events(engine, "cases.listed")]
    assert filters[:3] == [["mine"], ["unassigned"], ["urgent"]]


def test_500_open_cases_come_a_page_at_a_time_with_more_and_each_page_is_recorded(router, engine, profile, clock):
    with unit_of_work(engine) as session:
        add_open_cases(session, profile, 17, clock())
    officer = Person(router, user="cme-officer")
    [first] = officer.say("/cme cases")
    assert len(first.facts) == PAGE_SIZE and first.data["pages"] == 2
    more = first.buttons[-1]
    assert (more.action_id, more.value) == (ActionId.CASES_MORE, "/cme cases page 2")
    [second] = press(router, "cme-officer", more.action_id, more.value)
    assert len(second.facts) == 2 and not any(b.action_id is ActionId.CASES_MORE for b in second.buttons)
    pages = [(e.detail["page"], len(e.detail["named"])) for e in audit_events(engine, "cases.listed")]
    assert pages == [(1, PAGE_SIZE), (2, 2)]


def test_in_a_channel_the_list_is_not_shown_and_says_where_to_ask(router, engine, three):
    who = Identity(Channel.SLACK, "U0OFFICER", "T1")
    in_channel = Address(Channel.SLACK, "C0TEAM", "U0OFFICER", extra={"conversation_type": "channel"})
    overrides = {who.key: Role.OFFICER}
    router = build_router(replace(router.core, role_overrides=overrides))
    [said] = router.handle(Inbound(who, in_channel, text="/cme cases"))
    assert said.kind is ReplyKind.ERROR and "direct messages" in said.text and "CME-2026" not in said.text
    assert audit_events(engine, "cases.listed") == []


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
    assert text.data.splitlines()[0].startswith(f"{three[0]} name not recorded: reason not recorded")


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
