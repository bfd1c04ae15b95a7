"""A restricted case reached through a merged reference: every officer command refuses it (SQLite and PostgreSQL).

The reproduction from issue 20: CME-2026-0003 was merged into CME-2026-0002, which an officer restricted;
an officer not named on it typed `/cme same CME-2026-0003 CME-2026-0001` and it merged the restricted child
into another child's case, whose view then showed the restricted child's details. Every command that takes
a reference now resolves it through one door (handlers/casework/resolve.py) that checks every case behind it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from handlers.messages import ActionId, ReplyKind
from storage.models import AuditEvent, Case
from storage.protection import CaseAccess
from tests.handlers.casework.conftest import SECOND, THIRD
from tests.handlers.casework.test_cases import press
from tests.handlers.casework.test_child_intake import AVA, EVA, OFFICER, close, refer
from tests.support import CALM_REFERRAL, Person

# What a person not named on the restricted case must never see: the child's names, postcode,
# and the referrers' names.
SECRETS = ("Ava", "Testchild", "BL9", "Alice", "Bob")
# Tables that only record the turn itself: the audit trail (the refusal is written there) and drafts.
TURN_ONLY = {"auditevent", "audit_head", "conversation"}
# Officer commands that take no case reference (lists, search, returns, exports).
NO_REFERENCE = {"cases", "find", "export", "stats", "incoming"}
# Every officer command that takes a reference, with the merged reference (M) and the other case (O) in place.
WALK = {
    "case": ["/cme case M"],
    "done": ["/cme done M phone-contacts rang every number"],
    "notpossible": ["/cme notpossible M letter no address", "/cme notpossible M"],
    "snooze": ["/cme snooze M phone-contacts 3/12/2026 waiting for housing", "/cme snooze M"],
    "note": ["/cme note M checking in", "/cme note M"],
    "assign": ["/cme assign M me", "/cme assign M"],
    "close": ["/cme close M moved_abroad family gone", "/cme close M"],
    "reopen": ["/cme reopen M more news"],
    "same": ["/cme same M O", "/cme same O M"],
    "different": ["/cme different M O", "/cme different O M"],
    "split": ["/cme split M", "/cme split M twins"],
    "restrict": ["/cme restrict M me too @officer-three"],
    "unrestrict": ["/cme unrestrict M open it up"],
    "hold": ["/cme hold M county court claim"],
    "release": ["/cme release M claim settled"],
    "correct": ["/cme correct M surname Other because the school says so"],
    "set": ["/cme set M sex female because the school says so"],
    "transfer": ["/cme transfer M Leeds", "/cme transfer M ack confirmed by email"],
    "status": ["/cme status M"],
    "follow-up": ["/cme follow-up M Has the family been seen?", "/cme follow-up M", "/cme follow-up M withdraw"],
}


def _state(engine) -> dict[str, list[tuple]]:
    """Every row of every table that holds cases, children and their records (not the turn's own audit)."""
    with Session(engine) as session:
        return {
            name: sorted(map(tuple, session.execute(sa_select(table)).all()), key=repr)
            for name, table in SQLModel.metadata.tables.items()
            if name not in TURN_ONLY
        }


def _refusals(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == "case.access_refused", AuditEvent.actor == THIRD)
        return list(session.exec(query.order_by(AuditEvent.id)).all())


@pytest.fixture
def merged(team):  # noqa: F811
    """(other, restricted, merged): 0001 another child; 0002 restricted by the officer; 0003 merged into 0002."""
    other = refer(team, "carol", CALM_REFERRAL)
    hidden = refer(team, "alice", AVA)
    said = Person(team, user=OFFICER).say(f"/cme restrict {hidden} the mother works in the council")[-1]
    assert said.kind is ReplyKind.CONFIRMATION
    merged = refer(team, "bob", AVA)  # the same child again: added to the open restricted case at intake
    return other, hidden, merged


def test_the_reproduction_same_with_a_merged_reference_is_refused_and_nothing_is_merged(team, engine, merged):
    other, hidden, reference = merged
    assert (other, hidden, reference) == ("CME-2026-0001", "CME-2026-0002", "CME-2026-0003")
    before = _state(engine)
    third = Person(team, user="officer-three")
    said = third.say(f"/cme same {reference} {other}")
    assert [r.kind for r in said] == [ReplyKind.ERROR]
    assert f"{reference} is part of a restricted case" in said[0].text and "recorded" in said[0].text
    assert _state(engine) == before, "nothing merged, no match decided"
    shown = " ".join(f"{r.text} {r.facts} {r.data}" for r in third.say(f"/cme case {other}"))
    assert not [secret for secret in SECRETS if secret in shown], "the other child's case shows nothing of Ava"
    [event] = _refusals(engine)
    with Session(engine) as session:
        assert session.get(Case, event.case_id).reference == hidden  # audited on the restricted case
    assert event.detail == {"doing": "same", "role": "officer", "reference": reference}


def test_every_officer_command_with_a_merged_reference_to_a_restricted_case_is_refused(team, engine, merged):
    other, _, reference = merged
    staff = {name for name, spec in team.commands.items() if spec.staff_only}
    assert staff | {"status"} == set(WALK) | NO_REFERENCE, "a new officer command must be walked here too"
    third = Person(team, user="officer-three")
    before = _state(engine)
    for name, typed in ((name, typed) for name, lines in WALK.items() for typed in lines):
        count = len(_refusals(engine))
        said = third.say(typed.replace("M", reference, 1).replace(" O", f" {other}"))
        shown = " ".join(f"{r.title} {r.text} {r.facts} {r.data}" for r in said)
        assert said[-1].kind is ReplyKind.ERROR and "restricted case" in said[-1].text, (typed, shown)
        assert not [secret for secret in SECRETS if secret in shown], typed
        assert len(_refusals(engine)) > count, f"{typed}: the refusal is audited"
        assert _state(engine) == before, f"{typed} changed something"
        assert name in {event.detail["doing"] for event in _refusals(engine)[count:]}, typed


def test_the_buttons_on_a_case_view_are_refused_the_same_way(team, engine, merged):
    other, _, reference = merged
    before = _state(engine)
    for action, value in (
        (ActionId.SAME_CHILD, f"/cme same {other} {reference}"),
        (ActionId.DIFFERENT_CHILD, f"/cme different {other} {reference}"),
        (ActionId.OPEN_CASE, f"/cme case {reference}"),
    ):
        said = press(team, THIRD.rsplit(":", 1)[-1], action, value)[-1]
        assert said.kind is ReplyKind.ERROR and "restricted case" in said.text, value
    assert _state(engine) == before


def test_a_named_officer_uses_the_merged_reference_as_before(team, merged):
    _, hidden, reference = merged
    shown = {reply.title for reply in Person(team, user=OFFICER).say(f"/cme case {reference}")}
    assert f"Case {hidden}" in shown and f"{reference} was merged" in shown
    done = Person(team, user=OFFICER).say(f"/cme note {reference} rang the school")[-1]
    assert done.kind is ReplyKind.CONFIRMATION, done.text


def test_the_reporter_of_the_merged_referral_still_sees_its_state(team, merged):
    _, _, reference = merged
    status = Person(team, user="bob").say(f"/cme status {reference}")[-1]
    assert status.kind is not ReplyKind.ERROR and status.data["state"] == "open"


def test_a_short_form_is_checked_again_when_it_is_sent(team, engine, merged):
    other, _, _ = merged
    third = Person(team, user="officer-three")
    asked = third.say(f"/cme note {other}")[-1]  # opens the note's short form (one question in a chat)
    assert asked.kind is ReplyKind.QUESTION, asked.text
    Person(team, user=OFFICER).say(f"/cme restrict {other} the family asked")  # meanwhile, without officer-three
    before = _state(engine)
    said = third.say("the head rang back")[-1]
    assert said.kind is ReplyKind.ERROR and f"{other} is a restricted case" in said.text
    assert _state(engine) == before


def _restricted_merged_into_open_case(engine, hidden: str, other: str) -> None:
    """A merge made before this fix: the restricted case was merged into a case open to every officer."""
    with Session(engine) as session:
        source = session.exec(select(Case).where(Case.reference == hidden)).one()
        target = session.exec(select(Case).where(Case.reference == other)).one()
        source.merged_into, source.state = target.id, "merged"
        session.add(source)
        session.commit()


def test_a_case_holding_a_restricted_case_merged_in_earlier_is_refused_to_officers_not_named(team, engine, merged):
    other, hidden, _ = merged
    _restricted_merged_into_open_case(engine, hidden, other)
    said = Person(team, user="officer-three").say(f"/cme case {other}")
    assert [r.kind for r in said] == [ReplyKind.ERROR] and "part of a restricted case" in said[0].text
    shown = {reply.title for reply in Person(team, user=OFFICER).say(f"/cme case {other}")}
    assert f"Case {other}" in shown  # the named officer still sees all of it
    lifted = Person(team, user=OFFICER).say(f"/cme unrestrict {other} the inquiry is over")[-1]
    assert lifted.kind is ReplyKind.CONFIRMATION, lifted.text
    assert Person(team, user="officer-three").say(f"/cme case {other}")[0].kind is not ReplyKind.ERROR


def test_restricting_a_merged_group_restricts_each_case_of_it(team, engine, merged):
    _, hidden, reference = merged
    said = Person(team, user=OFFICER).say(f"/cme restrict {reference} the police asked @officer-two")[-1]
    assert said.kind is ReplyKind.CONFIRMATION and hidden in said.text
    with Session(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        named = {(a.case_id, a.officer) for a in session.exec(select(CaseAccess)).all()}
    for ref in (hidden, reference):
        assert cases[ref].restricted and (cases[ref].id, SECOND) in named, ref
    assert Person(team, user="officer-two").say(f"/cme case {reference}")[0].kind is not ReplyKind.ERROR


def test_a_named_officer_cannot_merge_a_restricted_case_into_one_open_to_everyone(team, engine):
    older = refer(team, "carol", AVA)
    newer = refer(team, "alice", EVA)  # a possible match: two open cases until an officer decides
    Person(team, user=OFFICER).say(f"/cme restrict {newer} the mother works in the council")
    before = _state(engine)
    said = Person(team, user=OFFICER).say(f"/cme same {newer} {older}")[-1]
    assert said.kind is ReplyKind.ERROR and f"Restrict {older} to the officers named on {newer} first" in said.text
    assert _state(engine) == before
    Person(team, user=OFFICER).say(f"/cme restrict {older} the mother works in the council")
    done = Person(team, user=OFFICER).say(f"/cme same {newer} {older}")[-1]
    assert done.kind is ReplyKind.CONFIRMATION and f"{newer} was merged into {older}" in done.text


def test_same_is_refused_when_a_childs_other_case_is_hidden(team, engine):
    first = refer(team, "carol", AVA)
    close(team, first)
    Person(team, user=OFFICER).say(f"/cme restrict {first} the father works in the council")
    second = refer(team, "alice", AVA)  # a repeat episode of the restricted child, not itself restricted
    unrelated = refer(team, "bob", CALM_REFERRAL)
    before = _state(engine)
    said = Person(team, user="officer-three").say(f"/cme same {second} {unrelated}")[-1]
    assert said.kind is ReplyKind.ERROR and "one of these children has a restricted case" in said.text
    assert first not in said.text and _state(engine) == before
