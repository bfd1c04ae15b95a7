"""Triage: compulsory school age exactly per Education Act 1996 s8, and where a situation belongs."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handlers.knowledge.calendar import age_on, birthday
from handlers.knowledge.profile import SchoolYear, Term, bundled_profile
from handlers.knowledge.triage import Facts, Outcome, compulsory_school_age, triage

D = dt.date
PROFILE = bundled_profile()
NO_TERMS = PROFILE.model_copy(update={"term_dates": []})
ON = D(2026, 11, 28)
DOB = D(2014, 5, 2)


def late_autumn_2026():
    # A council whose 2026 autumn term starts on Monday 7 September.
    year = SchoolYear(year="2026-2027", terms=[Term(start=D(2026, 9, 7), end=D(2026, 12, 18))])
    return PROFILE.model_copy(update={"term_dates": [year]})


@pytest.mark.parametrize(
    ("dob", "starts", "ends"),
    [
        (D(2007, 9, 23), D(2012, 12, 31), D(2024, 6, 28)),  # cme-domain.md example
        (D(2010, 8, 31), D(2015, 8, 31), D(2026, 6, 26)),  # cme-domain.md example
        (D(2015, 12, 31), D(2020, 12, 31), D(2032, 6, 25)),  # 5th birthday on a prescribed day
        (D(2016, 1, 1), D(2021, 3, 31), D(2032, 6, 25)),
        (D(2015, 3, 31), D(2020, 3, 31), D(2031, 6, 27)),
        (D(2015, 4, 1), D(2020, 8, 31), D(2031, 6, 27)),
        (D(2015, 8, 31), D(2020, 8, 31), D(2031, 6, 27)),
        (D(2015, 9, 1), D(2020, 12, 31), D(2032, 6, 25)),  # 16 on 1 Sep 2031: no term dates, so 1 Sep assumed
        (D(2016, 2, 29), D(2021, 3, 31), D(2032, 6, 25)),
        (D(2009, 3, 10), D(2014, 3, 31), D(2025, 6, 27)),
    ],
)
def test_compulsory_school_age_examples(dob, starts, ends):
    assert compulsory_school_age(dob, PROFILE) == (starts, ends)


@pytest.mark.parametrize(
    ("dob", "ends"),
    [
        (D(2010, 6, 25), D(2026, 6, 26)),  # 16 the day before the leaving date
        (D(2010, 6, 26), D(2026, 6, 26)),  # 16 on the leaving date
        (D(2010, 6, 27), D(2026, 6, 26)),  # 16 in the summer holidays
        (D(2010, 9, 1), D(2026, 6, 26)),  # 16 before Bury's autumn term starts (2 Sep 2026)
        (D(2010, 9, 2), D(2027, 6, 25)),  # 16 on the first day of term: a year more
    ],
)
def test_sixteenth_birthday_around_the_leaving_date_and_the_autumn_term(dob, ends):
    assert compulsory_school_age(dob, PROFILE)[1] == ends


def test_autumn_term_start_comes_from_the_profile():
    late = late_autumn_2026()
    assert compulsory_school_age(D(2010, 9, 4), late)[1] == D(2026, 6, 26)
    assert compulsory_school_age(D(2010, 9, 4), PROFILE)[1] == D(2027, 6, 25)
    # Without term dates the school year is assumed to start on 1 September.
    assert compulsory_school_age(D(2010, 9, 1), NO_TERMS)[1] == D(2027, 6, 25)
    assert compulsory_school_age(D(2010, 8, 31), NO_TERMS)[1] == D(2026, 6, 26)


def test_29_february_birthdays_fall_on_1_march_in_common_years():
    leapling = D(2016, 2, 29)
    assert birthday(leapling, 5) == D(2021, 3, 1)
    assert birthday(leapling, 16) == D(2032, 2, 29)
    assert birthday(D(2084, 2, 29), 16) == D(2100, 3, 1)  # 2100 is not a leap year
    assert age_on(leapling, D(2021, 2, 28)) == 4
    assert age_on(leapling, D(2021, 3, 1)) == 5


PRESCRIBED = ((3, 31), (8, 31), (12, 31))
dobs = st.dates(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31))


@given(dobs)
def test_start_is_the_first_prescribed_day_on_or_after_the_5th_birthday(dob):
    starts, _ = compulsory_school_age(dob, PROFILE)
    fifth = birthday(dob, 5)
    assert (starts.month, starts.day) in PRESCRIBED
    assert fifth <= starts
    days_between = (fifth + dt.timedelta(days=n) for n in range((starts - fifth).days))
    assert not any((day.month, day.day) in PRESCRIBED for day in days_between)
    assert age_on(dob, starts) == 5


@given(dobs, st.sampled_from([PROFILE, NO_TERMS]))
def test_end_is_a_leaving_date_at_15_or_16(dob, profile):
    _, ends = compulsory_school_age(dob, profile)
    assert ends.month == 6 and ends.weekday() == 4 and ends.day > 23  # the last Friday in June
    assert age_on(dob, ends) in (15, 16)
    assert ends.year - dob.year in (16, 17)


@given(dobs, dobs, st.sampled_from([PROFILE, NO_TERMS]))
def test_compulsory_school_age_is_monotone_in_date_of_birth(a, b, profile):
    assume(a <= b)
    start_a, end_a = compulsory_school_age(a, profile)
    start_b, end_b = compulsory_school_age(b, profile)
    assert start_a <= start_b and end_a <= end_b


def check(**kwargs):
    kwargs.setdefault("dob", DOB)
    kwargs.setdefault("on", ON)
    return triage(Facts(**kwargs), PROFILE)


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ({"on_roll": "no"}, Outcome.CME),
        ({"on_roll": "yes"}, Outcome.ATTENDANCE),
        ({}, Outcome.POSSIBLE_CME),
        ({"on_roll": "no", "home_educated": "suitable"}, Outcome.EHE),
        ({"on_roll": "no", "home_educated": "not-assessed"}, Outcome.EHE),
        ({"on_roll": "no", "home_educated": "unsuitable"}, Outcome.CME),
        ({"on_roll": "no", "other_provision": True}, Outcome.OTHER_PROVISION),
        ({"on_roll": "no", "awaiting_place": True}, Outcome.CME),
        ({"awaiting_place": True}, Outcome.CME),
        # precedence
        ({"on_roll": "yes", "missing_from_home": True}, Outcome.MISSING_FROM_HOME),
        ({"dob": D(2005, 1, 1), "missing_from_home": True}, Outcome.MISSING_FROM_HOME),
        ({"dob": D(2005, 1, 1), "on_roll": "yes"}, Outcome.ABOVE_SCHOOL_AGE),
        ({"dob": D(2023, 1, 10), "on_roll": "no"}, Outcome.BELOW_SCHOOL_AGE),
        ({"on_roll": "yes", "home_educated": "unsuitable"}, Outcome.ATTENDANCE),
        ({"home_educated": "unsuitable", "other_provision": True}, Outcome.CME),
        ({"other_provision": True, "awaiting_place": True}, Outcome.OTHER_PROVISION),
    ],
)
def test_outcomes_and_precedence(facts, outcome):
    result = check(**facts)
    assert result.outcome is outcome
    assert result.is_cme_route is (outcome in (Outcome.CME, Outcome.POSSIBLE_CME))


def test_no_date_of_birth_does_not_block():
    result = check(dob=None, on_roll="no")
    assert result.outcome is Outcome.CME
    assert result.compulsory_school_age is None
    assert any("No date of birth" in reason for reason in result.reasons)
    assert result.to_dict()["compulsory_school_age"] is None


def test_cme_answer_points_to_the_cme_officer_and_mash():
    result = check(on_roll="no")
    officer = PROFILE.contact("cme_officer")
    assert result.next_step.startswith("Report the child now")
    assert officer.phone in result.next_step and officer.email in result.next_step
    assert result.contacts == ["cme_officer", "mash", "out_of_hours"]
    assert any("MASH" in reason for reason in result.reasons)
    urls = [s.url for s in result.sources]
    assert any("section/436A" in url for url in urls) and any("section/8" in url for url in urls)


def test_missing_from_home_goes_to_the_police_first():
    result = check(missing_from_home=True)
    assert result.next_step.startswith("Report the child missing to the police now")
    assert PROFILE.contact("police_emergency").phone in result.next_step
    assert PROFILE.contact("police_non_emergency").phone in result.next_step
    assert result.contacts[:2] == ["police_emergency", "police_non_emergency"]
    assert PROFILE.contact("mash").phone in " ".join(result.reasons)


def test_redirects_name_the_right_service():
    assert PROFILE.contact("attendance").label in check(on_roll="yes").next_step
    assert PROFILE.contact("ehe_team").label in check(home_educated="suitable").next_step
    above = check(dob=D(2009, 3, 10))
    assert "27 June 2025" in above.reasons[0] and "17 years old" in above.reasons[0]


def test_contacts_come_from_the_profile():
    contacts = dict(PROFILE.contacts)
    contacts["cme_officer"] = contacts["cme_officer"].model_copy(update={"phone": "01234 567890"})
    del contacts["attendance"]
    other = PROFILE.model_copy(update={"contacts": contacts})
    assert "01234 567890" in triage(Facts(DOB, ON, on_roll="no"), other).next_step
    # An optional contact the profile lacks falls back to the CME officer.
    assert "01234 567890" in triage(Facts(DOB, ON, on_roll="yes"), other).next_step


def test_short_absence_notes_the_local_rule_but_never_blocks():
    result = check(on_roll="no", out_since=ON - dt.timedelta(days=8))
    assert result.outcome is Outcome.CME
    note = next(r for r in result.reasons if "out of education since" in r)
    assert "usually 4 weeks or more" in note and "do not wait" in note
    assert any("Briefing" in s.title for s in result.sources)


def test_long_absence_meets_the_local_rule():
    result = check(out_since=ON - dt.timedelta(weeks=4))
    assert result.outcome is Outcome.POSSIBLE_CME
    assert any("meets" in r and "4 weeks" in r for r in result.reasons)


def test_absence_length_is_not_mentioned_for_other_services():
    result = check(on_roll="yes", out_since=ON - dt.timedelta(days=8))
    assert not any("out of education since" in r for r in result.reasons)


def test_reasons_hold_no_date_of_birth():
    result = check(on_roll="no")
    text = " ".join(result.reasons) + result.next_step
    assert DOB.isoformat() not in text and "2 May 2014" not in text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on_roll": "maybe"}, "on_roll"),
        ({"home_educated": "yes"}, "home_educated"),
        ({"dob": D(2027, 1, 1)}, "date of birth"),
        ({"out_since": D(2027, 1, 1)}, "out-of-education"),
    ],
)
def test_bad_facts_are_refused_without_repeating_values(kwargs, field):
    with pytest.raises(ValueError, match=field) as info:
        Facts(**{"dob": DOB, "on": ON, **kwargs})
    assert "2027" not in str(info.value)


def test_to_dict_is_the_check_json_shape():
    data = check(on_roll="no").to_dict()
    assert set(data) == {"outcome", "compulsory_school_age", "reasons", "next_step", "sources"}
    assert data["outcome"] == "cme"
    assert data["compulsory_school_age"] == {"from": "2019-08-31", "until": "2030-06-28"}
    assert all(set(s) == {"title", "url"} for s in data["sources"])


# s436A: not on a roll AND not otherwise educated. When either half is not known the answer is
# "possible CME", never "not CME" and never attendance (issue 10 item 2).
@pytest.mark.parametrize(
    "unknown",
    [
        {"on_roll": "unknown"},
        {"on_roll": "no", "home_educated": "unknown"},
        {"on_roll": "no", "other_provision": None},
        {"on_roll": "unknown", "other_provision": None, "awaiting_place": None},
    ],
)
def test_not_known_schooling_is_possible_cme(unknown):
    result = triage(Facts(dob=DOB, on=ON, **unknown), PROFILE)
    assert result.outcome is Outcome.POSSIBLE_CME and result.is_cme_route


def test_not_known_whether_awaiting_a_place_changes_nothing_when_not_on_roll():
    assert triage(Facts(dob=DOB, on=ON, on_roll="no", awaiting_place=None), PROFILE).outcome is Outcome.CME


def test_not_known_whether_missing_from_home_keeps_the_police_route_open_beside_the_answer():
    result = triage(Facts(dob=DOB, on=ON, on_roll="no", missing_from_home=None), PROFILE)
    assert result.outcome is Outcome.CME  # not read as missing from home, nor as not missing
    police = PROFILE.contact("police_non_emergency").phone
    assert any("not known whether the child is missing" in r and police in r for r in result.reasons)
    assert "police_non_emergency" in result.contacts
    assert any("missing from home" in s.title.lower() for s in result.sources)
