"""`/cme check`: the guided triage conversation ends in every outcome and hands off to a pre-filled referral."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers.messages import ReplyKind
from storage.models import Report
from tests.support import CALM_REFERRAL, Person

# Situations described the way a practitioner answers; 26 Nov 2026 is the fixture's date.
SITUATIONS = {
    "cme": {
        "child_dob": "02/05/2014",
        "missing_from_home": "no",
        "on_roll": "no",
        "home_educated": "no",
        "awaiting_place": "no",
        "other_provision": "no",
    },
    "possible_cme": {
        "child_dob": "skip",
        "missing_from_home": "no",
        "on_roll": "not known",
        "home_educated": "not known",
        "awaiting_place": "no",
        "other_provision": "no",
    },
    "attendance": {"child_dob": "02/05/2014", "missing_from_home": "no", "on_roll": "yes"},
    "missing_from_home": {"child_dob": "02/05/2014", "missing_from_home": "yes"},
    "ehe": {"child_dob": "02/05/2014", "missing_from_home": "no", "on_roll": "no", "home_educated": "suitable"},
    "other_provision": {
        "child_dob": "02/05/2014",
        "missing_from_home": "no",
        "on_roll": "no",
        "home_educated": "no",
        "awaiting_place": "no",
        "other_provision": "yes",
    },
    "below_school_age": {"child_dob": "10/01/2023"},
    "above_school_age": {"child_dob": "10/03/2009"},
}


@pytest.mark.parametrize("outcome", sorted(SITUATIONS))
def test_check_ends_in_each_outcome_with_next_step_and_sources(router, outcome):
    person = Person(router)
    person.say("/cme check")
    replies = person.fill(SITUATIONS[outcome])
    result = next(r for r in replies if r.kind is ReplyKind.ANSWER)
    assert result.data["outcome"] == outcome
    assert "Next step:" in result.text
    assert result.facts and all(url.startswith("https://") for _, url in result.facts)
    assert replies[-1].buttons[0].value == "/cme report"
    if outcome == "missing_from_home":
        assert replies[0].kind is ReplyKind.SIGNPOST


def test_check_hands_off_to_a_prefilled_referral(router, engine):
    person = Person(router)
    person.say("/cme check")
    person.fill(SITUATIONS["cme"])
    mark = len(person.heard)
    started = person.say("/cme report")
    asked = [r.question.field_id for r in started if r.question]
    assert asked == ["immediate_danger"]
    person.fill({k: v for k, v in CALM_REFERRAL.items() if k not in SITUATIONS["cme"]})
    review = person.heard[-1]
    assert ("4. Date of birth", "2 May 2014") in review.facts
    person.say("submit")
    with Session(engine) as session:
        answers = session.exec(select(Report)).one().answers
    assert answers["child_dob"] == "2014-05-02" and answers["on_roll"] == "no"
    asked_overall = {r.question.field_id for r in person.heard[mark:] if r.question}
    assert not asked_overall & {"child_dob", "on_roll", "missing_from_home"}


def test_free_text_without_a_form_is_answered_from_the_knowledge_base(router):
    person = Person(router)
    replies = person.say("is a kid who is home educated missing education?")
    assert replies[-1].kind is ReplyKind.ANSWER or any(r.kind is ReplyKind.ANSWER for r in replies)


def test_contacts_show_who_to_call_now(router):
    reply = Person(router).say("/cme contacts")[0]
    assert "0161 253 5678" in str(reply.facts) and "0161 253 7670" in str(reply.facts)
