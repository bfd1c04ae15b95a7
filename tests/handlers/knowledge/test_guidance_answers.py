"""The answers staff get on what issue 23 found wrong, asked in words other than the issue's: the right entry, what
it must say, and a source it rests on (the 8 September 2025 guidance or the regulation), with links that work."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.knowledge.ask import ask_replies, build_engine
from handlers.knowledge.faq import load_knowledge
from handlers.knowledge.profile import bundled_profile

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
GUIDANCE = "DfE statutory guidance: Children missing education (8 September 2025)"


@pytest.fixture(scope="module")
def engine():
    return build_engine(bundled_profile())


def titles(result) -> set[str]:
    return {source.title for source in result.sources}


EXCLUSION = "DfE statutory guidance: Suspension and permanent exclusion from maintained schools, academies and pupil "
REGULATIONS = "The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208)"


@pytest.mark.parametrize(
    ("question", "topic", "says", "cites"),
    [
        (
            "pupil permanently excluded last week, the council hasn't placed him anywhere yet - do I refer as CME?",
            "permanent-exclusion",
            ("sixth school day", "not missing education"),
            GUIDANCE,
        ),
        (
            "what education does a child get after being expelled",
            "permanent-exclusion",
            ("sixth school day",),
            EXCLUSION,
        ),
        (
            "student still registered with us is away visiting relatives abroad for three weeks",
            "trip-abroad-on-roll",
            ("attendance matter for the school", "deletion return"),
            REGULATIONS,
        ),
        (
            "is a child on a long overseas trip but still on our roll missing education?",
            "trip-abroad-on-roll",
            ("attendance matter for the school",),
            GUIDANCE,
        ),
        (
            "a girl goes to a madrasa all day and isn't registered at any school",
            "unregistered-settings",
            ("may be missing education", "CME officer"),
            GUIDANCE,
        ),
        (
            "parents use a private tutoring centre five days a week and no school",
            "unregistered-settings",
            ("may be missing education",),
            GUIDANCE,
        ),
    ],
)
def test_what_the_issue_found_is_answered_with_its_source(engine, question, topic, says, cites):
    """Permanent exclusion with no place yet; a trip abroad while on roll; full time at an unregistered setting."""
    result = engine.ask(question, now=NOW)
    assert result.topic == topic
    assert all(words in result.answer for words in says)
    assert any(title.startswith(cites) for title in titles(result))


@pytest.mark.parametrize("question", ["what's a CTF", "CTF - meaning?", "common transfer file?"])
def test_what_a_ctf_is(engine, question):
    [answer, *_] = ask_replies(engine, question, now=NOW)
    assert answer.title.startswith("CTF") and "Lost Pupil Database" in answer.text
    assert any("https://www.legislation.gov.uk/uksi/2005/1437" in value for _, value in answer.facts)


def test_home_education_from_a_special_school_needs_the_councils_consent(engine):
    result = engine.ask(
        "can a special school delete a pupil the LA placed there when mum opts to home educate", now=NOW
    )
    assert result.topic == "elective-home-education" and "council's consent" in result.answer


def test_the_figures_use_the_published_base_and_no_unsourced_number(engine):
    result = engine.ask("roughly what share of children are missing education in England?", now=NOW)
    assert result.topic == "scale-of-problem"
    assert "aged 5 to 16" in result.answer and "149,900" not in result.answer and "of pupils" not in result.answer
    assert [s.url for s in result.sources][0].endswith("/find-statistics/children-missing-education")


def test_every_answer_cites_the_2025_guidance_or_a_regulation_or_the_law():
    """Each entry rests on the current guidance, legislation or a DfE publication, never on the briefing alone."""
    for entry in load_knowledge().entries:
        cited = entry.cited()
        assert cited and all(source.url.startswith("https://") for source in cited)
        official = [s for s in cited if "legislation.gov.uk" in s.url or "gov.uk" in s.url or "parliament" in s.url]
        assert official, f"{entry.id} cites no statutory or DfE source"
        assert not any(
            "2016" in s.title or "19 August 2024" in s.title and "missing education" in s.title for s in cited
        )


def test_mash_and_out_of_hours_numbers_are_not_cited_to_the_briefing():
    """The briefing gives only the CME officer: an answer showing MASH's number cites the Partnership's page."""
    for entry in load_knowledge().entries:
        if "{mash." in entry.answer or "{out_of_hours." in entry.answer:
            assert any("Safeguarding Partnership: What to do" in s.title for s in entry.cited()), entry.id
