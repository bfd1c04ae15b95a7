"""/cme set REF reason|missing-since|sex|year-group VALUE: the DfE return's fields, set by an officer and audited."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.messages import ReplyKind
from storage.models import Case
from tests.handlers.casework.test_cases import events, make_case
from tests.support import CALM_REFERRAL, Person


def case_of(engine, reference: str) -> Case:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def test_an_officer_sets_each_field_and_every_change_is_audited_with_the_old_value(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    officer = Person(router, user="cme-officer")
    done = officer.say(f"/cme set {reference} reason unknown because school confirmed no contact")[0]
    assert done.kind is ReplyKind.CONFIRMATION and "is Unknown (was not recorded)" in done.text
    by_words = officer.say(f"/cme set {reference} reason Believed to have moved to another country")[0]
    assert by_words.kind is ReplyKind.CONFIRMATION and "(was Unknown)" in by_words.text
    assert "1 October 2026" in officer.say(f"/cme set {reference} missing-since 01/10/2026")[0].text
    assert officer.say(f"/cme set {reference} sex banana")[0].kind is ReplyKind.ERROR
    officer.say(f"/cme set {reference} sex F")
    officer.say(f"{reference.join(['/cme set ', ' year-group Y7'])}")
    case = case_of(engine, reference)
    assert (case.cme_reason, case.missing_since, case.sex, case.year_group) == (
        "moved-abroad",
        dt.date(2026, 10, 1),
        "female",
        "year-7",
    )
    changes = events(engine, "case.field_set")
    assert [e.detail["field"] for e in changes] == ["cme_reason", "cme_reason", "missing_since", "sex", "year_group"]
    assert changes[0].reason == "school confirmed no contact" and changes[0].actor == "terminal:local:cme-officer"
    assert changes[1].detail == {"field": "cme_reason", "was": "unknown", "now": "moved-abroad"}
    cleared = officer.say(f"/cme set {reference} reason not recorded because recorded by mistake")[0]
    assert "is not recorded (was Believed to have moved to another country)" in cleared.text
    assert case_of(engine, reference).cme_reason is None


def test_an_old_reason_is_answered_with_the_dfe_categories_it_may_now_be(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    officer = Person(router, user="cme-officer")
    [pick] = officer.say(f"/cme set {reference} reason whereabouts-unknown because no answer at the door")
    assert pick.kind is ReplyKind.ERROR and '"Whereabouts unknown" is no longer one of the DfE' in pick.text
    assert [b.label for b in pick.buttons] == [
        "Unknown",
        "Believed to have moved to another country",
        "Believed to have moved to another local authority",
    ]
    assert case_of(engine, reference).cme_reason is None and events(engine, "case.field_set") == []
    [done] = officer.say(pick.buttons[1].value)  # pressing a button sends its command
    assert done.kind is ReplyKind.CONFIRMATION and case_of(engine, reference).cme_reason == "moved-abroad"
    assert events(engine, "case.field_set")[0].reason == "no answer at the door"
    # An old label with the same meaning as a DfE category is set, in the DfE's words.
    [same] = officer.say(f"/cme set {reference} reason Believed to have moved out of the country")
    assert same.kind is ReplyKind.CONFIRMATION and "Believed to have moved to another country" in same.text


def test_a_near_miss_offers_the_reasons_it_resembles(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    officer = Person(router, user="cme-officer")
    [health] = officer.say(f"/cme set {reference} reason health")
    assert {b.label for b in health.buttons} == {"Physical health", "Mental health"}
    [slip] = officer.say(f"/cme set {reference} reason prefrence")
    assert [b.label for b in slip.buttons][:1] == ["Did not get school preference"]
    assert all(b.value.startswith(f"/cme set {reference} reason ") for b in slip.buttons)
    assert case_of(engine, reference).cme_reason is None


def test_year_groups_as_schools_write_them(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    officer = Person(router, user="cme-officer")
    for typed, stored in (("R", "reception"), ("7", "year-7"), ("N1", "nursery"), ("Year 11", "year-11")):
        assert officer.say(f"/cme set {reference} year-group {typed}")[0].kind is ReplyKind.CONFIRMATION
        assert case_of(engine, reference).year_group == stored


def test_bad_values_are_refused_with_the_valid_ones_and_nothing_changes(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    officer = Person(router, user="cme-officer")
    unknown = officer.say(f"/cme set {reference} reason xyzzy")[0]
    assert unknown.kind is ReplyKind.ERROR and "Waiting school start" in unknown.text and not unknown.buttons
    future = officer.say(f"/cme set {reference} missing-since 01/01/2027")[0]
    assert future.kind is ReplyKind.ERROR and "can't be in the future" in future.text
    assert "couldn't read that as a date" in officer.say(f"/cme set {reference} missing-since soon")[0].text
    assert "isn't one of the options" in officer.say(f"/cme set {reference} year-group 27")[0].text
    assert "Say which field" in officer.say(f"/cme set {reference} colour blue")[0].text
    assert "Say which field" in officer.say(f"/cme set {reference} reason")[0].text
    assert "There is no case" in officer.say("/cme set CME-2026-9999 sex male")[0].text
    assert "Which case?" in officer.say("/cme set sex male")[0].text
    case = case_of(engine, reference)
    assert (case.cme_reason, case.missing_since, case.year_group) == (None, None, None)
    assert events(engine, "case.field_set") == []


def test_a_reporter_cannot_set_fields(router, engine, profile, clock):
    reference = make_case(engine, profile, 7, clock())
    refused = Person(router, user="alice").say(f"/cme set {reference} sex male")[0]
    assert refused.kind is ReplyKind.ERROR and case_of(engine, reference).sex is None


def test_a_referral_starts_its_case_with_the_fields_its_answers_give(router, engine):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    answers = {**CALM_REFERRAL, "child_gender": "male", "child_year_group": "Y8", "date_last_attended": "02/10/2026"}
    alice.fill(answers)
    reference = alice.say("submit")[-1].data["reference"]
    case = case_of(engine, reference)
    # reason 1 on the referral is "the family can't be contacted": it says nothing of why the child is missing
    # education, so the case starts with none (Not recorded) for the officer to set.
    assert (case.cme_reason, case.missing_since, case.sex, case.year_group) == (
        None,
        dt.date(2026, 10, 2),
        "male",
        "year-8",
    )
