"""Officer commands typed with anything after them: a clear answer or the action, never a crash.

Found by fuzzing the router: `/cme done REF ²` (a superscript digit is a digit to str.isdigit but not
to int), `/cme note REF` with a lone surrogate (no UTF-8 for it), and a NUL in a note, which
PostgreSQL refuses and the bot then called "the case system can't be reached".
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from handlers.casework.cases import find_reference
from handlers.messages import ReplyKind
from storage.models import AuditEvent, CaseNote, EnquiryStep
from tests.handlers.casework.test_cases import make_case
from tests.support import Person

OFFICER = "cme-officer"
UNREACHABLE = "can't be reached"
COMMANDS = ("case", "done", "notpossible", "snooze", "note", "assign", "close", "reopen")
# Any code point, lone surrogates and controls included (what a channel may hand over), weighted to
# those that broke something before: other scripts' digits, case changes that alter length, NUL.
TRICKY = "²³٣߂１ßﬀİŉ\x00\udc80\ud83d\ufffd\u200b\x1b\t\n -"
CHARACTERS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY))
ANY_TEXT = st.text(CHARACTERS, max_size=30)
# What officers type after a reference: step names and numbers, dates, outcomes, words; mixed with noise.
WORDS = st.sampled_from(["1", "6", "phone-contacts", "home-visit", "14/12/2026", "moved_la", "me", "family away"])
TAIL = st.lists(st.one_of(WORDS, ANY_TEXT), max_size=4).map(" ".join)


def _counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        notes = session.exec(select(func.count()).select_from(CaseNote)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
        finished = session.exec(
            select(func.count()).select_from(EnquiryStep).where(EnquiryStep.state != "pending")
        ).one()
    return notes, events, finished


@pytest.mark.parametrize("step", ["²", "1²", "³", "٣", "1" * 5000])
def test_a_step_number_in_another_script_or_absurdly_long_is_refused_with_how_to_name_one(
    router, engine, profile, clock, step
):
    reference = make_case(engine, profile, 1, clock())
    before = _counts(engine)
    (reply,) = Person(router, user=OFFICER).say(f"/cme done {reference} {step}")
    assert reply.kind is ReplyKind.ERROR
    assert f"/cme case {reference}" in reply.text and "number in the plan" in reply.text
    assert _counts(engine) == before


@pytest.mark.parametrize("bad", ["\x00", "\udc80", "\x1b[2J"], ids=["nul", "lone-surrogate", "escape"])
def test_a_note_with_a_character_that_cannot_be_stored_is_refused_plainly_and_the_next_one_is_kept(
    router, engine, profile, clock, bad
):
    reference = make_case(engine, profile, 1, clock())
    officer = Person(router, user=OFFICER)
    (refused,) = officer.say(f"/cme note {reference} rang the{bad} family")
    assert refused.kind is ReplyKind.ERROR
    assert UNREACHABLE not in refused.text and "can't store" in refused.text
    assert f"/cme note {reference}" in refused.text  # what to type next
    assert bad not in refused.text  # never echoed back
    assert _counts(engine)[0] == 0
    assert officer.say(f"/cme note {reference} rang the family")[0].kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        assert [n.text for n in session.exec(select(CaseNote)).all()] == ["rang the family"]


def test_a_reason_with_a_nul_is_refused_before_it_reaches_the_database(router, engine, profile, clock):
    reference = make_case(engine, profile, 1, clock())
    before = _counts(engine)
    (reply,) = Person(router, user=OFFICER).say(f"/cme notpossible {reference} 1 no\x00 number")
    assert reply.kind is ReplyKind.ERROR and UNREACHABLE not in reply.text
    assert _counts(engine) == before


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), tail=TAIL)
def test_any_text_after_an_officer_command_gets_a_reply_and_a_refusal_changes_nothing(
    router, engine, profile, clock, command, tail
):
    reference = "CME-2026-0900"
    with Session(engine) as session:
        exists = session.exec(select(EnquiryStep).limit(1)).first() is not None
    if not exists:  # one case, made once per database: the examples share it, in whatever state they leave it
        make_case(engine, profile, 900, clock())
    before = _counts(engine)
    replies = Person(router, user=OFFICER).say(f"/cme {command} {reference} {tail}")
    assert replies and all(reply.text for reply in replies)
    assert not any(UNREACHABLE in reply.text for reply in replies)
    if replies[0].kind is ReplyKind.ERROR:
        assert _counts(engine) == before
    Person(router, user=OFFICER).say("/cme cancel")  # a short form may have opened: the next example starts clean


REFERENCE_CHARS = string.ascii_letters + string.digits + "-"
NOT_A_REFERENCE = st.text(CHARACTERS.filter(lambda ch: ch not in REFERENCE_CHARS), max_size=20)


@given(before=NOT_A_REFERENCE, after=ANY_TEXT)
def test_the_reference_and_the_words_after_it_are_found_whatever_comes_before(before, after):
    # Upper-casing the text first moved the offsets ('ß' is 'SS'), so the words after were cut wrongly.
    found = find_reference(f"{before} cme-2026-0042 {after}")
    assert found == ("CME-2026-0042", after.split())
