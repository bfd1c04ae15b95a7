"""Harm: office hours by the profile's clock and bank holidays, the MASH signpost, harm in free text."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from handlers.knowledge.harm import HARM_INDICATORS, is_office_hours, matched_harm_terms, mentions_harm, signpost
from handlers.knowledge.profile import bundled_profile
from handlers.messages import ReplyKind

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


@pytest.fixture(scope="module")
def profile():
    return bundled_profile()


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (london(2026, 11, 27, 10, 0), True),  # a Friday in term
        (london(2026, 11, 27, 8, 29, 59), False),
        (london(2026, 11, 27, 8, 30), True),  # opens inclusive
        (london(2026, 11, 27, 16, 59, 59), True),
        (london(2026, 11, 27, 17, 0), False),  # closes exclusive
        (london(2026, 11, 28, 10, 0), False),  # Saturday
        (london(2026, 11, 29, 10, 0), False),  # Sunday
        (london(2026, 12, 25, 10, 0), False),  # Christmas Day, a Friday
        (london(2026, 12, 28, 10, 0), False),  # Boxing Day substitute, a Monday
        (london(2026, 8, 31, 10, 0), False),  # late summer bank holiday
        (london(2026, 8, 12, 10, 0), True),  # school holidays do not close MASH
    ],
)
def test_office_hours_follow_days_hours_and_english_bank_holidays(profile, when, open_):
    assert is_office_hours(when, profile) is open_


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (dt.datetime(2026, 6, 29, 7, 15, tzinfo=UTC), False),  # 08:15 BST
        (dt.datetime(2026, 6, 29, 7, 45, tzinfo=UTC), True),  # 08:45 BST
        (dt.datetime(2026, 6, 29, 16, 0, tzinfo=UTC), False),  # 17:00 BST
        (dt.datetime(2026, 11, 30, 7, 45, tzinfo=UTC), False),  # 07:45 GMT
        (dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC), True),  # 16:30 GMT
        (dt.datetime(2026, 3, 30, 7, 30, tzinfo=UTC), True),  # first Monday of BST: 08:30 local
        (dt.datetime(2026, 10, 26, 8, 15, tzinfo=UTC), False),  # first Monday of GMT: 08:15 local
    ],
)
def test_office_hours_use_the_profiles_clock_across_bst_and_gmt(profile, when, open_):
    assert is_office_hours(when, profile) is open_


def test_office_hours_accept_any_zone_and_see_the_local_bank_holiday(profile):
    tokyo = ZoneInfo("Asia/Tokyo")
    # 17:00 in Tokyo is 09:00 in London: Spring bank holiday on Monday, an ordinary Tuesday after.
    assert is_office_hours(dt.datetime(2026, 5, 25, 17, 0, tzinfo=tokyo), profile) is False
    assert is_office_hours(dt.datetime(2026, 5, 26, 17, 0, tzinfo=tokyo), profile) is True


def test_bank_holidays_come_from_the_profiles_nation(profile):
    scottish = profile.model_copy(update={"bank_holidays": "SCT"})
    second_of_january = london(2026, 1, 2, 10, 0)  # a Scottish bank holiday, not an English one
    assert is_office_hours(second_of_january, profile) is True
    assert is_office_hours(second_of_january, scottish) is False


def test_office_hours_refuse_a_naive_time(profile):
    with pytest.raises(ValueError, match="aware"):
        is_office_hours(dt.datetime(2026, 11, 27, 10, 0), profile)


def phones(reply) -> list[str]:
    return [value for _, value in reply.facts]


def test_signpost_in_office_hours_sends_to_mash(profile):
    reply = signpost(now=london(2026, 11, 27, 10, 0), profile=profile)
    assert reply.kind is ReplyKind.SIGNPOST
    assert "MASH" in reply.title
    assert reply.text.startswith(f"Call {profile.contact('mash').label} on {profile.contact('mash').phone}")
    assert "office hours" in reply.text
    assert phones(reply) == [profile.contact("mash").phone, profile.contact("police_non_emergency").phone]
    assert reply.data["signpost"] == {
        "office_hours": True,
        "immediate_danger": False,
        "call": ["mash", "police_non_emergency"],
    }
    assert profile.contact("out_of_hours").phone not in reply.text


def test_signpost_out_of_hours_sends_to_the_duty_team_and_says_why(profile):
    reply = signpost(now=london(2026, 12, 25, 11, 0), profile=profile)
    ooh = profile.contact("out_of_hours")
    assert "out-of-hours" in reply.title
    assert reply.text.startswith(f"Call {ooh.label} on {ooh.phone}")
    assert "it is outside office hours" in reply.text
    assert reply.data["signpost"]["call"] == ["out_of_hours", "police_non_emergency"]
    assert reply.data["signpost"]["office_hours"] is False
    assert profile.contact("mash").phone not in phones(reply)


@pytest.mark.parametrize("when", [london(2026, 11, 27, 10, 0), london(2026, 11, 27, 22, 0)])
def test_signpost_with_immediate_danger_puts_999_first(profile, when):
    reply = signpost(now=when, profile=profile, immediate_danger=True)
    emergency = profile.contact("police_emergency").phone
    assert reply.title.endswith(f"call {emergency} now")
    assert reply.text.startswith(f"Call {emergency} now.")
    assert phones(reply)[0] == emergency
    assert reply.data["signpost"]["call"][0] == "police_emergency"
    assert reply.data["signpost"]["immediate_danger"] is True


def test_signpost_numbers_come_from_the_profile(profile):
    contacts = dict(profile.contacts)
    contacts["mash"] = contacts["mash"].model_copy(update={"phone": "01234 000111"})
    other = profile.model_copy(update={"contacts": contacts})
    reply = signpost(now=london(2026, 11, 27, 10, 0), profile=other)
    assert "01234 000111" in reply.text
    assert phones(reply)[0] == "01234 000111"


def test_signpost_cites_sources(profile):
    reply = signpost(now=london(2026, 11, 27, 10, 0), profile=profile)
    assert all(s["url"].startswith("https://") for s in reply.data["sources"])


def test_harm_indicators_cover_the_guidance_list():
    values = [c.value for c in HARM_INDICATORS]
    assert len(values) == len(set(values)) == 12
    labels = " ".join(c.label.lower() for c in HARM_INDICATORS)
    for needle in ("neglect", "county lines", "fgm", "forced marriage", "trafficking", "looked after"):
        assert needle in labels


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("I think she is being groomed online", "grooming"),
        ("Worried someone is GROOMING him.", "grooming"),
        ("He grooms younger kids", "grooming"),
        ("The child may be in danger", "in danger"),
        ("is in immediate danger!!", "in danger"),
        ("Possible county-lines involvement", "county lines"),
        ("was abused by an uncle", "abuse"),
        ("History of self-harm", "self harm"),
        ("she selfharms", "self harm"),
        ("being exploited by older boys", "exploitation"),
        ("may have been trafficked", "trafficking"),
        ("Risk of F.G.M. over the summer", "FGM"),
        ("family plan a forced marriage abroad", "forced marriage"),
        ("could be forced to marry", "forced marriage"),
        ("worried he has been radicalised", "radicalisation"),
        ("was beaten at home", "violence"),
        ("says he's not safe at home", "not safe"),
        ("She doesn\u2019t feel safe", "not safe"),
        ("neglected, no food in the house", "neglect"),
        ("there is a child protection plan", "social care"),
    ],
)
def test_mentions_harm_finds_danger_in_free_text(text, term):
    assert mentions_harm(text)
    assert term in matched_harm_terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "The family keeps dangerous dogs",
        "He was always well groomed",
        "Late because of the traffic",
        "Family moved to Spain last month",
        "Not seen at school since half term, phone goes to voicemail",
        "harmless question about home education",
        "She is safe and well with her grandmother",
        "",
    ],
)
def test_mentions_harm_stays_quiet_on_ordinary_text(text):
    assert not mentions_harm(text)
    assert matched_harm_terms(text) == []


def test_matched_terms_are_listed_once_each():
    assert matched_harm_terms("groomed, groomed and grooming; in danger") == ["in danger", "grooming"]


@pytest.mark.parametrize("text", ["She says she is scared to go home", "he's terrified of his stepdad"])
def test_fear_of_home_is_harm(text):
    assert mentions_harm(text)
