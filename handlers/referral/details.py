"""The rest of the referral, asked after the concern was sent ("Send now"): the detail questions still unanswered.

One static FormSpec built from DETAIL_SECTIONS, so a question is never copied: each field keeps its checks
and its own `when`, and also hides itself when the concern's reports already answer it. The draft holds the
answers given so far (under their own ids, so `when` conditions and checks between fields see them: the
regulation 9 ground only for a reg9 deletion, a date not before the child's birth) and, under GIVEN, which
ids they were; only the other answers are new. The harm screen works as in the referral: a yes shows the
signpost at once and the officers are alerted; harm told in the reporter's own words shows it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from handlers.core import FormContext
from handlers.forms.dates import PRECISION_KEY
from handlers.forms.fields import Kind
from handlers.forms.spec import CASE_KEY, Answers, Field, FormSpec, Interjection, Section
from handlers.knowledge.harm import mentions_harm, signpost
from handlers.messages import Reply
from handlers.referral.sections import DETAIL_SECTIONS, MASH, MORE, NO_HARM, minutes_for, still_to_ask
from storage.models import DETAILS_FORM, DETAILS_OF

DETAILS_ID = DETAILS_FORM
REPORT_KEY = DETAILS_OF  # in a details Report row's answers: the id of the referral's Report it completes
GIVEN = "_given"  # the ids the concern's reports had answered when the form began: never asked again
TEXT_KINDS = (Kind.TEXT, Kind.LONG_TEXT, Kind.NAME)
# The harm screen, then "have you contacted MASH?" when it has a yes (and it was not asked before), then the rest.
ASKED = (DETAIL_SECTIONS[0], MASH, *DETAIL_SECTIONS[1:])


def _as_if_more(answers: Answers) -> dict[str, Any]:
    # The detail questions apply as they would have had the reporter chosen "Add more detail now".
    return {**answers, "next_step": MORE}


def _still_missing(spec_field: Field) -> Field:
    def when(answers: Answers) -> bool:
        return spec_field.id not in answers.get(GIVEN, ()) and spec_field.visible(_as_if_more(answers))

    return dataclasses.replace(spec_field, when=when)


def _section(section: Section) -> Section:
    # A question the channel fills in (the reporter's phone, email) is not missing: "how to reach you" was asked.
    fields = tuple(_still_missing(f) for f in section.fields if f.prefill is None)
    return Section(section.id, section.title, fields, when=lambda a: section.applies(_as_if_more(a)), part="details")


def new_answers(answers: Answers) -> dict[str, Any]:
    """The answers given in this form (a date's precision with its date), without those it began with."""
    given = set(answers.get(GIVEN, ()))
    ids = {f.id for f in DETAILS.visible_fields(answers)} - given
    return {k: v for k, v in answers.items() if k.removesuffix(PRECISION_KEY) in ids and not k.startswith("_")}


def addable(before: Answers, given: Answers) -> dict[str, Any]:
    """What of `given` may be added to answers `before`: unanswered questions that apply, with both together."""
    both = _as_if_more({**before, **given})
    ids = {f.id for s in ASKED if s.applies(both) for f in s.fields if f.visible(both)} - set(before)
    return {k: v for k, v in given.items() if k.removesuffix(PRECISION_KEY) in ids}


def draft_answers(reference: str, answers: Answers) -> dict[str, Any]:
    """What a details draft starts with: the concern's answers so far, which ids they are, and the reference."""
    given = sorted(k for k in answers if not k.startswith("_"))
    return {**answers, GIVEN: given, CASE_KEY: reference}


def new_harm(answers: Answers) -> bool:
    """True when the harm screen answered in this form has a yes (something other than "none of these")."""
    return any(value != NO_HARM for value in answers.get("harm_indicators") or [])


def _after_answer(field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]):
    """Harm after the concern was sent: the signpost at once; a yes on the screen alerts the officers now."""
    value = answers.get(field_id)
    if field_id == "harm_indicators" and new_harm(answers) and not meta.get("harm_flagged"):
        note = {"harm_flagged": True, "alert_now": True, "signpost_level": 1}
        said = Reply("The CME officer has been alerted now and the case marked urgent. Carry on below.")
        return Interjection([signpost(now=ctx.now, profile=ctx.profile), said], meta=_shown_at(note, meta, ctx))
    spoken = DETAILS.field(field_id).kind in TEXT_KINDS and isinstance(value, str) and mentions_harm(value)
    if spoken and not meta.get("signpost_level"):
        note = {"harm_mentioned": True, "signpost_level": 1}
        return Interjection([signpost(now=ctx.now, profile=ctx.profile)], meta=_shown_at(note, meta, ctx))
    return None


def _shown_at(note: dict[str, Any], meta: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    if "signpost_shown_at" not in meta:
        note["signpost_shown_at"] = ctx.now.astimezone(dt.UTC).isoformat()
    return note


def intro(answers: Answers) -> str:
    """The form's opening words for these answers: how many questions, about how long, that it can wait."""
    asked = still_to_ask(answers)
    return (
        f"{len(asked)} question{'' if len(asked) == 1 else 's'} your concern doesn't answer yet, about "
        f"{minutes_for(asked)} minutes. Answer what you know and skip the rest; what you add goes to the CME "
        "officer, who is told at once."
    )


DETAILS = FormSpec(
    DETAILS_ID,
    "Add more detail",
    "The questions your concern doesn't answer yet. Answer what you know and skip the rest; what you add goes "
    "to the CME officer, who is told at once.",
    tuple(_section(s) for s in ASKED),
    after_answer=_after_answer,
    settled=lambda answers: frozenset(answers.get(GIVEN, ())),
)
