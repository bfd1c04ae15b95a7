"""Closing with care: steps not done are listed and confirmed with a reason, found says where, one closing wins."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.messages import ActionId, ReplyKind
from storage.closing import close_if_open
from storage.db import unit_of_work
from storage.models import Case, CaseNote, EnquiryStep
from tests.handlers.casework.conftest import SECOND
from tests.handlers.casework.test_cases import events, make_case, press, raise_case
from tests.support import Person


def case_of(engine, reference: str) -> Case:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def notes_of(engine, reference: str) -> list[str]:
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        return [note.text for note in session.exec(select(CaseNote).where(CaseNote.case_id == case.id)).all()]


def all_done(engine, reference: str) -> None:
    with unit_of_work(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        for step in session.exec(select(EnquiryStep).where(EnquiryStep.case_id == case.id)).all():
            step.state = "done"
            session.add(step)


def test_closing_with_steps_not_done_lists_them_and_closes_only_once_confirmed_with_a_reason(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    asked = officer.say(f"/cme close {reference} moved_abroad")
    first = asked[0].text
    assert f"9 enquiry step(s) of {reference} are not done" in first and "1. Ring every contact" in first
    assert asked[-1].text.startswith("Why close it before these enquiry steps are done?")
    assert officer.say("cancel")[0].kind is not ReplyKind.CONFIRMATION
    assert case_of(engine, reference).state == "open" and events(engine, "case.closed") == []
    review = officer.say(f"/cme close {reference} moved_abroad the family emigrated to Poland")
    assert review[-1].kind is ReplyKind.REVIEW and case_of(engine, reference).state == "open"  # a turn to confirm
    done = officer.say("submit")
    assert done[0].kind is ReplyKind.CONFIRMATION and done[0].data["steps_not_done"] == 9
    [event] = events(engine, "case.closed")
    assert event.reason == "the family emigrated to Poland" and event.detail["steps_stopped"] == 9
    [note] = notes_of(engine, reference)
    assert note.startswith("Closed with 9 enquiry step(s) not done (Ring every contact") and note.endswith("Poland")


def test_a_button_press_asks_the_same_and_refusals_come_before_any_question(router, engine):
    reference = raise_case(router)
    asked = press(router, "cme-officer", ActionId.CASE_CLOSE, f"/cme close {reference}")
    assert "are not done" in asked[0].text and asked[-1].question.field_id == "outcome"
    Person(router, user="cme-officer").say("cancel")
    unknown = Person(router, user="cme-officer").say(f"/cme close {reference} whereabouts_unknown")[0]
    assert unknown.kind is ReplyKind.ERROR and "after all enquiries" in unknown.text
    moved = Person(router, user="cme-officer").say(f"/cme close {reference} moved_other_la")[0]
    assert moved.kind is ReplyKind.ERROR and "acknowledgement" in moved.text
    assert case_of(engine, reference).state == "open"


def test_closed_as_found_says_which_school_or_provision_asked_when_missing(router, engine, profile, clock):
    reference = make_case(engine, profile, 1, clock())
    all_done(engine, reference)  # only the school is asked
    officer = Person(router, user="cme-officer")
    asked = officer.say(f"/cme close {reference} found_on_roll_elsewhere")
    assert asked[-1].text.startswith("Which school or provision is the child at?")
    officer.say("Elm Street Primary, Bolton")
    officer.say("skip")  # the optional reason
    assert officer.say("submit")[0].kind is ReplyKind.CONFIRMATION
    assert notes_of(engine, reference) == ["Found: Elm Street Primary, Bolton"]
    other = make_case(engine, profile, 2, clock())
    all_done(engine, other)
    typed = officer.say(f"/cme close {other} other_provision Bury Pupil Referral Unit")[0]
    assert typed.kind is ReplyKind.CONFIRMATION and notes_of(engine, other) == ["Found: Bury Pupil Referral Unit"]


def test_two_officers_closing_the_same_case_one_wins_and_the_other_is_told(team, engine):
    reference = raise_case(team)
    first, second = Person(team, user="cme-officer"), Person(team, user=SECOND.rsplit(":", 1)[-1])
    first.say(f"/cme close {reference} moved_abroad emigrated")
    second.say(f"/cme close {reference} ehe the parents chose home education")  # both at the confirmation
    assert first.say("submit")[0].kind is ReplyKind.CONFIRMATION
    told = second.say("submit")[0]
    assert told.kind is ReplyKind.ERROR and f"{reference} was already closed by cme-officer" in told.text
    assert "Moved abroad" in told.text and "Nothing was changed" in told.text
    assert case_of(engine, reference).outcome == "moved_abroad" and len(events(engine, "case.closed")) == 1


def test_the_closing_write_is_optimistic_the_second_of_two_that_saw_it_open_changes_nothing(router, engine, clock):
    reference = raise_case(router)
    seen = []
    for _ in range(2):  # both officers read the case while it was open
        with Session(engine) as session:
            case = session.exec(select(Case).where(Case.reference == reference)).one()
            session.expunge(case)
            seen.append(case)
    with unit_of_work(engine) as session:
        assert close_if_open(session, attach(session, seen[0]), outcome="moved_abroad", now=clock())
    with unit_of_work(engine) as session:
        assert not close_if_open(session, attach(session, seen[1]), outcome="ehe", now=clock())
    assert case_of(engine, reference).outcome == "moved_abroad"


def attach(session, case: Case) -> Case:
    """The case as this officer read it earlier (stale), in their new transaction, nothing marked changed."""
    session.add(case)
    return case
