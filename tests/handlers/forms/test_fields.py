"""Field parsers: what people type in UK services, and the messages when it can't be used."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core import FormContext
from handlers.forms.dates import Tense
from handlers.forms.fields import (
    Invalid,
    Kind,
    parse_choice,
    parse_date,
    parse_email,
    parse_multi_choice,
    parse_phone,
    parse_postcode,
    parse_yes_no,
)
from handlers.forms.spec import Field, FormSpec, Section, validate_all
from handlers.knowledge.profile import bundled_profile
from handlers.messages import Choice

TODAY = dt.date(2026, 11, 28)
CHOICES = (Choice("cat", "Cat"), Choice("dog", "Dog"), Choice("none", "None of these"))


@pytest.mark.parametrize("typed", ["2014-05-02", "02/05/2014", "2/5/2014", "2 May 2014", "2nd May 2014", "02.05.2014"])
def test_dates_in_uk_forms(typed):
    assert parse_date(typed, today=TODAY) == dt.date(2014, 5, 2)


@pytest.mark.parametrize("typed", ["May 2014", "31/02/2014", "soon", "2014", "02/05/1850"])
def test_incomplete_or_impossible_dates_are_refused_with_an_example(typed):
    with pytest.raises(Invalid, match="for example 02/05/2014"):
        parse_date(typed, today=TODAY)


def test_relative_dates():
    assert parse_date("yesterday", today=TODAY) == dt.date(2026, 11, 27)


@pytest.mark.parametrize(("typed", "shown"), [("01612537670", "0161 253 7670"), ("+44 7911 123456", "07911 123456")])
def test_uk_phone_numbers_are_formatted(typed, shown):
    assert parse_phone(typed) == shown


@pytest.mark.parametrize("typed", ["12345", "0161", "phone me", "+44 12"])
def test_bad_phone_numbers(typed):
    with pytest.raises(Invalid, match="0161 253 7670"):
        parse_phone(typed)


def test_email_needs_a_domain():
    assert parse_email("Sam@NHS.net") == "Sam@nhs.net"
    for bad in ("sam@", "sam", "sam@localhost", "@nhs.net"):
        with pytest.raises(Invalid, match="name@example.gov.uk"):
            parse_email(bad)


@pytest.mark.parametrize(("typed", "shown"), [("bl90ej", "BL9 0EJ"), (" m1 1ae ", "M1 1AE"), ("SW1A1AA", "SW1A 1AA")])
def test_postcodes_are_normalised(typed, shown):
    assert parse_postcode(typed) == shown


@pytest.mark.parametrize("typed", ["BL9", "12345", "QQ1 1QQ", "BL9 0EJX"])
def test_malformed_postcodes_are_refused(typed):
    with pytest.raises(Invalid, match="BL9 0EJ"):
        parse_postcode(typed)


def test_choices_by_number_label_value_and_small_typo():
    assert [parse_choice(t, CHOICES) for t in ("2", "dog", "Cat", "non of thse")] == ["dog", "dog", "cat", "none"]
    with pytest.raises(Invalid, match="1. Cat; 2. Dog"):
        parse_choice("horse", CHOICES)


def test_multi_choice_and_none():
    assert parse_multi_choice("1, 2", CHOICES[:2]) == ["cat", "dog"]
    assert parse_multi_choice("cat and dog", CHOICES[:2]) == ["cat", "dog"]
    assert parse_multi_choice("none", CHOICES, none_value="none") == ["none"]
    with pytest.raises(Invalid, match="'none' together"):
        parse_multi_choice("1, 3", CHOICES, none_value="none")


def test_yes_no_words():
    assert parse_yes_no("Yes.") is True and parse_yes_no("nope") is False
    with pytest.raises(Invalid, match="yes or no"):
        parse_yes_no("maybe")


@given(st.text(max_size=200))
def test_parsers_raise_only_invalid(text):
    for parse in (
        lambda t: parse_date(t, today=TODAY),
        parse_phone,
        parse_email,
        parse_postcode,
        parse_yes_no,
        lambda t: parse_choice(t, CHOICES),
        lambda t: parse_multi_choice(t, CHOICES, none_value="none"),
    ):
        with contextlib.suppress(Invalid):
            parse(text)


GENDERS = (
    Choice("female", "Female"),
    Choice("male", "Male"),
    Choice("other", "Other"),
    Choice("not-known", "Not known"),
)
ROLL = (Choice("yes", "Yes"), Choice("no", "No"), Choice("unknown", "Not known"))
HOME = (
    Choice("no", "No"),
    Choice("suitable", "Yes, and it seems suitable"),
    Choice("unsuitable", "Yes, but it seems unsuitable"),
    Choice("not-assessed", "Yes, not yet assessed"),
    Choice("unknown", "Not known"),
)
DONT_KNOW = ["no idea", "dunno", "not sure", "unsure", "don't know", "Dont know", "unknown", "not known", "?", "idk"]


@pytest.mark.parametrize(
    ("typed", "meant"), [("M", "male"), ("m", "male"), ("boy", "male"), ("F", "female"), ("girl", "female")]
)
def test_gender_letters_and_words_name_the_option_they_say(typed, meant):
    assert parse_choice(typed, GENDERS) == meant


@pytest.mark.parametrize("typed", [*DONT_KNOW, "No clue", "I'm not sure", "I don\u2019t know"])
def test_i_dont_know_is_not_known_and_never_no(typed):
    assert parse_choice(typed, ROLL) == "unknown"
    assert parse_choice(typed, HOME) == "unknown"
    assert parse_yes_no(typed, not_known=True) == "unknown"


def test_i_dont_know_where_there_is_no_not_known_option_is_told_plainly():
    with pytest.raises(Invalid, match="no 'not known' answer") as refused:
        parse_choice("dunno", CHOICES)
    assert refused.value.options == ()
    with pytest.raises(Invalid, match="needs a yes or a no"):
        parse_yes_no("not sure")


def test_yes_to_home_education_asks_which_kind_of_yes_with_the_yes_options_as_buttons():
    with pytest.raises(Invalid, match="Did you mean") as asked:
        parse_choice("yes", HOME)
    assert [c.value for c in asked.value.options] == ["suitable", "unsuitable", "not-assessed"]
    assert [parse_choice(c.label, HOME) for c in asked.value.options] == ["suitable", "unsuitable", "not-assessed"]
    assert parse_choice("no", HOME) == "no" and parse_choice("n", ROLL) == "no" and parse_choice("y", ROLL) == "yes"


def test_a_typo_between_two_close_options_is_asked_not_guessed():
    assert parse_choice("femail", GENDERS) == "female"  # one option clearly ahead
    with pytest.raises(Invalid, match="Did you mean Male or Female") as asked:
        parse_choice("mael", GENDERS)  # 75 against 60: not clearly ahead
    assert {c.value for c in asked.value.options} == {"male", "female"}
    assert parse_choice("suitble", HOME) == "suitable" and parse_choice("unsuitble", HOME) == "unsuitable"
    assert parse_choice("not assessed", HOME) == "not-assessed"


def test_yes_no_with_not_known_offers_the_three_answers():
    with pytest.raises(Invalid, match="yes, no or 'not known'") as refused:
        parse_yes_no("perhaps", not_known=True)
    assert [c.label for c in refused.value.options] == ["Yes", "No", "Not known"]


def test_a_two_digit_year_is_taken_in_the_past_or_the_coming_year_without_asking():
    assert parse_date("16/11/26", today=TODAY) == dt.date(2026, 11, 16)
    assert parse_date("01/02/03", today=TODAY) == dt.date(2003, 2, 1)
    assert parse_date("1/2/60", today=TODAY) == dt.date(1960, 2, 1)
    assert parse_date("01/02/2003", today=TODAY) == dt.date(2003, 2, 1)


def test_on_a_whole_form_page_a_confirmation_is_an_error_saying_exactly_what_to_type():
    page = FormSpec(
        id="page",
        title="Page",
        intro="A page.",
        sections=(
            Section(
                "s",
                "S",
                (
                    Field("name", Kind.NAME, "Name?"),
                    Field("born", Kind.DATE, "Born?", tense=Tense.BIRTH),
                    Field("unsure", Kind.YES_NO, "Known?", not_known=True),
                ),
            ),
        ),
    )
    ctx = FormContext(now=dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC), profile=bundled_profile())
    raw = {"name": "she lives with her nan in the flat", "born": "01/02/03", "unsure": "unknown"}
    answers, errors = validate_all(page, raw, ctx)
    assert errors == {
        "name": "That reads like a sentence rather than a name. Please type just the name.",
        "born": "A child's date of birth gives an age of 0 to 18, and that year doesn't. Please type the year in "
        "full (four digits), for example 01/02/2003.",
    }
    assert answers["unsure"] == "unknown" and "name" not in answers and "born" not in answers


def test_not_sure_at_a_several_options_question_says_how_to_answer_and_picks_nothing():
    with pytest.raises(Invalid, match="If you're not sure, choose any that might apply .* or 'none'"):
        parse_multi_choice("not sure", CHOICES, none_value="none")
