"""The referral in a chat with an age instead of a date of birth (issue 21 item 1), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.knowledge.profile import bundled_profile
from handlers.knowledge.triage import Facts, triage
from handlers.messages import ReplyKind
from handlers.reports.dfe_check import cases_to_check
from storage.children import Child
from storage.models import Case, Report
from tests.support import CALM_REFERRAL, QUICK_REFERRAL, Person

QUICK_AGED_9 = {**QUICK_REFERRAL, "child_dob": "9 years old"}


def test_an_age_is_said_back_as_an_age_and_stored_as_one_without_a_date_of_birth(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(QUICK_AGED_9, until="child_dob")
    replies = alice.say("9 years old")
    assert replies[0].text == "Taken as age 9: noted as the child's age, with no date of birth recorded."
    assert replies[-1].question.field_id == "school_name"  # the age places the child: no year group asked
    alice.fill(QUICK_AGED_9)
    with Session(engine) as session:
        answers = session.exec(select(Report)).one().answers
        assert answers["child_age"] == 9 and answers.get("child_dob") is None
        assert "child_year_group" not in answers
        assert session.exec(select(Child)).one().dob is None  # no date of birth invented for the child record
        assert session.exec(select(Case)).one().year_group is None  # nor a year group for the DfE return


def test_the_officers_case_view_shows_the_age_when_reported_and_the_reporters_view_doesnt(router):
    alice = Person(router)
    alice.say("/cme report")
    reference = alice.fill(QUICK_AGED_9)[-1].data["reference"]
    officer = Person(router, user="cme-officer").say(f"/cme case {reference}")
    facts = dict(fact for reply in officer for fact in reply.facts)
    assert facts["Age when reported"] == "9"
    assert "Date of birth" not in facts  # never a made-up date
    mine = " ".join(r.text + str(r.facts) for r in alice.say(f"/cme case {reference}"))
    assert "Age when reported" not in mine and "Zephyrine" not in mine


def test_the_caseload_line_gives_the_age_when_reported_where_there_is_no_date_of_birth(router):
    alice = Person(router)
    alice.say("/cme report")
    aged = alice.fill(QUICK_AGED_9)[-1].data["reference"]
    listing = Person(router, user="cme-officer").say("/cme cases")[0]
    line = dict(listing.facts)
    (who,) = [key for key in line if key.startswith(aged)]
    assert who.endswith("aged 9 when reported")  # the officer sees the child's age without opening the case
    assert "date of birth" in line[who]  # and that the date of birth is still missing
    # The first step's title stays short (what is missing is listed once, in the case's details): two lines
    assert "next: Ask the reporter for the details still missing (6 parts of the form: see Still missing)" in line[who]
    assert len(line[who]) < 300
    (row,) = [row for row in listing.data["cases"] if row["reference"] == aged]
    assert row["age"] is None and row["age_given"] == 9  # cme-bot cases --json: never an age made from nothing


def test_the_dfe_check_says_which_year_groups_the_age_given_points_to(router, engine, profile):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(QUICK_AGED_9)  # sent in November 2026
    with Session(engine) as session:
        (spring,) = cases_to_check(session, census=dt.date(2027, 1, 21), tz=profile.tz)
        (autumn,) = cases_to_check(session, census=dt.date(2027, 10, 7), tz=profile.tz)
    assert "year group not recorded (counted as Unknown); the reporter gave the age as 9 on" in str(spring)
    assert "likely Year 4 or Year 5" in str(spring)  # nine this school year: before or after the birthday
    assert "likely Year 5 or Year 6" in str(autumn)  # a school year on, a year up


def test_an_age_past_school_age_or_words_without_a_number_are_asked_again(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(QUICK_AGED_9, until="child_dob")
    over = alice.say("25")
    assert over[0].kind is ReplyKind.ERROR and over[0].text.startswith("25 is over school age")
    assert over[-1].question.field_id == "child_dob"
    vague = alice.say("a teenager")
    assert "number for their age" in vague[0].text and vague[-1].question.field_id == "child_dob"
    assert alice.say("nine")[0].text.startswith("Taken as age 9")


def test_the_question_says_an_age_will_do_and_help_is_still_there(router):
    alice = Person(router)
    alice.say("/cme report")
    asked = alice.fill(QUICK_AGED_9, until="child_dob")[-1]
    assert "type their age (for example 9)" in asked.text
    helped = alice.say("?")
    assert helped[-1].question.field_id == "child_dob" and len(helped) >= 2  # the help, then the question again
    assert alice.say("9")[0].text.startswith("Taken as age 9")  # a bare number is an age here, not "the 9th"


def test_not_known_still_asks_the_year_group(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(QUICK_AGED_9, until="child_dob")
    assert alice.say("not known")[-1].question.field_id == "child_year_group"


def test_an_age_and_a_year_group_that_dont_fit_are_asked_about_and_yes_keeps_both(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    answers = {**CALM_REFERRAL, "child_dob": "age 6"}
    asked = alice.fill(answers, until="child_year_group")[-1]  # with more detail the year group is always asked
    assert asked.question.field_id == "child_year_group"
    mismatch = alice.say("Year 9")[-1]
    assert mismatch.text.startswith("A child aged 6 is usually in Year 1 or Year 2 this school year")
    assert [b.label for b in mismatch.buttons] == ["Year 1", "Year 2", "Keep Year 9", "Not known"]
    alice.say("yes")
    review = dict(alice.fill(answers)[-1].facts)
    assert review[next(k for k in review if k.endswith("Date of birth"))] == "Not known (age 6 given)"
    assert review[next(k for k in review if k.endswith(". Age"))] == "6"
    assert review[next(k for k in review if k.endswith("Year group"))] == "Year 9"


def test_changing_the_age_to_a_date_of_birth_at_the_review_drops_the_age(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    review = alice.fill({**CALM_REFERRAL, "child_dob": "9"})[-1]
    number = next(k for k, _ in review.facts if k.endswith("Date of birth")).split(".")[0]
    assert alice.say(f"change {number}")[-1].question.field_id == "child_dob"
    review = dict(alice.say("02/05/2014")[-1].facts)
    assert not any(k.endswith(". Age") for k in review)
    assert review[next(k for k in review if k.endswith("Date of birth"))] == "2 May 2014"


def test_an_age_below_school_age_offers_to_stop_as_a_date_of_birth_does(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(QUICK_AGED_9, until="child_dob")
    replies = alice.say("4")
    assert any(r.title and "below compulsory school age" in r.title for r in replies)
    assert "no date of birth was given" in " ".join(r.text for r in replies)


def test_triage_says_probably_when_the_age_alone_cant_decide():
    profile, on = bundled_profile(), dt.date(2026, 12, 7)
    sixteen = triage(Facts(dob=None, on=on, on_roll="no", age=16), profile)
    assert sixteen.outcome.value == "cme"  # never redirected on a "probably": the officer checks
    assert any("probably over compulsory school age" in reason for reason in sixteen.reasons)
    five = triage(Facts(dob=None, on=on, on_roll="no", age=5), profile)
    assert any("probably of compulsory school age" in reason for reason in five.reasons)
    nine = triage(Facts(dob=None, on=on, on_roll="no", age=9), profile)
    assert any("at 9 the child is of compulsory school age" in reason for reason in nine.reasons)
    assert triage(Facts(dob=None, on=on, on_roll="no", age=17), profile).outcome.value == "above_school_age"


def test_two_reports_of_a_child_with_an_age_and_no_date_of_birth_are_matched_without_error(router, engine):
    for user in ("alice", "bob"):
        person = Person(router, user=user, name=f"{user.title()} Teacher")
        person.say("/cme report")
        confirmation = person.fill({**QUICK_AGED_9, "child_dob": "9"})[-1]
        assert confirmation.kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 2
        assert all(child.dob is None for child in session.exec(select(Child)).all())
