"""Help inside every form (issue 21 item 3): at every question of every form, `help`, `?` and "what does this
mean" explain the question's terms from the glossary with their source, or say there is no more to say, then ask
the same question again. Table-driven over the router's forms, so a new form or question is covered at once."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.commands import build_router
from handlers.core import Core, FormContext
from handlers.forms import conversation
from handlers.forms.help import NOTHING_MORE, asks_about
from handlers.knowledge.glossary import terms_in
from handlers.knowledge.profile import bundled_profile
from handlers.messages import ReplyKind
from handlers.referral.form import REFERRAL
from storage.db import make_engine
from tests.support import CALM_REFERRAL, Person

CTX = FormContext(now=dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC), profile=bundled_profile())
ASKING = ("help", "?", "what does this mean", "What does this mean?")
NEVER = ("I don't know", "rather not guess")


def _at(spec, field) -> dict:
    """A draft waiting at `field`, as the engine keeps it."""
    state = conversation.new_state(spec, CTX)
    state.update(stage="ask", field=field.id)
    return state


def test_help_at_every_question_of_every_form_explains_its_terms_or_says_there_is_no_more():
    router = build_router(Core(engine=make_engine("sqlite://"), profile=CTX.profile))  # its forms; no database used
    specs = {flow.spec.id: flow.spec for flow in router.flows.values()}
    assert {"cme-referral", "school-deletion", "school-new-pupil", "cme-check"} <= set(specs), sorted(specs)
    for spec in specs.values():
        for field in spec.fields:
            terms = terms_in(" ".join([field.label, field.help or "", *(c.label for c in field.options)]))
            for typed in ASKING:
                turn = conversation.step(spec, _at(spec, field), typed, CTX)
                where = f"{spec.id}.{field.id} {typed!r}"
                helped, again = turn.replies[0], turn.replies[-1]
                assert helped.kind is ReplyKind.HELP, where
                assert not any(words in helped.text for words in NEVER), where
                if terms:
                    assert all(t.term in helped.text and "Source:" in helped.text for t in terms), where
                else:
                    assert NOTHING_MORE in helped.text, where
                assert again.question is not None and again.question.field_id == field.id, where
                assert field.id not in turn.state["answers"] or field.prefill, where


@pytest.mark.parametrize("unsure", ["not sure", "no idea", "don't know"])
def test_not_sure_stays_not_known_where_a_question_has_it(unsure):
    field = REFERRAL.field("missing_from_home")
    turn = conversation.step(REFERRAL, _at(REFERRAL, field), unsure, CTX)
    assert turn.state["answers"]["missing_from_home"] == "unknown"


def test_what_is_a_ctf_at_the_transfer_question_explains_the_common_transfer_file_then_asks_it_again(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="s2s_status")
    explained, *_, again = alice.say("what is a CTF?")
    assert explained.kind is ReplyKind.HELP and "common transfer file" in explained.text.lower()
    assert "Source:" in explained.text and again.question.field_id == "s2s_status"
    assert alice.say("what does 'on roll' mean?")[-1].question.field_id == "s2s_status"  # a term from elsewhere


@pytest.mark.parametrize(
    ("field_id", "typed", "asks"),
    [
        ("s2s_status", "CTF?", True),
        ("details", "what is a CTF", True),
        ("reg9_ground", "what does regulation 9 ground mean?", True),
        ("details", "Mum said she doesn't know what home education means", False),  # an answer
        ("details", "Is the officer aware of the brother?", False),
        ("details", "Moved to Spain, what a mess", False),
        ("s2s_status", "CTF", False),
    ],
)
def test_a_question_about_words_is_told_from_an_answer(field_id, typed, asks):
    assert asks_about(REFERRAL.field(field_id), typed) is asks
