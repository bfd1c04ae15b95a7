"""School-day arithmetic over the Bury profile's terms, English bank holidays and unknown years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.knowledge.calendar import (
    add_school_days,
    bank_holidays,
    is_school_day,
    missing_term_years,
    school_days_between,
)
from handlers.knowledge.profile import bundled_profile

D = dt.date
PROFILE = bundled_profile()
NO_TERMS = PROFILE.model_copy(update={"term_dates": []})


def test_bank_holidays_are_englands():
    days = bank_holidays(PROFILE, [2026, 2027])
    assert D(2026, 12, 28) in days  # Boxing Day substitute
    assert D(2027, 3, 26) in days  # Good Friday
    assert D(2026, 1, 2) not in days  # Scottish only
    assert D(2026, 3, 17) not in days  # Northern Irish only


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 27), True),  # Friday in term
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 10, 28), False),  # autumn half-term
        (D(2026, 12, 23), False),  # Christmas holidays
        (D(2026, 8, 12), False),  # summer holidays
        (D(2026, 9, 1), False),  # before the autumn term starts
        (D(2026, 9, 2), True),  # first day of the autumn term
        (D(2026, 5, 4), False),  # May Day bank holiday in term
        (D(2027, 3, 26), False),  # Good Friday on the last day of the spring term
        (D(2027, 3, 25), True),
    ],
)
def test_is_school_day_uses_terms_weekends_and_bank_holidays(day, expected):
    assert is_school_day(day, PROFILE) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 11, 26), 1, D(2026, 11, 27)),
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # over a weekend
        (D(2026, 5, 1), 1, D(2026, 5, 5)),  # over the May Day bank holiday
        (D(2026, 10, 23), 1, D(2026, 11, 2)),  # over autumn half-term
        (D(2026, 12, 18), 1, D(2027, 1, 4)),  # over Christmas and into a new calendar year
        (D(2026, 12, 17), 5, D(2027, 1, 7)),
        (D(2027, 3, 24), 2, D(2027, 4, 12)),  # Good Friday and Easter holidays
        (D(2026, 7, 21), 1, D(2026, 9, 2)),  # from the end of one school year to the next
        (D(2026, 11, 27), 0, D(2026, 11, 27)),  # n=0 on a school day is that day
        (D(2026, 11, 28), 0, D(2026, 11, 30)),  # n=0 otherwise is the next school day
        (D(2026, 12, 20), 0, D(2027, 1, 4)),
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # counting starts the day after a Saturday
    ],
)
def test_add_school_days(start, n, expected):
    assert add_school_days(start, n, PROFILE) == expected


def test_add_school_days_refuses_negative_counts():
    with pytest.raises(ValueError):
        add_school_days(D(2026, 11, 27), -1, PROFILE)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 11, 27), D(2026, 11, 27), 0),
        (D(2026, 11, 26), D(2026, 11, 27), 1),
        (D(2026, 12, 18), D(2027, 1, 4), 1),
        (D(2026, 12, 14), D(2027, 1, 8), 9),  # 4 days before Christmas + 5 after
        (D(2026, 11, 27), D(2026, 11, 20), -5),
        (D(2026, 9, 1), D(2026, 9, 30), 21),  # term starts Wed 2 Sep
    ],
)
def test_school_days_between(a, b, expected):
    assert school_days_between(a, b, PROFILE) == expected


def test_term_time_unknown_counts_working_weekdays():
    # Bury's profile ends with 2026-2027: after its last term, 2027-2028 is unknown.
    assert add_school_days(D(2027, 7, 21), 1, PROFILE) == D(2027, 9, 1)
    assert is_school_day(D(2027, 10, 27), PROFILE)  # would be half-term, but nobody said so
    assert add_school_days(D(2027, 12, 24), 1, PROFILE) == D(2027, 12, 29)  # Christmas substitutes
    assert not is_school_day(D(2027, 12, 28), PROFILE)


def test_missing_term_years_names_unconfigured_school_years():
    assert missing_term_years(PROFILE, D(2024, 9, 1), D(2027, 7, 31)) == []
    missing = missing_term_years(PROFILE, D(2024, 1, 1), D(2028, 10, 1))
    assert missing == ["2023-2024", "2027-2028", "2028-2029"]
    assert missing_term_years(PROFILE, D(2028, 10, 1), D(2027, 9, 1)) == ["2027-2028", "2028-2029"]
    assert missing_term_years(NO_TERMS, D(2026, 11, 27), D(2026, 11, 27)) == ["2026-2027"]


dates = st.dates(min_value=D(2023, 1, 1), max_value=D(2030, 12, 31))
profiles = st.sampled_from([PROFILE, NO_TERMS])


@given(dates, profiles)
def test_without_terms_every_working_weekday_is_a_school_day(day, profile):
    if profile is NO_TERMS:
        working = day.weekday() < 5 and day not in bank_holidays(profile, [day.year])
        assert is_school_day(day, profile) is working
    elif is_school_day(day, profile):
        assert day.weekday() < 5


@given(dates, st.integers(min_value=1, max_value=400), profiles)
def test_add_then_count_gives_back_n(start, n, profile):
    end = add_school_days(start, n, profile)
    assert end > start
    assert is_school_day(end, profile)
    assert school_days_between(start, end, profile) == n
    assert school_days_between(start, end - dt.timedelta(days=1), profile) == n - 1


@given(dates, profiles)
def test_zero_days_is_the_first_school_day_on_or_after(start, profile):
    first = add_school_days(start, 0, profile)
    assert first >= start and is_school_day(first, profile)
    one = dt.timedelta(days=1)
    assert school_days_between(start - one, first - one, profile) == 0
