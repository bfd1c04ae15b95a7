"""/cme correct REF FIELD VALUE because WHY: an officer corrects the child's details (UK GDPR art. 16), audited."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.forms.identifiers import upn_check_letter
from handlers.messages import ReplyKind
from storage.children import Child
from storage.db import unit_of_work
from storage.models import Case, CaseNote
from tests.handlers.casework.test_cases import events
from tests.handlers.casework.test_child_intake import AVA, OFFICER, refer
from tests.support import Person


def notes_of(engine, reference: str) -> dict[int, str]:
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        return {n.id: n.text for n in session.exec(select(CaseNote).where(CaseNote.case_id == case.id)).all()}


def child_of(engine, reference: str) -> Child:
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        return session.get(Child, case.child_id)


def test_an_officer_corrects_the_date_of_birth_and_surname_and_each_is_audited_with_the_old_value(router, engine):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    done = officer.say(f"/cme correct {reference} dob 12/05/2014 because the admission form shows the 12th")[0]
    assert done.kind is ReplyKind.CONFIRMATION and "date of birth" in done.text
    assert "2014" not in done.text and "Ava" not in done.text  # safe wherever it was typed: no value in the reply
    officer.say(f"/cme correct {reference} surname Testchilde because the school spelt it that way")
    child = child_of(engine, reference)
    assert (child.dob, child.surname, child.forenames) == (dt.date(2014, 5, 12), "Testchilde", "Ava")
    [dob, surname] = events(engine, "child.corrected")
    assert dob.actor == f"terminal:local:{OFFICER}" and dob.reason is None
    assert dob.detail == {"field": "dob", "child_id": child.id, "note_id": dob.detail["note_id"]}
    notes = notes_of(engine, reference)  # the values live where retention deletes them, not in the kept chain
    assert notes[dob.detail["note_id"]] == (
        "Correction to the child's date of birth: it was 2 May 2014, it is now 12 May 2014. "
        "Why: the admission form shows the 12th"
    )
    assert "it was 'Testchild', it is now 'Testchilde'" in notes[surname.detail["note_id"]]
    assert "Testchild" not in str(surname.detail)


def test_find_sees_the_corrected_name_at_once_and_not_the_old_one(router, engine):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    officer.say(f"/cme correct {reference} surname Quackenbush because a typo in the referral")
    assert reference in str(officer.say("/cme find Ava Quackenbush")[0])
    assert reference not in str(officer.say("/cme find Ava Testchild")[0])


def test_bad_values_are_refused_as_the_referral_refuses_them_and_nothing_changes(router, engine):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    why = "because checked"
    refused = {
        "upn": officer.say(f"/cme correct {reference} upn A123456789013 {why}")[0],
        "future": officer.say(f"/cme correct {reference} dob 01/01/2030 {why}")[0],
        "two-digit year": officer.say(f"/cme correct {reference} dob 2/5/03 {why}")[0],  # 23: not a child
        "digits in a name": officer.say(f"/cme correct {reference} surname Test4child {why}")[0],
        "no reason": officer.say(f"/cme correct {reference} surname Testchilde")[0],
        "unknown detail": officer.say(f"/cme correct {reference} shoe-size 4 {why}")[0],
        "a name not known": officer.say(f"/cme correct {reference} surname ? {why}")[0],
        "not known": officer.say(f"/cme correct {reference} other-names not known {why}")[0],
        "no case": officer.say(f"/cme correct CME-2026-9999 surname Testchilde {why}")[0],
    }
    assert all(reply.kind is ReplyKind.ERROR for reply in refused.values())
    assert {k for k, reply in refused.items() if "Nothing was changed" not in reply.text} == set()
    assert "four digits" in refused["two-digit year"].text and "because" in refused["no reason"].text
    assert "dob" in refused["unknown detail"].text  # the usage names the details that can be corrected
    assert "isn't known" in refused["a name not known"].text and "'none'" in refused["not known"].text
    child = child_of(engine, reference)
    assert (child.dob, child.surname, child.upn) == (dt.date(2014, 5, 2), "Testchild", None)
    assert events(engine, "child.corrected") == []


def test_a_reporter_cannot_correct_a_child(router, engine):
    reference = refer(router, "alice", AVA)
    said = Person(router, user="alice").say(f"/cme correct {reference} surname Other because I want to")[0]
    assert said.kind is ReplyKind.ERROR and child_of(engine, reference).surname == "Testchild"


def test_the_same_value_again_changes_nothing_and_records_nothing(router, engine):
    reference = refer(router, "alice", AVA)
    said = Person(router, user=OFFICER).say(f"/cme correct {reference} postcode bl90ej because checked")[0]
    assert "already says that" in said.text and events(engine, "child.corrected") == []


def give_child(engine, reference: str) -> None:
    """Attach a child record to a case made straight in the database (channel tests: no form filled)."""
    with unit_of_work(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        child = Child(forenames="Ava", surname="Testchild", dob=dt.date(2014, 5, 2))
        session.add(child)
        session.flush()
        case.child_id = child.id
        session.add(case)


def test_a_wrong_upn_can_be_emptied_but_a_name_cannot(router, engine):
    reference = refer(router, "alice", {**AVA, "child_upn": upn_check_letter("201234567890") + "201234567890"})
    officer = Person(router, user=OFFICER)
    assert child_of(engine, reference).upn is not None
    emptied = officer.say(f"/cme correct {reference} upn none because it is another pupil's")[0]
    assert emptied.kind is ReplyKind.CONFIRMATION
    assert child_of(engine, reference).upn is None
    refused = officer.say(f"/cme correct {reference} surname none because unsure")[0]
    assert refused.kind is ReplyKind.ERROR and "can't be left empty" in refused.text
    assert child_of(engine, reference).surname == "Testchild"
