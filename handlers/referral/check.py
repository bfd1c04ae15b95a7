"""`/cme check`: the triage questions one at a time, ending with the outcome, the next step and sources.

The answers can go straight into a referral: "report" afterwards starts one with them filled in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.core import FormContext, TurnContext
from handlers.forms.dates import Tense
from handlers.forms.fields import Kind
from handlers.forms.spec import Field, FormSpec, Interjection, Section
from handlers.knowledge.harm import signpost
from handlers.knowledge.triage import HEADLINES, Outcome, compulsory_school_age, triage
from handlers.messages import Button, Reply, ReplyKind
from handlers.referral.form import YES_NO_UNKNOWN
from handlers.referral.sections import HOME_EDUCATION
from handlers.referral.triage_hooks import facts_from_answers
from storage.queries import save_conversation

FORM_ID = "cme-check"
RESULT_FLOW = "cme-check-result"  # a finished check kept so that /cme report can start pre-filled
SETTLED = "_settled"  # set by the hook when the answers so far already decide the outcome
CARRIED = ("child_dob", "missing_from_home", "on_roll", "home_educated", "awaiting_place", "other_provision")


def _open(answers: dict[str, Any]) -> bool:
    return not answers.get(SETTLED)


def _not_on_roll(answers: dict[str, Any]) -> bool:
    return _open(answers) and answers.get("on_roll") != "yes"


def _no_home_education(answers: dict[str, Any]) -> bool:
    return _not_on_roll(answers) and answers.get("home_educated") in ("no", "unknown", None)


QUESTIONS = Section(
    "check",
    "Does this count as CME?",
    (
        Field(
            "child_dob",
            Kind.DATE,
            "What is the child's date of birth?",
            required=False,
            help="If you don't know it, type 'skip'.",
            tense=Tense.BIRTH,
            review_label="Date of birth",
        ),
        Field(
            "missing_from_home",
            Kind.YES_NO,
            "Is the child missing from home or care right now?",
            not_known=True,
            when=_open,
            review_label="Missing from home or care",
        ),
        Field(
            "on_roll",
            Kind.CHOICE,
            "Is the child on a school roll (registered at a school)?",
            choices=YES_NO_UNKNOWN,
            when=_open,
            review_label="On a school roll",
        ),
        Field(
            "home_educated",
            Kind.CHOICE,
            "Is the child being educated at home?",
            when=_not_on_roll,
            choices=HOME_EDUCATION,
            review_label="Home educated",
        ),
        Field(
            "awaiting_place",
            Kind.YES_NO,
            "Is the child waiting for a school place, or offered one and not started?",
            not_known=True,
            when=_no_home_education,
            review_label="Awaiting a school place",
        ),
        Field(
            "other_provision",
            Kind.YES_NO,
            "Is the child getting education somewhere else (alternative provision)?",
            not_known=True,
            when=_no_home_education,
            review_label="Other provision",
        ),
    ),
)


def _settle(field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]) -> Interjection | None:
    # Missing from home outranks everything; an age outside compulsory school age needs no more questions.
    if field_id == "missing_from_home" and answers.get("missing_from_home") is True:  # not "unknown"
        answers[SETTLED] = True
    if field_id == "child_dob" and answers.get("child_dob"):
        start, end = compulsory_school_age(dt.date.fromisoformat(answers["child_dob"]), ctx.profile)
        if not start <= ctx.today <= end:
            answers[SETTLED] = True
    return None


CHECK = FormSpec(
    id=FORM_ID,
    title="Does this count as children missing education?",
    intro="A few questions about the child's situation; I'll tell you where it belongs and what to do next. "
    "No names needed.",
    sections=(QUESTIONS,),
    after_answer=_settle,
    review=False,
)


def finish_check(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """The outcome, the next step and sources; keep the answers so a referral can start from them."""
    answers = {k: v for k, v in state["answers"].items() if k in CARRIED and v is not None}
    result = triage(facts_from_answers(answers, turn.now.astimezone(turn.profile.tz).date()), turn.profile)
    lines = [*result.reasons, "", f"Next step: {result.next_step}"]
    facts = tuple((s.title, s.url) for s in result.sources)
    outcome = Reply(
        "\n".join(lines),
        kind=ReplyKind.ANSWER,
        title=HEADLINES[result.outcome],
        facts=facts,
        data={"outcome": result.outcome.value},
    )
    save_conversation(turn.session, user_key=turn.user_key, flow=RESULT_FLOW, state={"prefill": answers}, now=turn.now)
    offer = Reply(
        "Would you like to raise a concern now? Your answers will be filled in for you."
        if result.is_cme_route
        else "If you are still worried, you can raise a concern anyway and the CME officer will look at it.",
        buttons=(Button("Raise a concern", "/cme report", style="primary"),),
    )
    if result.outcome is Outcome.MISSING_FROM_HOME:
        return [signpost(now=turn.now, profile=turn.profile), outcome, offer]
    return [outcome, offer]
