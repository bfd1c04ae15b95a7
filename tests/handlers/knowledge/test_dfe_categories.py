"""The statutory data files held to the facts checked against published sources (cme-domain.md section 11):
the DfE's categories (labels, counts, order), the old reasons' mapping, the census days, regulation 9."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.knowledge import dfe_categories as dfe
from handlers.knowledge.registers import grounds
from handlers.knowledge.sources import SOURCES
from handlers.referral.sections import GENDERS, REASONS, YEAR_GROUPS

# Section 11's facts, as published in the DfE's "Children missing education at census date" data set.
DFE_REASONS = [
    "Believed to have moved to another country",
    "Believed to have moved to another local authority",
    "Challenging school attendance order",
    "Did not apply for school place at compulsory school age",
    "Did not get school preference",
    "Difficulty accessing suitable school place",
    "Mental health",
    "Moved in from another country",
    "Moved in from another local authority",
    "Not recorded",
    "Offered school place but not yet accepted",
    "Other",
    "Parental decision not to register at school",
    "Physical health",
    "School application awaiting outcome",
    "School dissatisfaction SEND",
    "School dissatisfaction general",
    "Unknown",
    "Unsuitable elective home education",
    "Waiting school start",
]
DFE_BANDS = [
    "Less than 2 weeks",
    "2 to 4 weeks",
    "4 to 8 weeks",
    "8 to 12 weeks",
    "12 to 26 weeks",
    "26 to 52 weeks",
    "Over 52 weeks",
    "Unknown",
]


def labels(name: str) -> list[str]:
    return [c.label for c in dfe.breakdown(name).categories]


def test_the_reasons_are_the_twenty_published_in_the_published_order():
    assert len(DFE_REASONS) == 20
    assert labels("primary_reason") == DFE_REASONS


def test_the_durations_sex_and_headline_are_as_published():
    assert labels("length_missing") == DFE_BANDS and len(DFE_BANDS) == 8
    assert labels("sex") == ["Female", "Male", "Unknown"]
    assert labels("length_missing_headline") == ["12 weeks or less", "More than 12 weeks", "Unknown"]
    # The headline groups the first four bands as "12 weeks or less", the next three as "more than 12 weeks".
    headline = [c.headline for c in dfe.breakdown("length_missing").categories]
    assert headline == ["12-weeks-or-less"] * 4 + ["more-than-12-weeks"] * 3 + ["unknown"]
    edges = [c.up_to_days for c in dfe.breakdown("length_missing").categories]
    assert edges == [13, 27, 55, 84, 182, 364, None, None]  # exactly 12 weeks (84 days) is "12 weeks or less"


def test_year_groups_are_reception_to_year_11_then_unknown():
    assert labels("year_group") == ["Reception", *(f"Year {n}" for n in range(1, 12)), "Unknown"]


@pytest.mark.parametrize(
    ("name", "stored", "label"),
    [
        ("sex", "female", "Female"),
        ("sex", "male", "Male"),
        ("sex", "other", "Unknown"),  # the form may ask Other / Not known; the return says Unknown
        ("sex", "not-known", "Unknown"),
        ("sex", None, "Unknown"),
        ("year_group", "year-7", "Year 7"),
        ("year_group", "nursery", "Unknown"),  # outside compulsory school age
        ("year_group", "year-13", "Unknown"),
        ("year_group", None, "Unknown"),
        ("primary_reason", None, "Not recorded"),
        ("primary_reason", "waiting-school-start", "Waiting school start"),
        ("primary_reason", "whereabouts-unknown", "Not recorded"),  # not a DfE category
    ],
)
def test_every_stored_value_counts_in_one_category(name, stored, label):
    assert dfe.category_of(name, stored).label == label


def test_every_value_the_forms_store_has_a_category():
    for choice in GENDERS:
        assert dfe.category_of("sex", choice.value).label in ("Female", "Male", "Unknown")
    for choice in YEAR_GROUPS:
        assert dfe.category_of("year_group", choice.value) is not None


def test_old_reasons_map_to_categories_that_exist_and_the_referral_reasons_are_real():
    settable = {r.code for r in dfe.settable_reasons()}
    old = dfe.legacy_reasons()
    assert len(old) == 13  # the list the project used before December 2026
    for reason in old:
        assert (reason.same is None) != (not reason.candidates), reason.code  # one or the other
        assert {reason.same, *reason.candidates} - {None} <= settable, reason.code
    assert {r.code for r in old if r.same} == {
        "application-awaiting-outcome",
        "moved-abroad",
        "moved-other-la",
        "ehe-unsuitable",
        "other",
    }
    referral = {c.value for c in REASONS}
    assert {value for r in dfe.reasons() for value in r.referral} <= referral


def test_the_census_days_follow_the_published_2022_23_dates():
    assert dfe.census_days(2022) == (dt.date(2022, 10, 6), dt.date(2023, 1, 19), dt.date(2023, 5, 18))
    assert all(day.weekday() == 3 for year in range(2022, 2030) for day in dfe.census_days(year))
    assert dfe.next_census_day(dt.date(2026, 12, 7)) == dt.date(2027, 1, 21)
    assert dfe.next_census_day(dt.date(2026, 10, 1)) == dt.date(2026, 10, 1)


def test_the_source_is_the_cme_publication_not_the_home_education_one():
    source = dfe.source()
    assert source["url"].endswith("/find-statistics/children-missing-education")
    assert source["methodology"].endswith("/methodology/children-missing-education")
    assert not any("elective-home-education" in s.url and "statistics" in s.url for s in SOURCES.values())


def test_regulation_9_as_written():
    found = {g.code: g for g in grounds()}
    assert list(found) == list("abcdefghijklmno")
    assert "academy" in found["m"].words.lower() and "council-maintained" in found["m"].words
    assert "sentence of detention" in found["j"].words and "not remand" in found["j"].words
    assert "court order" not in found["j"].words
    assert "completed nursery education" in found["b"].words.lower() and found["b"].ahead_days == 0
    assert found["l"].ahead_days > 0  # before the school next meets
    assert "consent" in found["f"].note and "special school" in found["f"].note
    assert {g.code for g in grounds() if g.possibly_cme == "always"} == {"h", "i"}
    settable = {r.code for r in dfe.settable_reasons()}
    assert {g.dfe_reason for g in grounds()} - {None} <= settable
