"""An age typed where a date of birth is asked: "9", "9 years old", "aged 9", "nine"; never "the 9th"."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core import FormContext
from handlers.forms.ages import UNITS, read_age
from handlers.forms.fields import Confirm, Invalid, parse_age
from handlers.forms.spec import FormSpec, read_answer, shown, validate_all
from handlers.knowledge.profile import bundled_profile
from handlers.referral.form import REFERRAL

CTX = FormContext(now=dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC), profile=bundled_profile())
DOB = REFERRAL.field("child_dob")
NAMED = {"child_forenames": "Zephyrine", "child_surname": "Quillfeather", "on_roll": "yes"}
PHRASES = ("{n}", "{n} years old", "aged {n}", "about {n}", "she's {n}", "{n}yo", "{n} y/o", "age {n}", "he is {n}",
           "{n} yrs", "Aged about {n}.", "{n}ish")  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "age"),
    [("9", 9), ("9 years old", 9), ("aged 9", 9), ("about 9", 9), ("she's 9", 9), ("9yo", 9), ("nine", 9),
     ("Nine years old", 9), ("she\u2019s 12", 12), ("0", 0), ("18 months", 1), ("eighteen", 18), ("twelve-ish", 12)],
)  # fmt: skip
def test_an_age_is_read_as_people_type_it(typed, age):
    assert parse_age(typed) == age


@pytest.mark.parametrize("typed", ["02/05/2014", "2 May 2014", "9th", "3 weeks ago", "2014", "not known"])
def test_a_date_or_other_words_are_no_age(typed):
    assert read_age(typed) is None


@pytest.mark.parametrize(
    ("typed", "says"),
    [("25", "25 is over school age"), ("twenty five", "25 is over school age"), ("19", "up to 18"),
     ("999", "not a child's age"), ("a teenager", "a number for their age"), ("toddler", "a number"),
     ("9 or 10", "one age"), ("9-10", "one age")],
)  # fmt: skip
def test_an_age_that_cant_be_taken_says_what_to_type(typed, says):
    with pytest.raises(Invalid, match=says):
        parse_age(typed)


@given(st.integers(0, 18), st.sampled_from(PHRASES))
def test_every_age_from_0_to_18_is_read_in_every_phrasing(age, phrase):
    assert parse_age(phrase.format(n=age)) == age
    assert parse_age(phrase.format(n=UNITS[age])) == age if phrase != "{n}yo" else True


@given(st.integers(19, 999), st.sampled_from(PHRASES))
def test_an_age_past_18_is_refused_never_taken(age, phrase):
    with pytest.raises(Invalid, match="over school age|not a child's age"):
        parse_age(phrase.format(n=age))


@given(st.text(max_size=60))
def test_any_text_gives_an_age_of_0_to_18_or_a_clear_message(text):
    try:
        age = parse_age(text)
    except Invalid as problem:
        assert str(problem)
    else:
        assert 0 <= age <= 18


@given(st.text(max_size=40))
def test_any_text_at_the_date_of_birth_question_is_a_date_an_age_or_a_message(text):
    try:
        read = read_answer(DOB, text, CTX, {})
    except Invalid as problem:
        assert str(problem)
    else:
        assert (read.value is None) == (read.extra.get("child_age") is not None)


def test_a_bare_number_at_the_date_of_birth_question_is_an_age_not_the_9th():
    read = read_answer(DOB, "9", CTX, {})
    assert read.value is None and read.extra["child_age"] == 9  # no date of birth made up
    assert read.said.startswith("age 9") and "no date of birth" in read.said
    assert shown(DOB, {"child_dob": None, "child_age": 9}) == "Not known (age 9 given)"


def test_a_date_of_birth_replaces_an_age_given_before():
    read = read_answer(DOB, "02/05/2014", CTX, {"child_dob": None, "child_age": 9})
    assert read.value == "2014-05-02" and read.extra["child_age"] is None


def test_an_age_the_year_group_given_earlier_doesnt_fit_is_asked_about_and_stored_as_the_age():
    with pytest.raises(Confirm, match="aged 6 is usually in Year 1 or Year 2") as asked:
        read_answer(DOB, "6", CTX, {"child_year_group": "year-9"})
    assert asked.value.value is None and asked.value.extra["child_age"] == 6


@pytest.mark.parametrize(("age", "group"), [(9, "year-4"), (9, "year-5"), (10, "year-4"), (4, "reception"),
                                            (3, "nursery"), (5, "reception"), (9, "not-known")])  # fmt: skip
def test_a_year_group_that_fits_the_age_is_taken(age, group):
    page = {**NAMED, "child_age": str(age), "child_year_group": group}
    answers, errors = validate_all(_child_only(), page, CTX)
    assert not errors and answers["child_age"] == age


@pytest.mark.parametrize(("age", "group"), [(6, "year-9"), (9, "year-2"), (4, "year-3"), (14, "reception")])
def test_a_clear_mismatch_of_age_and_year_group_is_marked_on_a_page(age, group):
    page = {**NAMED, "child_age": str(age), "child_year_group": group}
    _, errors = validate_all(_child_only(), page, CTX)
    assert "doesn't fit the age" in errors["child_year_group"]


def test_an_age_the_date_of_birth_on_the_same_page_contradicts_is_marked():
    page = {**NAMED, "child_dob": "2014-05-02", "child_age": "9"}
    _, errors = validate_all(_child_only(), page, CTX)
    assert errors["child_age"].startswith("The date of birth makes the child 12, not 9")


def test_a_bad_age_on_a_page_is_marked_with_what_to_type():
    page = {
        "child_forenames": "Zephyrine",
        "child_surname": "Quillfeather",
        "on_roll": "yes",
        "child_age": "a teenager",
    }
    _, errors = validate_all(_child_only(), page, CTX)
    assert "number for their age" in errors["child_age"]


def _child_only() -> FormSpec:
    """The referral's page about the child alone, as a whole-form page validates it."""
    return FormSpec(REFERRAL.id, REFERRAL.title, "", (REFERRAL.section_of("child_dob"),))


def test_a_baby_is_said_back_as_under_1():
    read = read_answer(DOB, "6 months old", CTX, {})
    assert read.extra["child_age"] == 0 and read.said.startswith("age under 1:")
