"""The glossary (knowledge/glossary.py): terms found as staff write them, explained with a source, and the
answer engine answering "what does TERM mean?" from it in words other than the issue's."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from handlers.casework.transfer_forms import SPECS as TRANSFER_SPECS
from handlers.knowledge.ask import ask_replies, build_engine
from handlers.knowledge.faq import load_knowledge
from handlers.knowledge.glossary import asked_about, entries, explain, terms_in
from handlers.knowledge.profile import bundled_profile
from handlers.messages import ReplyKind
from handlers.notices.forms import DELETION_SPEC, NEW_PUPIL_SPEC
from handlers.referral.check import CHECK
from handlers.referral.form import REFERRAL

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
# The terms issue 23 names: each must be in the glossary.
NAMED = {
    "Common Transfer File": "ctf",
    "School2School": "s2s",
    "Lost Pupil Database": "lost-pupil-database",
    "elective home education": "ehe",
    "Multi-Agency Safeguarding Hub": "mash",
    "unique pupil number": "upn",
    "reasonable enquiries": "reasonable-enquiries",
    "census date": "census-date",
}


@pytest.fixture(scope="module")
def engine():
    return build_engine(bundled_profile())


@pytest.mark.parametrize(("term", "entry_id"), NAMED.items())
def test_every_term_the_issue_names_is_explained_with_a_source(term, entry_id):
    found = explain(term)
    assert found is not None and found.id == entry_id
    assert len(found.text.split()) >= 12, "a plain explanation, not a bare expansion"
    assert found.sources and all(s.url.startswith("https://") for s in found.sources)


@pytest.mark.parametrize(
    ("written", "entry_id"),
    [
        ("CTF", "ctf"),
        ("ctf", "ctf"),
        ("a CTF", "ctf"),
        ("CTFs", "ctf"),
        ("common transfer files", "ctf"),
        ("S2S", "s2s"),
        ("school to school", "s2s"),
        ("the Lost Pupils' Database", "lost-pupil-database"),
        ("UPNs", "upn"),
        ("Unique Pupil Number", "upn"),
        ("MASH", "mash"),
        ("mash", "mash"),  # nothing else is said: it can only be the hub
        ("census day", "census-date"),
        ("EHCP", "send"),
        ("URN", "urn"),
        ("reg 9", "regulation-9"),
    ],
)
def test_explain_finds_a_term_however_it_is_written(written, entry_id):
    found = explain(written)
    assert found is not None and found.id == entry_id


@pytest.mark.parametrize("term", ["INSET day", "PTA", "SATs", "", "   ", "?", "x" * 400, "CTF " * 100])
def test_explain_says_none_for_what_it_does_not_know(term):
    assert explain(term) is None


def test_explain_refuses_what_is_not_text():
    assert explain(None) is None  # type: ignore[arg-type]
    assert terms_in(None) == []  # type: ignore[arg-type]


def test_terms_in_lists_each_term_once_in_order():
    text = "Put him on S2S? The CTF went to S2S but his UPN was temporary, and MASH were told."
    assert [e.id for e in terms_in(text)] == ["s2s", "ctf", "upn", "mash"]


def test_terms_in_does_not_read_ordinary_words_as_abbreviations():
    assert terms_in("we had mash for lunch and will send the form to la la land") == []
    assert [e.id for e in terms_in("a pupil with SEN told MASH")] == ["send", "mash"]


def test_the_longest_term_wins_where_two_overlap():
    found = terms_in("post a lost pupil CTF on the Lost Pupil Database")
    assert [e.id for e in found] == ["ctf", "lost-pupil-database"]


def test_every_abbreviation_in_the_forms_is_explained():
    """What a practitioner meets in the referral, the check, the schools' returns and the transfer forms."""
    texts = []
    for spec in (REFERRAL, CHECK, DELETION_SPEC, NEW_PUPIL_SPEC, *TRANSFER_SPECS.values()):
        texts += [spec.title, spec.intro]
        for section in spec.sections:
            for field in section.fields:
                texts += [field.label, field.help or "", *(choice.label for choice in field.options)]
    abbreviations = {word for text in texts for word in re.findall(r"\b[A-Z][A-Z0-9]+\b", text)}
    assert {"CTF", "S2S", "UPN", "MASH", "URN"} <= abbreviations
    assert {word for word in abbreviations if explain(word) is None} == set()


def test_entries_are_sound():
    ids = [entry.id for entry in entries()]
    assert len(ids) == len(set(ids)) >= 30
    known = set(load_knowledge().ids)
    for entry in entries():
        assert {entry.answered_by, *entry.related} - {None} <= known, entry.id
        assert not re.search(r"\b0\d{3}|@|\b999\b", entry.text), f"{entry.id}: contact details belong in the profile"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("what's a common transfer file?", "glossary:ctf"),
        ("sorry, what does S2S stand for", "glossary:s2s"),
        ("lost pupils database - what is that", "glossary:lost-pupil-database"),
        ("UPN??", "glossary:upn"),
        ("can you tell me what the census date is", "glossary:census-date"),
        ("what is meant by reasonable enquiries", "reasonable-enquiries"),  # the fuller entry answers
        ("what does CME stand for", "what-is-cme"),
    ],
)
def test_the_answer_engine_explains_a_term(engine, question, topic):
    result = engine.ask(question, now=NOW)
    assert result.topic == topic and result.status == "answered"
    assert result.sources and all(s.url.startswith("https://") for s in result.sources)


def test_an_explained_term_offers_related_entries_not_guesses(engine):
    replies = ask_replies(engine, "who are MASH", now=NOW)
    answer = replies[0]
    assert answer.title.startswith("MASH") and "Multi-Agency Safeguarding Hub" in answer.title
    assert any(label == "Source" for label, _ in answer.facts)
    assert replies[1].text == "More on this:" and replies[1].buttons


def test_a_question_about_more_than_the_term_is_not_just_a_definition(engine):
    assert asked_about("when do we have to send the CTF") is None
    replies = ask_replies(engine, "can a temporary UPN go on the CTF upload", now=NOW)
    words = next((r for r in replies if r.title == "Words explained"), None)
    if replies[0].kind is ReplyKind.ANSWER:
        return  # the engine found an entry that answers it: fine
    assert words is not None and {label for label, _ in words.facts} >= {"UPN (unique pupil number)"}


@pytest.mark.parametrize("question", ["what is an INSET day", "what does PTA stand for", "what are SATs"])
def test_near_miss_definition_questions_get_no_glossary_answer(engine, question):
    assert engine.ask(question, now=NOW).topic is None
