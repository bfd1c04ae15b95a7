"""School-calendar dates: bank holidays, term dates, school days, birthdays and leaving dates.

Timers in the 2024 registration regulations (and the enquiry plan) run in school days: weekends,
English bank holidays and the local authority's school holidays do not count
(cme-domain.md section 4). Term dates come from the profile, never from code.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache

import holidays
from dateutil.relativedelta import FR, relativedelta

from handlers.knowledge.profile import Profile


@lru_cache(maxsize=256)
def _bank_holidays_in(subdiv: str, year: int) -> frozenset[dt.date]:
    # The `holidays` package follows the gov.uk list, including substitute ("observed") days.
    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year))


def bank_holidays(profile: Profile, years: Iterable[int]) -> frozenset[dt.date]:
    """The bank holidays of the profile's UK nation (e.g. England) in the given years."""
    days: set[dt.date] = set()
    for year in years:
        days |= _bank_holidays_in(profile.bank_holidays, year)
    return frozenset(days)


def is_bank_holiday(day: dt.date, profile: Profile) -> bool:
    """True when `day` is a bank holiday where the profile's council is."""
    return day in _bank_holidays_in(profile.bank_holidays, day.year)


def birthday(dob: dt.date, years: int) -> dt.date:
    """The day a person born on `dob` attains the age `years`."""
    # Family Law Reform Act 1969 s9: an age is attained at the start of the anniversary of birth.
    # A 29 February birthday has no anniversary in a common year; we take 1 March, as the
    # Age of Legal Capacity (Scotland) Act 1991 s6(2) does (England has no statute that says).
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dt.date(dob.year + years, 3, 1)


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in whole years on `day` (a 29 February birthday counts from 1 March in common years)."""
    years = day.year - dob.year
    return years - 1 if day < birthday(dob, years) else years


def leaving_date(year: int) -> dt.date:
    """The school leaving date in `year`: the last Friday in June (School Leaving Date Order 1997)."""
    return dt.date(year, 1, 1) + relativedelta(month=6, day=31, weekday=FR(-1))


def autumn_term_start(year: int, profile: Profile) -> dt.date:
    """First day of the school year beginning in `year`: from the term dates, else 1 September."""
    # Without term dates we assume 1 September: schools in England rarely start earlier, and a
    # later guess could end a child's compulsory school age a year too soon (s8(3)).
    return profile.autumn_term_start(year) or dt.date(year, 9, 1)


def school_year_start(day: dt.date) -> int:
    """The calendar year the school year holding `day` starts in (1 September, as Profile.school_year_of)."""
    return day.year if day.month >= 9 else day.year - 1


class _Calendar:
    """One profile's school days, worked out a calendar year at a time and kept."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.term_days = frozenset(
            term.start + dt.timedelta(days=offset)
            for school_year in profile.term_dates
            for term in school_year.terms
            for offset in range((term.end - term.start).days + 1)
        )
        self._years: dict[int, tuple[list[dt.date], frozenset[dt.date]]] = {}

    def _compute(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or is_bank_holiday(day, self.profile):
            return False
        if day in self.term_days:
            return True
        # No term dates for this school year: term time is unknown, so every working weekday counts.
        return self.profile.school_year_of(day) is None

    def year(self, year: int) -> tuple[list[dt.date], frozenset[dt.date]]:
        """The school days of a calendar year, sorted and as a set."""
        if year not in self._years:
            first = dt.date(year, 1, 1)
            every = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
            days = [day for day in every if self._compute(day)]
            self._years[year] = (days, frozenset(days))
        return self._years[year]


_CALENDARS: dict[int, _Calendar] = {}


def _calendar(profile: Profile) -> _Calendar:
    # Profiles are unhashable pydantic models; key by identity and keep the profile alive in the
    # entry so its id cannot be reused by another object.
    found = _CALENDARS.get(id(profile))
    if found is None or found.profile is not profile:
        if len(_CALENDARS) >= 32:
            _CALENDARS.clear()
        found = _CALENDARS[id(profile)] = _Calendar(profile)
    return found


def is_school_day(day: dt.date, profile: Profile) -> bool:
    """True for a weekday, not a bank holiday, in term (any such weekday when terms are unknown)."""
    return day in _calendar(profile).year(day.year)[1]


def missing_term_years(profile: Profile, start: dt.date, end: dt.date) -> list[str]:
    """School years ("2027-2028") between two dates for which the profile has no term dates."""
    first, last = sorted((school_year_start(start), school_year_start(end)))
    return [f"{y}-{y + 1}" for y in range(first, last + 1) if profile.autumn_term_start(y) is None]


def add_school_days(start: dt.date, n: int, profile: Profile) -> dt.date:
    """The n-th school day after `start` (from the next day); n=0 is `start` or the next school day."""
    if n < 0:
        raise ValueError("n must be zero or more school days")
    cal = _calendar(profile)
    year = start.year
    days = cal.year(year)[0]
    index = bisect_left(days, start) if n == 0 else bisect_right(days, start) + n - 1
    while index >= len(days):
        index -= len(days)
        year += 1
        days = cal.year(year)[0]
    return days[index]


def school_days_between(a: dt.date, b: dt.date, profile: Profile) -> int:
    """School days after `a` up to and including `b` (negative when b is before a)."""
    if b < a:
        return -school_days_between(b, a, profile)
    cal = _calendar(profile)
    count = 0
    for year in range(a.year, b.year + 1):
        days = cal.year(year)[0]
        low = bisect_right(days, a) if year == a.year else 0
        high = bisect_right(days, b) if year == b.year else len(days)
        count += high - low
    return count
