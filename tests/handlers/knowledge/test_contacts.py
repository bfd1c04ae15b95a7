"""The contact directory: every profile contact, and MASH or the out-of-hours team by the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from handlers.knowledge.contacts import contacts_reply
from handlers.knowledge.profile import bundled_profile

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def profile():
    return bundled_profile()


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("now", "call_now"),
    [
        (at(2026, 11, 27, 10, 0), "mash"),  # Friday morning
        (at(2026, 11, 27, 8, 29), "out_of_hours"),  # before MASH opens
        (at(2026, 11, 27, 17, 0), "out_of_hours"),  # closing time
        (at(2026, 11, 28, 11, 0), "out_of_hours"),  # Saturday
        (at(2026, 12, 25, 11, 0), "out_of_hours"),  # Christmas Day, a Friday bank holiday
    ],
)
def test_says_who_to_call_right_now(profile, now, call_now):
    reply = contacts_reply(profile, now)
    assert reply.data["call_now"] == call_now
    first_sentence = reply.text.split(". ")[0]
    assert profile.contact(call_now).phone in first_sentence
    other = "out_of_hours" if call_now == "mash" else "mash"
    assert profile.contact(other).phone not in first_sentence


def test_lists_every_profile_contact_safeguarding_first(profile):
    reply = contacts_reply(profile, at(2026, 11, 27, 10, 0))
    labels = [label for label, _ in reply.facts]
    assert len(reply.facts) == len(profile.contacts)
    assert labels[0].startswith(profile.contact("mash").label)
    assert labels[1].startswith(profile.contact("out_of_hours").label)
    for key, contact in profile.contacts.items():
        assert any(
            label.startswith(contact.label) and (contact.phone or contact.email) in value
            for label, value in reply.facts
        ), key


def test_marks_which_line_is_open(profile):
    day = dict(contacts_reply(profile, at(2026, 11, 27, 10, 0)).facts)
    night = dict(contacts_reply(profile, at(2026, 11, 27, 22, 0)).facts)
    mash = profile.contact("mash")
    assert f"{mash.label} (office hours: open now)" in day
    assert f"{mash.label} (office hours: closed now)" in night


def test_numbers_come_from_the_profile(profile):
    moved = profile.contact("out_of_hours").model_copy(update={"phone": "0100 000 0002"})
    changed = profile.contacts | {"out_of_hours": moved}
    reply = contacts_reply(profile.model_copy(update={"contacts": changed}), at(2026, 11, 28, 23, 0))
    assert "0100 000 0002" in reply.text
    assert reply.data["contacts"]["out_of_hours"]["phone"] == "0100 000 0002"
    assert reply.data["sources"]
