"""School-day arithmetic: bank holidays, term dates and counting school days.

Timers in the 2024 registration regulations (and the enquiry plan) run in school days: weekends,
English bank holidays and the local authority's school holidays do not count
(cme-domain.md section 4). Term dates come from the profile, never from code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

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
