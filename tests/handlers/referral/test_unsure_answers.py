"""A practitioner who is unsure is never blocked and never recorded as saying No (issue 10 items 1 to 3)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.forms.spec import display
from handlers.messages import ReplyKind
from handlers.referral.form import REFERRAL, harm_flagged
from handlers.referral.triage_hooks import facts_from_answers
from storage.models import Case, Conversation, Outbox
from tests.support import CALM_REFERRAL, Person

UNSURE = dict(
    CALM_REFERRAL,
    child_gender="M",
    on_roll="no idea",
    home_educated="not sure",
    missing_from_home="don't know",
    awaiting_place="don't know",
    other_provision="don't know",
    immediate_danger="don't know",
    destination_known="don't know",
    mash_contacted="not yet",
)
UNSURE_LINES = (
    "Gender",
    "On a school roll",
    "Home educated",
    "Missing from home or care",
    "Awaiting a school place",
    "Other provision",
    "In immediate danger",
    "Destination known",
)


def _line(facts, label: str) -> str:
    return next(value for name, value in facts if name.endswith(f". {label}"))


def test_a_referral_answered_m_and_dont_know_reads_male_and_not_known_never_female_or_no(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    review = alice.fill(UNSURE)[-1]
    assert review.kind is ReplyKind.REVIEW
    lines = {label: _line(review.facts, label) for label in UNSURE_LINES}
    assert lines == {label: "Male" if label == "Gender" else "Not known" for label in UNSURE_LINES}
    assert not any(r.kind is ReplyKind.ERROR for r in alice.heard), "nobody unsure is refused"
    done = alice.say("submit")
    assert any(r.kind is ReplyKind.CONFIRMATION for r in done)
    signpost = next(r for r in done if r.kind is ReplyKind.SIGNPOST)  # again with the confirmation: no 999 first
    assert "You don't know whether" in signpost.text and not signpost.facts[0][1].startswith("999")
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        alerts = session.exec(select(Outbox)).all()
    assert case.triage_outcome == "possible_cme"  # unknown roll status: possible CME, not "not CME"
    assert case.urgent and any(a.kind == "harm.flagged" for a in alerts)  # danger not known is a harm flag


def test_immediate_danger_not_known_shows_the_mash_signpost_and_says_why(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(UNSURE, until="parent_names")
    signpost = next(r for r in alice.heard if r.kind is ReplyKind.SIGNPOST)
    assert "You don't know whether the child is in immediate danger, so" in signpost.text
    numbers = [value for _, value in signpost.facts]
    assert numbers[0] == "0161 253 5678" and not numbers[0].startswith("999")  # MASH first: office hours
    assert any("alerted" in r.text for r in alice.heard)
    missing = next(r for r in alice.heard if r.title == "Missing from home or care: not known")
    assert "police" in missing.text and "101" in missing.text


def test_the_guided_check_takes_dont_know_and_ends_in_possible_cme(router):
    person = Person(router)
    person.say("/cme check")
    answers = {"child_dob": "02/05/2014", "on_roll": "no"} | dict.fromkeys(
        ("missing_from_home", "home_educated", "awaiting_place", "other_provision"), "not sure"
    )
    replies = person.fill(answers)
    result = next(r for r in replies if r.kind is ReplyKind.ANSWER)
    assert result.data["outcome"] == "possible_cme"
    assert "not known whether the child is missing from home" in result.text
    assert not any(r.kind is ReplyKind.ERROR for r in person.heard)


def _draft_answers(engine) -> dict:
    with Session(engine) as session:
        return session.exec(select(Conversation)).one().state["answers"]


def test_nonsense_and_questions_are_never_stored_as_names(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    for nonsense in ("submit", "\U0001f600", "12345"):
        replies = alice.say(nonsense)
        assert replies[0].kind is ReplyKind.ERROR and alice.last_question() == "child_forenames"
    alice.say("Zephyrine")
    alice.say("what counts as CME?")
    assert "child_surname" not in _draft_answers(engine) and alice.last_question() == "child_surname"


def test_a_date_before_the_childs_birth_is_refused_naming_both_dates(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(dict(CALM_REFERRAL, mash_contacted="1"), until="date_last_attended")
    refused = alice.say("01/01/2001")
    assert refused[0].kind is ReplyKind.ERROR
    assert "before the child's date of birth" in refused[0].text and "last attended school" in refused[0].text
    assert "2014" not in refused[0].text  # the date of birth is not repeated back
    assert "date_last_attended" not in _draft_answers(engine) and alice.last_question() == "date_last_attended"


def test_year_group_is_a_choice_read_the_ways_staff_write_it(router):
    alice = Person(router)
    alice.say("/cme report")
    no_dob = dict(CALM_REFERRAL, child_dob="not known")  # the year group is asked when the date of birth is not known
    alice.fill(no_dob, until="child_year_group")
    assert alice.say("x " * 85)[0].kind is ReplyKind.ERROR  # a paragraph is not a year group
    review = alice.fill(dict(no_dob, child_year_group="Y7"))[-1]
    assert _line(review.facts, "Year group") == "Year 7"


def test_older_drafts_and_reports_holding_booleans_still_read_and_triage_as_before():
    older = {"immediate_danger": True, "missing_from_home": False, "on_roll": "no", "home_educated": "no"}
    older |= {"awaiting_place": False, "other_provision": False, "destination_known": True}
    assert display(REFERRAL.field("immediate_danger"), True) == "Yes"
    assert display(REFERRAL.field("destination_known"), False) == "No"
    assert harm_flagged(older) and not harm_flagged(older | {"immediate_danger": False, "harm_indicators": ["none"]})
    facts = facts_from_answers(older, dt.date(2026, 11, 26))
    assert (facts.missing_from_home, facts.other_provision, facts.awaiting_place) == (False, False, False)
    assert REFERRAL.field("new_address").visible(older)  # destination known: the new address is asked


def test_a_year_group_that_does_not_fit_the_date_of_birth_is_asked_about_and_survives_a_restart(router, core, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill({**CALM_REFERRAL, "child_dob": "12/12/2019"}, until="child_year_group")
    asked = alice.say("Y6")[-1]
    assert "born Thursday 12 December 2019 is in Year 2" in asked.text and "not Year 6" in asked.text
    assert [b.value for b in asked.buttons] == ["Year 2", "yes", "not known"]
    assert "child_year_group" not in _draft_answers(engine)
    restarted = Person(build_router(core))  # a new process: only the database remembers
    restarted.say("Year 2")
    assert _draft_answers(engine)["child_year_group"] == "year-2"


def test_a_two_digit_year_of_birth_is_taken_when_it_gives_a_school_age_and_asked_in_full_when_not(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="child_dob")
    refused = alice.say("1/2/03")
    assert "year in full" in refused[0].text and "child_dob" not in _draft_answers(engine)
    taken = alice.say("02/05/14")
    assert "Taken as Friday 2 May 2014." in taken[0].text and _draft_answers(engine)["child_dob"] == "2014-05-02"


def test_no_at_a_work_email_filled_in_from_the_channel_asks_before_clearing_it(router):
    alice = Person(router, email="alice@school.example.org")
    alice.say("/cme report")
    review = alice.fill(CALM_REFERRAL)[-1]
    number = next(name.split(".")[0] for name, _ in review.facts if name.endswith("Your email"))
    alice.say(f"change {number}")
    asked = alice.say("no")
    assert "already has an answer: alice@school.example.org" in asked[-1].text
    kept = alice.say("no")[-1]
    assert _line(kept.facts, "Your email") == "alice@school.example.org"


def test_no_idea_for_an_optional_school_leaves_it_empty_and_for_a_needed_role_asks_again(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="school_name")
    assert alice.say("no idea")[-1].question.field_id != "school_name"  # optional: moved on
    assert _draft_answers(engine).get("school_name") is None  # left empty, not "no idea"
    alice.fill(CALM_REFERRAL, until="referrer_role")
    refused = alice.say("no idea")[0]
    assert refused.kind is ReplyKind.ERROR and "don't know" in refused.text
    assert alice.last_question() == "referrer_role" and "referrer_role" not in _draft_answers(engine)
