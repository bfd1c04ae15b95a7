"""`/cme split REF`: a wrong merge undone, both cases back as they were (SQLite and PostgreSQL, through the router)."""

from __future__ import annotations

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from handlers.messages import ActionId, ReplyKind
from storage.children import Child, ChildMatch
from storage.merges import CaseMerge
from storage.models import AuditEvent, Case, CaseNote, EnquiryStep, Report
from tests.handlers.casework.conftest import SECOND, THIRD
from tests.handlers.casework.test_cases import press
from tests.handlers.casework.test_child_intake import AVA, OFFICER, close, refer, view
from tests.support import Person

TWINS = {**AVA, "child_surname": "Ashcroft", "child_postcode": "BL9 0EJ", "child_address": "12 Elm Street"}
JON, JOAN = {**TWINS, "child_forenames": "Jon"}, {**TWINS, "child_forenames": "Joan"}
TURN_ONLY = {"auditevent", "audit_head", "conversation"}


def cases(engine) -> dict[str, Case]:
    with Session(engine) as session:
        return {case.reference: case for case in session.exec(select(Case)).all()}


def snapshot(engine) -> dict[str, list]:
    """Every row that holds cases, children and their records (the turn's own audit and drafts left out)."""
    with Session(engine) as session:
        return {
            name: sorted(map(tuple, session.execute(sa_select(table)).all()), key=repr)
            for name, table in SQLModel.metadata.tables.items()
            if name not in TURN_ONLY
        }


def case_parts(engine, reference: str) -> dict:
    """What belongs to a case: its reports' reporters, its steps' states, its notes, its child's first name."""
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        child = session.get(Child, case.child_id)
        return {
            "state": case.state,
            "merged_into": case.merged_into,
            "reports": [r.submitted_by for r in session.exec(select(Report).where(Report.case_id == case.id))],
            "steps": sorted(s.state for s in session.exec(select(EnquiryStep).where(EnquiryStep.case_id == case.id))),
            "notes": [n.text for n in session.exec(select(CaseNote).where(CaseNote.case_id == case.id))],
            "child": (child.forenames, child.merged_into),
        }


def test_twins_merged_by_an_officer_are_split_back_as_they_were_and_stay_apart(router, engine):
    jon, joan = refer(router, "alice", JON), refer(router, "bob", JOAN)
    officer = Person(router, user=OFFICER)
    officer.say(f"/cme note {joan} spoke to the school about Joan")
    officer.say(f"/cme done {joan} phone-contacts rang every number")
    before = {ref: case_parts(engine, ref) for ref in (jon, joan)}
    told = press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {joan} {jon}")[-1]
    assert f"{joan} was merged into {jon}" in told.text
    officer.say(f"/cme note {joan} written after the merge, on the case that stood")
    joined = view(router, jon)["Joined cases"]
    assert (
        joined.facts[0][0] == f"{joan} with {jon}" and "recorded as the same child by cme-officer" in joined.facts[0][1]
    )
    split = joined.buttons[0]
    assert (split.value, split.action_id) == (f"/cme split {joan}", ActionId.SPLIT_CASE)

    said = press(router, OFFICER, ActionId.SPLIT_CASE, split.value)[-1]
    assert said.kind is ReplyKind.CONFIRMATION, said.text
    assert said.title == f"Merge undone: {joan}"
    assert said.text.startswith(f"{joan} is its own case again (open), under its own reference.")
    assert "Its 1 referral and its notes are back on it, and 8 enquiry steps that the merge had stopped" in said.text
    assert "Jo" not in said.text.replace(joan, "").replace(jon, ""), "references only"
    after = {ref: case_parts(engine, ref) for ref in (jon, joan)}
    assert after[joan] == before[joan], "the referral, the steps (one done, eight waiting), the note, the child"
    assert after[jon] == {**before[jon], "notes": ["written after the merge, on the case that stood"]}
    with Session(engine) as session:
        match = session.exec(select(ChildMatch)).one()
        assert (match.state, match.decided_by) == ("different", "terminal:local:cme-officer")
        assert session.exec(select(CaseMerge)).one().split_by == "terminal:local:cme-officer"
        audited = {
            (e.action, e.case_id)
            for e in session.exec(select(AuditEvent).where(AuditEvent.action.startswith("case.split")))
        }
    assert audited == {("case.split", cases(engine)[joan].id), ("case.split_out", cases(engine)[jon].id)}
    shown = view(router, joan)
    assert "Possible matches" not in shown and "Joined cases" not in shown and f"{joan} was merged" not in shown


def test_a_split_twice_a_case_never_merged_and_the_case_that_stands_are_refused_changing_nothing(router, engine):
    jon, joan = refer(router, "alice", JON), refer(router, "bob", JOAN)
    officer = Person(router, user=OFFICER)
    never = officer.say(f"/cme split {jon}")[-1]
    assert never.kind is ReplyKind.ERROR and f"{jon} was never merged with another case" in never.text
    press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {joan} {jon}")
    standing = officer.say(f"/cme split {jon}")[-1]
    assert standing.kind is ReplyKind.ERROR
    assert (
        f"{jon} is the case that stands: {joan} joined it. Nothing was changed. To undo one, name it: /cme split {joan}"
        == standing.text
    )
    assert officer.say(f"/cme split {joan} twins")[-1].kind is ReplyKind.CONFIRMATION
    before = snapshot(engine)
    again = officer.say(f"/cme split {joan}")[-1]
    assert again.kind is ReplyKind.ERROR and f"{joan} was already split from {jon} by cme-officer" in again.text
    missing = officer.say("/cme split")[-1]
    assert missing.kind is ReplyKind.ERROR and "/cme split REF" in missing.text
    nobody = officer.say("/cme split CME-2026-0999")[-1]
    assert nobody.kind is ReplyKind.ERROR and "There is no case CME-2026-0999. Nothing was changed." in nobody.text
    assert snapshot(engine) == before
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "case.split")).all()
    assert event.reason == "twins"


def test_a_reporter_cannot_split(router, engine):
    jon = refer(router, "alice", JON)
    joan = refer(router, "bob", JOAN)
    press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {joan} {jon}")
    before = snapshot(engine)
    refused = Person(router, user="bob").say(f"/cme split {joan}")[-1]
    assert refused.kind is ReplyKind.ERROR and snapshot(engine) == before


def test_an_automatic_join_shows_its_score_and_reasons_and_a_split_gives_the_child_a_record_of_its_own(router, engine):
    first = refer(router, "alice", JON)
    second = refer(router, "bob", {**JON, "child_address": "4 Mill Lane"})  # the same details: joined at intake
    assert cases(engine)[second].merged_into == cases(engine)[first].id
    joined = view(router, first)["Joined cases"]
    assert joined.facts[0] == (
        f"{second} with {first}",
        "joined automatically as it arrived (its referral was added here): same first name, same surname, same date "
        "of birth, same postcode. Match score 1.00 (1 means every detail agrees).",
    )
    said = Person(router, user=OFFICER).say(f"/cme split {second} they are cousins")[-1]
    assert said.kind is ReplyKind.CONFIRMATION, said.text
    assert "It had no enquiry plan of its own (it was merged as it arrived): one starts today." in said.text
    assert "The child has a record of its own again, made from its referral." in said.text
    parts = case_parts(engine, second)
    assert parts["reports"] == ["terminal:local:bob"] and parts["steps"] == ["open"] * 9 and parts["state"] == "open"
    standing = cases(engine)
    with Session(engine) as session:
        children = {c.id: c for c in session.exec(select(Child)).all()}
        assert standing[second].child_id != standing[first].child_id and len(children) == 2
        assert children[standing[first].child_id].address == "12 Elm Street", "the address the join overwrote is back"
        assert children[standing[second].child_id].address == "4 Mill Lane"


def test_a_join_to_a_known_child_with_closed_cases_is_split_and_its_repeat_step_closed(router, engine):
    first = refer(router, "alice", JON)
    close(router, first)
    second = refer(router, "bob", JON)  # a repeat episode of the same child, as intake sees it
    assert "REPEAT EPISODE" in view(router, second)
    said = Person(router, user=OFFICER).say(f"/cme split {second}")[-1]
    assert said.kind is ReplyKind.CONFIRMATION, said.text
    standing = cases(engine)
    assert standing[second].child_id != standing[first].child_id
    with Session(engine) as session:
        repeat = session.exec(select(EnquiryStep).where(EnquiryStep.step_id == "previous-episodes")).one()
        assert repeat.state == "closed"
    assert "REPEAT EPISODE" not in view(router, second)


def test_a_merge_from_before_merges_were_recorded_is_split_from_what_can_be_inferred(router, engine):
    first = refer(router, "alice", JON)
    second = refer(router, "bob", JON)
    with Session(engine) as session:  # as a database upgraded from before migration 0013 holds it
        session.delete(session.exec(select(CaseMerge)).one())
        session.commit()
    said = Person(router, user=OFFICER).say(f"/cme split {second}")[-1]
    assert said.kind is ReplyKind.CONFIRMATION, said.text
    assert "made before merges were recorded in full" in said.text
    assert case_parts(engine, second)["reports"] == ["terminal:local:bob"]
    assert case_parts(engine, first)["reports"] == ["terminal:local:alice"]


def test_a_restricted_case_is_split_only_by_an_officer_named_on_it(team, engine):
    jon, joan = refer(team, "alice", JON), refer(team, "bob", JOAN)
    press(team, OFFICER, ActionId.SAME_CHILD, f"/cme same {joan} {jon}")
    named = Person(team, user=OFFICER).say(f"/cme restrict {jon} the family asked @officer-two")[-1]
    assert named.kind is ReplyKind.CONFIRMATION, named.text
    before = snapshot(engine)
    refused = Person(team, user=THIRD.rsplit(":", 1)[-1]).say(f"/cme split {joan}")[-1]
    assert refused.kind is ReplyKind.ERROR and "restricted case" in refused.text and snapshot(engine) == before
    done = Person(team, user=SECOND.rsplit(":", 1)[-1]).say(f"/cme split {joan}")[-1]
    assert done.kind is ReplyKind.CONFIRMATION, done.text
