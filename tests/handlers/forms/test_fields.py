"""Field parsers: what people type in UK services, and the messages when it can't be used."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.forms.fields import (
    Invalid,
    parse_choice,
    parse_date,
    parse_email,
    parse_multi_choice,
    parse_phone,
    parse_postcode,
    parse_yes_no,
)
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
