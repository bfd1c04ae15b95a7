"""Retention through the router and the service: closed cases past their date anonymised, held ones kept."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.messages import ReplyKind
from handlers.records import retention
from storage import audit_chain
from storage.children import Child, ChildKey
from storage.merges import CaseMerge
from storage.models import AuditEvent, Case, CaseNote, Report
from tests.handlers.casework.test_child_intake import AVA, OFFICER, close, refer
from tests.support import CALM_REFERRAL, Person

FAR = dt.date(2034, 1, 1)  # past the 7 years of a case closed in November 2026


def _case(engine, reference: str) -> Case:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def _closed_case(router, answers=AVA, outcome: str = "moved_abroad") -> str:
    reference = refer(router, "alice", answers)
    Person(router, user=OFFICER).say(f"/cme note {reference} spoke to the aunt at 12 Elm Street")
    close(router, reference, outcome)
    return reference


def test_a_closed_case_past_its_date_loses_child_details_and_keeps_its_statistics(router, engine, core):
    reference = _closed_case(router)
    before = _case(engine, reference)
    assert retention.run(engine=engine, profile=core.profile, today=dt.date(2033, 11, 1)) == []  # not yet due
    [done] = retention.run(engine=engine, profile=core.profile, today=FAR)
    assert (done.reference, done.due_on, done.held) == (reference, dt.date(2033, 11, 26), False)
    with Session(engine) as session:
        case = session.get(Case, before.id)
        assert case.anonymised_at is not None
        kept = (
            case.state,
            case.outcome,
            case.cme_reason,
            case.sex,
            case.year_group,
            case.missing_since,
            case.created_at,
        )
        assert kept == (before.state, before.outcome, before.cme_reason, before.sex, before.year_group,
                        before.missing_since, before.created_at)  # fmt: skip
        assert session.exec(select(Report).where(Report.case_id == case.id)).one().answers == {}
        notes = session.exec(select(CaseNote).where(CaseNote.case_id == case.id)).all()
        assert len(notes) == 2 and not any("Elm" in note.text for note in notes)  # the closing's note too
        child = session.get(Child, case.child_id)
        assert (child.forenames, child.surname, child.dob, child.postcode, child.parent_names) == (None,) * 5
        assert session.exec(select(ChildKey).where(ChildKey.child_id == child.id)).all() == []
        [disposal] = session.exec(select(AuditEvent).where(AuditEvent.action == "case.anonymised")).all()
        assert disposal.case_id == case.id and disposal.actor == "retention"
        assert "Ava" not in str(disposal.detail) and "Testchild" not in (disposal.reason or "")
        assert audit_chain.verify(session, audit_chain.events(session)).broken is None


def test_a_second_run_the_same_day_does_nothing_more(router, engine, core):
    _closed_case(router)
    assert len(retention.run(engine=engine, profile=core.profile, today=FAR)) == 1
    assert retention.run(engine=engine, profile=core.profile, today=FAR) == []
    with Session(engine) as session:
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "case.anonymised")).all()) == 1


def test_a_case_on_legal_hold_is_kept_and_released_it_goes(router, engine, core):
    reference = _closed_case(router)
    officer = Person(router, user=OFFICER)
    held = officer.say(f"/cme hold {reference} county court claim 2026-0173")[-1]
    assert "is on legal hold" in held.text
    [listed] = retention.run(engine=engine, profile=core.profile, today=FAR)
    assert listed.held and "legal hold" in listed.why
    assert _case(engine, reference).anonymised_at is None
    assert "already on legal hold" in officer.say(f"/cme hold {reference} again")[-1].text
    officer.say(f"/cme release {reference} the claim was settled")
    assert retention.run(engine=engine, profile=core.profile, today=FAR)[0].held is False
    assert _case(engine, reference).anonymised_at is not None
    gone = officer.say(f"/cme hold {reference} too late")[-1]
    assert gone.kind is ReplyKind.ERROR and "already anonymised" in gone.text
    with Session(engine) as session:
        events = session.exec(select(AuditEvent.action, AuditEvent.reason).where(AuditEvent.action.like("case.%e%d")))
        said = {action: reason for action, reason in events.all() if action in ("case.held", "case.released")}
    assert said == {"case.held": "county court claim 2026-0173", "case.released": "the claim was settled"}


def test_a_referral_found_not_cme_goes_after_one_year_and_an_open_case_never(router, engine, core):
    not_cme = _closed_case(router, outcome="not_cme")
    still_open = refer(router, "bob", {**CALM_REFERRAL, "child_forenames": "Bo"})
    due = retention.run(engine=engine, profile=core.profile, today=dt.date(2027, 11, 27), dry_run=True)
    assert [(d.reference, d.retention_class) for d in due] == [(not_cme, "not CME: 1 year(s) after closure")]
    assert _case(engine, not_cme).anonymised_at is None  # a dry run changes nothing
    retention.run(engine=engine, profile=core.profile, today=FAR)
    assert _case(engine, still_open).anonymised_at is None


def test_hold_and_release_refuse_bad_input_and_reporters(router, engine):
    reference = _closed_case(router)
    officer = Person(router, user=OFFICER)
    for typed, says in (
        ("/cme hold", "Which case?"),
        ("/cme hold no idea", "Which case?"),
        (f"/cme hold {reference}", "Say why"),
        ("/cme hold CME-1999-0001 because", "There is no case CME-1999-0001"),
        (f"/cme release {reference} nothing to release", "is not on legal hold"),
    ):
        reply = officer.say(typed)[-1]
        assert says in reply.text, typed
    refused = Person(router, user="alice").say(f"/cme hold {reference} I want it kept")[0]
    assert refused.kind is ReplyKind.ERROR
    assert _case(engine, reference).legal_hold is False


def test_a_corrected_childs_old_and_new_details_go_with_the_case_and_the_chain_still_verifies(router, engine, core):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    officer.say(f"/cme correct {reference} surname Quackenbush because the school's spelling")
    close(router, reference, "moved_abroad")
    [done] = retention.run(engine=engine, profile=core.profile, today=FAR)
    with Session(engine) as session:
        notes = session.exec(select(CaseNote).where(CaseNote.case_id == done.case_id)).all()
        assert notes and not any("Quackenbush" in n.text or "Testchild" in n.text for n in notes)
        events = list(audit_chain.events(session))
        assert not any("Quackenbush" in f"{e.detail} {e.reason}" or "Testchild" in f"{e.detail}" for e in events)
        assert audit_chain.verify(session, events).broken is None


def test_an_anonymised_case_cannot_have_its_child_corrected_back_into_existence(router, engine, core):
    reference = _closed_case(router)
    retention.run(engine=engine, profile=core.profile, today=FAR)
    said = Person(router, user=OFFICER).say(f"/cme correct {reference} surname Testchild because restoring it")[0]
    assert said.kind is ReplyKind.ERROR and "anonymised" in said.text
    with Session(engine) as session:
        assert session.get(Child, _case(engine, reference).child_id).surname is None


def test_what_a_merge_kept_to_undo_it_goes_with_the_case_and_a_split_is_then_refused(router, engine, core):
    first = refer(router, "alice", AVA)
    second = refer(router, "bob", {**AVA, "child_address": "4 Mill Lane"})  # the same child: joined at intake
    close(router, first)
    with Session(engine) as session:
        assert session.exec(select(CaseMerge)).one().undo["child"] == {"address": [None, "4 Mill Lane"]}
    retention.run(engine=engine, profile=core.profile, today=FAR)
    with Session(engine) as session:
        assert session.exec(select(CaseMerge)).one().undo == {}
    refused = Person(router, user=OFFICER).say(f"/cme split {second}")[-1]
    assert refused.kind is ReplyKind.ERROR and "removed under the retention schedule" in refused.text
