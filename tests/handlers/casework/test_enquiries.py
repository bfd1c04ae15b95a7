"""Enquiry plans: due dates in school days across bank holidays, half terms, holidays and year ends."""

from __future__ import annotations

import datetime as dt
import logging

import time_machine

from bot.config import Settings
from bot.wiring import build_core
from handlers.casework.enquiries import escalation_cutoff, plan_due_dates
from handlers.knowledge.calendar import school_days_between

D = dt.date


def test_school_days_skip_the_christmas_holiday_bank_holidays_and_the_year_end(profile):
    # Created on the last day of the autumn term: the next school day is 4 Jan 2027 (spring term).
    due = plan_due_dates(D(2026, 12, 18), urgent=False, profile=profile)
    assert due["phone-contacts"] == D(2027, 1, 4)
    assert due["home-visit"] == D(2027, 1, 8)
    # 20 school days from Thu 17 Dec: Fri 18 Dec, then 19 days of January.
    assert plan_due_dates(D(2026, 12, 17), urgent=False, profile=profile)["s2s"] == D(2027, 1, 28)


def test_a_bank_holiday_in_term_and_a_half_term_do_not_count(profile):
    # Early May bank holiday, Mon 4 May 2026, falls in the summer term.
    assert plan_due_dates(D(2026, 5, 1), urgent=False, profile=profile)["phone-contacts"] == D(2026, 5, 5)
    # Autumn half term 2026: Fri 23 Oct is the last day; term starts again Mon 2 Nov.
    assert plan_due_dates(D(2026, 10, 23), urgent=False, profile=profile)["home-visit"] == D(2026, 11, 6)


def test_urgent_cases_get_the_shorter_deadlines_and_calendar_days_count_weekends(profile):
    saturday = D(2026, 11, 28)
    calm = plan_due_dates(saturday, urgent=False, profile=profile)
    urgent = plan_due_dates(saturday, urgent=True, profile=profile)
    assert urgent["phone-contacts"] == saturday  # {days: 0}: today, even at a weekend
    assert calm["phone-contacts"] == D(2026, 11, 30)
    assert urgent["home-visit"] == D(2026, 12, 1) < calm["home-visit"] == D(2026, 12, 4)


def test_a_year_without_term_dates_counts_weekdays_and_warns_at_start(profile, tmp_path, caplog):
    # The Bury profile stops at 2026-2027: in September 2027 every weekday but bank holidays counts.
    assert plan_due_dates(D(2027, 9, 3), urgent=False, profile=profile)["phone-contacts"] == D(2027, 9, 6)
    settings = Settings(CME_DATABASE_URL=f"sqlite:///{tmp_path}/w.db")
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)), caplog.at_level(logging.WARNING):
        core = build_core(settings)
    core.engine.dispose()
    assert any("no term dates for 2027-2028" in r.getMessage() for r in caplog.records)


def test_escalation_cutoff_counts_back_school_days(profile):
    # Five school days overdue on Thu 3 Dec: anything due before Thu 26 Nov.
    assert escalation_cutoff(D(2026, 12, 3), 5, profile) == D(2026, 11, 26)
    # Counting back over the Christmas holiday from Wed 6 Jan 2027: 6, 5, 4 Jan, 18, 17, 16 Dec.
    today = D(2027, 1, 6)
    cutoff = escalation_cutoff(today, 5, profile)
    assert cutoff == D(2026, 12, 16)
    assert school_days_between(cutoff - dt.timedelta(days=1), today, profile) > 5
    assert school_days_between(cutoff, today, profile) == 5
