"""The CME referral form (cme-domain.md section 9) and the checks that run as it is answered.

Triage runs as soon as the answers allow (Education Act 1996 s8 and s436A; DfE CME guidance) and
explains when the situation belongs elsewhere, offering to stop or go on. Any harm flag shows the
MASH signpost at once, before the next question (harm.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.core import FormContext
from handlers.forms.fields import Kind
from handlers.forms.spec import FormSpec, Interjection
from handlers.knowledge.harm import mentions_harm, signpost
from handlers.knowledge.profile import Profile
from handlers.messages import Reply, ReplyKind
from handlers.referral.sections import (
    DETAIL_SECTIONS,
    FORM_ID,
    NO_HARM,
    QUICK_SECTIONS,
    YES_NO_UNKNOWN,
    danger_not_known,
    harm_flagged,
    missing_details,
    sent_quick,
)
from handlers.referral.triage_hooks import triage_interjection

__all__ = [
    "FORM_ID",
    "NO_HARM",
    "REFERRAL",
    "YES_NO_UNKNOWN",
    "after_answer",
    "answers_signpost",
    "harm_flagged",
    "missing_details",
    "sent_quick",
]


def answers_signpost(answers: dict[str, Any], *, now: dt.datetime, profile: Profile) -> Reply:
    """The signpost the answers call for: 999 first for immediate danger; saying why when danger is not known."""
    immediate = answers.get("immediate_danger") is True  # older drafts hold booleans; "unknown" is truthy
    return signpost(now=now, profile=profile, immediate_danger=immediate, danger_not_known=danger_not_known(answers))


def _harm_interjection(answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]) -> Interjection | None:
    if not harm_flagged(answers):
        return None
    immediate = answers.get("immediate_danger") is True
    note: dict[str, Any] = {"harm_flagged": True, "alert_now": True}
    replies = []
    level = 2 if immediate else 1  # show the signpost again only when the danger is greater than before
    if level > meta.get("signpost_level", 0):
        replies.append(answers_signpost(answers, now=ctx.now, profile=ctx.profile))
        note["signpost_level"] = level
    if not meta.get("harm_flagged"):
        replies.append(
            Reply("The CME officer has been alerted now. Your referral carries on below.", kind=ReplyKind.INFO)
        )
    if "signpost_shown_at" not in meta and replies:
        note["signpost_shown_at"] = ctx.now.astimezone(dt.UTC).isoformat()
    return Interjection(replies, meta=note)


def _free_text_harm(value: Any, ctx: FormContext, meta: dict[str, Any]) -> Interjection | None:
    if not isinstance(value, str) or not mentions_harm(value) or meta.get("harm_flagged"):
        return None
    if meta.get("signpost_level"):
        return None
    reply = signpost(now=ctx.now, profile=ctx.profile)
    note = {"harm_mentioned": True, "signpost_level": 1}
    if "signpost_shown_at" not in meta:
        note["signpost_shown_at"] = ctx.now.astimezone(dt.UTC).isoformat()
    return Interjection([reply], meta=note)


def after_answer(field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]) -> Interjection | None:
    """Triage and harm checks that run straight after an answer."""
    if field_id in ("immediate_danger", "harm_indicators"):
        return _harm_interjection(answers, ctx, meta)
    if REFERRAL.field(field_id).kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.NAME):
        return _free_text_harm(answers.get(field_id), ctx, meta)
    return triage_interjection(field_id, answers, ctx, meta)


REFERRAL = FormSpec(
    id=FORM_ID,
    title="Children missing education: raise a concern",
    intro=(
        "I'll ask the essentials first, about ten questions: is the child safe, who they are, their school, "
        "what worries you and how to reach you. Then you can send it, or add more detail. Answer what you know."
    ),
    # The quick report first, harm first of all: a child in danger should not wait behind 20 questions.
    sections=(*QUICK_SECTIONS, *DETAIL_SECTIONS),
    after_answer=after_answer,
    sends_when=sent_quick,  # "Send now": sent at once, without the review of the whole form
)
