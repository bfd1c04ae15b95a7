"""Dates as people say them: read by dateparser, said back in words, rough ones kept rough, never a guess."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core import FormContext
from handlers.forms.dates import DateProblem, Precision, SaidDate, Tense, read_date, year_group_for
from handlers.forms.fields import Confirm, Invalid
from handlers.forms.spec import parse_value, read_answer, shown
from handlers.knowledge.profile import bundled_profile
from handlers.referral.form import REFERRAL

PROFILE = bundled_profile()
TODAY = dt.date(2026, 12, 7)  # a Monday
CTX = FormContext(now=dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC), profile=PROFILE)


def _read(text: str, **kwargs) -> SaidDate:
    return read_date(text, today=TODAY, profile=PROFILE, **kwargs)


@pytest.mark.parametrize(
    ("typed", "day", "words"),
    [
        ("3 weeks ago", dt.date(2026, 11, 16), "Monday 16 November 2026"),
        ("about 3 weeks ago", dt.date(2026, 11, 16), "Monday 16 November 2026"),
        ("last Tuesday", dt.date(2026, 12, 1), "Tuesday 1 December 2026"),
        ("the 3rd", dt.date(2026, 12, 3), "Thursday 3 December 2026"),
        ("16/11/26", dt.date(2026, 11, 16), "Monday 16 November 2026"),
        ("yesterday", dt.date(2026, 12, 6), "Sunday 6 December 2026"),
        ("since half term", dt.date(2026, 10, 23), "Friday 23 October 2026 (the last school day before half term)"),
    ],
)
def test_days_people_say_are_read_and_said_back_in_words(typed, day, words):
    said = _read(typed, tense=Tense.PAST)
    assert (said.day, said.precision, said.echo) == (day, Precision.DAY, words)


@pytest.mark.parametrize(
    ("typed", "day", "precision", "words"),
    [
        ("early October", dt.date(2026, 10, 1), Precision.EARLY, "early October 2026"),
        ("the end of September", dt.date(2026, 9, 21), Precision.LATE, "late September 2026"),
        ("Sept", dt.date(2026, 9, 1), Precision.MONTH, "September 2026"),
        ("last week", dt.date(2026, 11, 30), Precision.WEEK, "the week of Monday 30 November 2026"),
    ],
)
def test_a_rough_date_keeps_its_precision_where_the_question_is_about_the_past(typed, day, precision, words):
    said = _read(typed, tense=Tense.PAST, rough=True)
    assert (said.day, said.precision, said.words) == (day, precision, words)
    with pytest.raises(DateProblem, match="missing a part"):
        _read(typed)  # a question that needs a whole day does not take it


def test_two_dates_in_one_answer_ask_which_with_both_as_buttons():
    for typed in ("between 3 and 10 Nov", "3-10 Nov"):
        with pytest.raises(DateProblem, match="two dates") as asked:
            _read(typed, tense=Tense.PAST)
        assert [c.label for c in asked.value.options] == ["Tuesday 3 November 2026", "Tuesday 10 November 2026"]
        assert _read(asked.value.options[0].label).day == dt.date(2026, 11, 3)  # the button's words read back


def test_half_term_without_term_dates_says_plainly_a_date_is_needed():
    bare = PROFILE.model_copy(update={"term_dates": []})
    with pytest.raises(DateProblem, match="term dates .* aren't in the bot. Please type the date"):
        read_date("since half term", today=TODAY, profile=bare, tense=Tense.PAST)


@pytest.mark.parametrize("typed", ["5", "y6", "soon", "2014", "hello there", "2026-13-01"])
def test_numbers_and_words_that_are_not_dates_are_not_taken_as_dates(typed):
    with pytest.raises(DateProblem):
        _read(typed, tense=Tense.PAST, rough=True)


def test_a_date_of_birth_gives_an_age_of_0_to_18():
    assert _read("1/2/13", tense=Tense.BIRTH).day == dt.date(2013, 2, 1)  # two digits, inside the range: taken
    with pytest.raises(DateProblem, match="year in full"):
        _read("1/2/03", tense=Tense.BIRTH)
    with pytest.raises(DateProblem):
        _read("since half term", tense=Tense.BIRTH)  # a school date is never a birthday
    dob = REFERRAL.field("child_dob")
    with pytest.raises(Invalid, match="makes the child 23"):
        parse_value(dob, "1/2/2003", CTX)
    with pytest.raises(Invalid, match="missing a part"):
        parse_value(dob, "May 2014", CTX)


def test_a_past_question_refuses_a_date_to_come_with_a_clear_message():
    with pytest.raises(Invalid, match="the week of Monday 14 December 2026, in the future"):
        parse_value(REFERRAL.field("date_last_attended"), "next week", CTX)
    with pytest.raises(Invalid, match="before the child's date of birth"):
        parse_value(REFERRAL.field("date_last_seen"), "3 weeks ago", CTX, {"child_dob": "2026-11-30"})


def test_three_weeks_ago_is_stored_as_the_day_and_a_rough_date_with_its_precision():
    read = read_answer(REFERRAL.field("date_last_attended"), "3 weeks ago", CTX)
    assert read.value == (TODAY - dt.timedelta(days=21)).isoformat() and read.said == "Monday 16 November 2026"
    rough = read_answer(REFERRAL.field("date_last_seen"), "early October", CTX)
    answers = {"date_last_seen": rough.value, **rough.extra}
    assert answers == {"date_last_seen": "2026-10-01", "date_last_seen.precision": "early"}
    assert shown(REFERRAL.field("date_last_seen"), answers) == "early October 2026"
    assert REFERRAL.clean({**answers, "child_forenames": "Kim"})["date_last_seen.precision"] == "early"


def test_the_english_school_year_rule():
    assert year_group_for(dt.date(2019, 12, 12), TODAY) == 2  # born in 2019/20: Reception 2024/25
    assert year_group_for(dt.date(2014, 8, 31), TODAY) == 8 and year_group_for(dt.date(2014, 9, 1), TODAY) == 7


def test_a_year_group_that_does_not_fit_the_date_of_birth_is_asked_about_and_not_known_is_always_allowed():
    year = REFERRAL.field("child_year_group")
    with pytest.raises(Confirm, match="is in Year 2 this school year .* not Year 6. Which is right?"):
        parse_value(year, "Y6", CTX, {"child_dob": "2019-12-12"})
    assert parse_value(year, "Year 2", CTX, {"child_dob": "2019-12-12"}) == "year-2"
    assert parse_value(year, "Year 1", CTX, {"child_dob": "2019-12-12"}) == "year-1"  # "is (or was) in"
    assert parse_value(year, "not known", CTX, {"child_dob": "2019-12-12"}) == "not-known"
    with pytest.raises(Confirm, match="the year group given is Year 6"):
        parse_value(REFERRAL.field("child_dob"), "12/12/2019", CTX, {"child_year_group": "year-6"})


@given(
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.sampled_from(list(Precision)),
)
def test_any_date_said_back_reads_back_as_itself(day, precision):
    if precision is Precision.WEEK:
        day -= dt.timedelta(days=day.weekday())
    elif precision is not Precision.DAY:
        day = day.replace(day={Precision.EARLY: 1, Precision.MID: 11, Precision.LATE: 21}.get(precision, 1))
    said = SaidDate(day, precision)
    assert read_date(said.words, today=TODAY, rough=True) == said


@given(st.text(max_size=40))
def test_any_text_is_a_date_or_a_plain_reason_never_a_crash(text):
    try:
        said = _read(text, tense=Tense.PAST, rough=True)
    except DateProblem as problem:
        assert str(problem)
    else:
        assert said.day.year >= 1900 and said.words  # a date it can say back


@given(st.dates(min_value=dt.date(2008, 12, 8), max_value=TODAY))
def test_a_date_of_birth_of_a_child_typed_with_a_two_digit_year_is_taken_as_that_day(born):
    assert _read(f"{born:%d/%m/%y}", tense=Tense.BIRTH).day == born


@pytest.mark.parametrize("typed", ["12 March", "12th March", "the 9th", "12/3", "March 12th", "yesterday week"])
def test_a_date_of_birth_without_its_year_asks_for_it_never_this_year(typed):
    # dateparser completes "12 March" with the current year: a newborn, whom triage would send away as under age.
    with pytest.raises(Invalid) as problem:
        parse_value(REFERRAL.field("child_dob"), typed, CTX)
    assert "without the year" in str(problem.value) or "has no year" in str(problem.value)


@given(st.dates(min_value=dt.date(2008, 12, 8), max_value=TODAY))
def test_a_date_of_birth_with_its_year_written_out_is_taken(born):
    assert _read(f"{born.day} {born:%B %Y}", tense=Tense.BIRTH).day == born
