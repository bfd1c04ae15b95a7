"""The conversational engine: back, skip, cancel, review and change, validation; never crashes, never loses."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.core import FormContext
from handlers.forms import conversation
from handlers.forms.fields import Confirm, Kind
from handlers.forms.spec import Field, FormSpec, Section
from handlers.knowledge.profile import bundled_profile
from handlers.messages import Choice, ReplyKind
from handlers.referral.sections import GENDERS


def _long_ago(value, answers, ctx):
    """A check that asks first (as the year group against the date of birth does): a date before 2000."""
    if value < "2000":
        raise Confirm(f"Did you mean {dt.date.fromisoformat(value):%-d %B %Y}, before 2000?", value=value)


CTX = FormContext(now=dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC), profile=bundled_profile())
SPEC = FormSpec(
    id="demo",
    title="Demo",
    intro="A demo form.",
    sections=(
        Section(
            "one",
            "One",
            (
                Field("name", Kind.TEXT, "Name?"),
                Field("pet", Kind.YES_NO, "Any pets?"),
                Field(
                    "kind",
                    Kind.CHOICE,
                    "Which?",
                    choices=(Choice("cat", "Cat"), Choice("dog", "Dog")),
                    when=lambda a: a.get("pet") is True,
                ),
            ),
        ),
        Section(
            "two",
            "Two",
            (
                Field("born", Kind.DATE, "Born?", required=False, rules=(_long_ago,)),
                Field("mail", Kind.EMAIL, "Email?", required=False),
                Field("code", Kind.POSTCODE, "Postcode?", required=False),
                Field("phone", Kind.PHONE, "Phone?", required=False),
                Field("notes", Kind.LONG_TEXT, "Notes?", required=False),
                Field(
                    "tags",
                    Kind.MULTI_CHOICE,
                    "Tags?",
                    choices=(Choice("a", "Alpha"), Choice("b", "Beta")),
                    none_choice=None,
                    required=False,
                ),
            ),
        ),
    ),
)


def _run(*texts: str):
    turn = conversation.start(SPEC, CTX)
    for text in texts:
        turn = conversation.step(SPEC, turn.state, text, CTX)
    return turn


def _asked(turn) -> str | None:
    return next((r.question.field_id for r in reversed(turn.replies) if r.question), None)


def test_one_question_at_a_time_with_conditional_field():
    assert _asked(_run()) == "name"
    assert _asked(_run("Kim")) == "pet"
    assert _asked(_run("Kim", "yes")) == "kind"
    assert _asked(_run("Kim", "no")) == "born"


def test_back_returns_to_the_previous_question_and_keeps_the_answer():
    turn = _run("Kim", "yes", "back")
    assert _asked(turn) == "pet"
    assert "Your answer was: Yes" in turn.replies[-1].text
    turn = conversation.step(SPEC, turn.state, "no", CTX)
    assert _asked(turn) == "born" and turn.state["answers"]["name"] == "Kim"


def test_skip_only_for_optional_fields():
    turn = _run("skip")
    assert _asked(turn) == "name" and "can't be skipped" in turn.replies[-1].text
    assert _asked(_run("Kim", "no", "skip")) == "mail"


def test_invalid_answers_say_what_is_wrong_and_what_to_type_and_keep_the_draft():
    cases = {
        "31/02/2014": "date",
        "someone@": "email",
        "ZZ1": "postcode",
        "123": "phone",
    }
    turn = _run("Kim", "no")
    for bad, word in cases.items():
        step = conversation.step(SPEC, turn.state, bad, CTX)
        error = step.replies[0]
        assert error.kind is ReplyKind.ERROR and ("for example" in error.text or "like" in error.text), word
        assert step.state["answers"]["name"] == "Kim"
        turn = conversation.step(SPEC, step.state, "skip", CTX)


def test_too_long_and_control_characters_are_refused():
    long = _run("x" * 20_000)
    assert long.replies[0].kind is ReplyKind.ERROR and "20,000" in long.replies[0].text
    control = _run("Kim\x00\x07")
    assert control.replies[0].kind is ReplyKind.ERROR and "control" in control.replies[0].text


def test_review_lists_every_answer_and_change_any_then_submit():
    turn = _run("Kim", "yes", "Dog", *["skip"] * 6)
    review = turn.replies[-1]
    assert review.kind is ReplyKind.REVIEW
    assert review.facts[:3] == (("1. Name?", "Kim"), ("2. Any pets?", "Yes"), ("3. Which?", "Dog"))
    turn = conversation.step(SPEC, turn.state, "change 1", CTX)
    assert _asked(turn) == "name"
    turn = conversation.step(SPEC, turn.state, "Lee", CTX)
    assert turn.replies[-1].kind is ReplyKind.REVIEW and turn.replies[-1].facts[0] == ("1. Name?", "Lee")
    turn = conversation.step(SPEC, turn.state, "change 2", CTX)
    turn = conversation.step(SPEC, turn.state, "no", CTX)  # hides "Which?"
    assert ("3. Which?", "Dog") not in turn.replies[-1].facts
    assert SPEC.clean(turn.state["answers"]).get("kind") is None
    assert conversation.step(SPEC, turn.state, "submit", CTX).ended == "submit"


def test_cancel_ends_without_submitting():
    turn = _run("Kim", "cancel")
    assert turn.ended == "cancel" and "Nothing was sent" in turn.replies[0].text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.text(max_size=300), st.sampled_from(["back", "skip", "change 3", "review", "yes", "1"])),
        max_size=25,
    )
)
def test_arbitrary_input_never_crashes_and_never_loses_a_valid_answer(messages):
    turn = conversation.start(SPEC, CTX)
    for text in messages:
        if turn.ended:
            break
        before = dict(turn.state["answers"])
        asked = turn.state.get("field") if turn.state["stage"] == "ask" else None
        turn = conversation.step(SPEC, turn.state, text, CTX)
        assert turn.replies, "every message gets a reply"
        for key, value in before.items():
            if key != asked:
                assert turn.state["answers"].get(key) == value  # only the question being answered can change


def test_no_to_an_optional_open_question_means_nothing_to_add():
    turn = _run("Kim", "no", "no")  # "Born?" optional date: "no" = skip, not an error
    assert turn.state["answers"]["born"] is None and _asked(turn) == "mail"


def test_a_two_digit_year_is_taken_without_asking_and_said_back_in_words():
    turn = _run("Kim", "no", "16/11/26")
    assert turn.state["answers"]["born"] == "2026-11-16" and _asked(turn) == "mail"
    assert any(r.kind is ReplyKind.INFO and "Taken as Monday 16 November 2026." in r.text for r in turn.replies)


def test_a_check_that_asks_first_stores_on_yes():
    turn = _run("Kim", "no", "01/02/1990")
    ask = turn.replies[-1]
    assert ask.kind is ReplyKind.QUESTION and "Did you mean 1 February 1990, before 2000?" in ask.text
    assert [b.value for b in ask.buttons] == ["yes", "no"]
    assert "born" not in turn.state["answers"]
    turn = conversation.step(SPEC, turn.state, "yes", CTX)
    assert turn.state["answers"]["born"] == "1990-02-01" and _asked(turn) == "mail"


def test_no_at_a_confirmation_asks_again_and_a_fresh_answer_is_taken_as_the_answer():
    turn = _run("Kim", "no", "01/02/1990", "no")
    assert _asked(turn) == "born" and "Not saved" in turn.replies[-1].text and "born" not in turn.state["answers"]
    turn = _run("Kim", "no", "01/02/1990", "02/05/2014")
    assert turn.state["answers"]["born"] == "2014-05-02" and _asked(turn) == "mail"


def test_a_draft_waiting_for_a_confirmation_asks_it_again_when_resumed():
    turn = _run("Kim", "no", "01/02/1990")
    saved = json.loads(json.dumps(turn.state))  # the draft as the database keeps it
    replies = conversation.resume(SPEC, saved)
    assert "Carrying on" in replies[0].text and "Did you mean 1 February 1990" in replies[0].text
    assert conversation.step(SPEC, saved, "yes", CTX).state["answers"]["born"] == "1990-02-01"


def test_did_you_mean_offers_the_candidates_as_buttons_that_answer_exactly():
    spec = FormSpec(
        id="g",
        title="G",
        intro="G.",
        sections=(Section("s", "S", (Field("gender", Kind.CHOICE, "Gender?", choices=GENDERS),)),),
    )
    turn = conversation.step(spec, conversation.start(spec, CTX).state, "mael", CTX)
    error = turn.replies[0]
    assert error.kind is ReplyKind.ERROR and "Did you mean Male or Female?" in error.text
    assert [b.value for b in error.buttons] == ["Male", "Female"] and "gender" not in turn.state["answers"]
    turn = conversation.step(spec, turn.state, error.buttons[0].value, CTX)
    assert turn.state["answers"]["gender"] == "male"


def test_no_at_a_prefilled_optional_answer_asks_before_clearing_it():
    turn = conversation.start(SPEC, CTX, prefill={"mail": "kim@example.gov.uk"})
    for text in ("Kim", "no", "skip", "skip", "skip", "skip", "skip", "change 4", "no"):
        turn = conversation.step(SPEC, turn.state, text, CTX)
    assert "already has an answer: kim@example.gov.uk" in turn.replies[-1].text
    assert turn.state["answers"]["mail"] == "kim@example.gov.uk"
    kept = conversation.step(SPEC, json.loads(json.dumps(turn.state)), "no", CTX)
    assert ("4. Email?", "kim@example.gov.uk") in kept.replies[-1].facts
    cleared = conversation.step(SPEC, turn.state, "yes", CTX)
    assert ("4. Email?", "(skipped)") in cleared.replies[-1].facts


NOT_KNOWN_SPEC = FormSpec(
    id="unsure",
    title="Unsure",
    intro="Two questions.",
    sections=(
        Section(
            "one",
            "One",
            (
                Field("name", Kind.TEXT, "Name?"),
                Field("away", Kind.YES_NO, "Missing from home?", not_known=True),
            ),
        ),
    ),
)


def test_a_question_mark_shows_the_questions_help_and_dont_know_stays_not_known():
    turn = conversation.start(NOT_KNOWN_SPEC, CTX)
    at_name = conversation.step(NOT_KNOWN_SPEC, turn.state, "?", CTX)
    assert at_name.replies[0].kind is ReplyKind.HELP and "name" not in at_name.state["answers"]
    turn = conversation.step(NOT_KNOWN_SPEC, at_name.state, "Alice", CTX)
    helped = conversation.step(NOT_KNOWN_SPEC, turn.state, "?", CTX)
    assert (
        helped.replies[0].kind is ReplyKind.HELP
        and "There is no more to say about this question" in helped.replies[0].text
    )
    assert helped.replies[-1].question.field_id == "away" and "away" not in helped.state["answers"]
    for unsure in ("not sure", "no idea", "don't know"):
        turn = conversation.step(NOT_KNOWN_SPEC, helped.state, unsure, CTX)
        assert dict(turn.replies[-1].facts)["2. Missing from home?"] == "Not known"


def test_exit_leaves_the_form_keeping_its_answers_and_says_for_how_long_and_how_to_carry_on():
    turn = _run("Kim", "exit")
    (left,) = turn.replies
    assert turn.ended is None and turn.state["answers"]["name"] == "Kim"  # kept, not cancelled
    assert left.text.startswith("You've left the form; nothing has been sent.")
    hours = CTX.profile.drafts.idle_limit_hours
    until = (CTX.now + dt.timedelta(hours=hours)).astimezone(CTX.profile.tz)
    assert f"kept for {hours:g} hours (until {until:%A %-d %B at %H:%M})" in left.text and "/cme resume" in left.text
    assert _run("Kim", "cancel").ended == "cancel"  # cancel still deletes
