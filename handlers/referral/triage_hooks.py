"""Triage as the referral is answered: explain where a situation belongs, offer to stop or go on.

The bot never blocks a practitioner who is unsure: continuing is always offered, and the CME
officer makes the final call (cme-domain.md section 2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.core import FormContext
from handlers.forms.fields import NOT_KNOWN
from handlers.forms.spec import Decision, Interjection
from handlers.knowledge.harm import signpost
from handlers.knowledge.triage import HEADLINES, Facts, Outcome, TriageResult, missing_not_known, triage
from handlers.messages import Choice, Reply, ReplyKind

TRIAGE_FIELDS = (
    "child_dob",
    "child_age",
    "missing_from_home",
    "on_roll",
    "home_educated",
    "awaiting_place",
    "other_provision",
)
REDIRECTS = {
    Outcome.ATTENDANCE,
    Outcome.MISSING_FROM_HOME,
    Outcome.EHE,
    Outcome.OTHER_PROVISION,
    Outcome.BELOW_SCHOOL_AGE,
    Outcome.ABOVE_SCHOOL_AGE,
}


def _yes_no(value: Any) -> bool | None:
    # True/False as answered (older drafts too); "not known" stays None. Not asked yet counts as no,
    # so triage can run as soon as the first questions are answered.
    return None if value == NOT_KNOWN else value is True


def facts_from_answers(answers: dict[str, Any], today: dt.date) -> Facts:
    """Triage facts from whatever the referral has so far (an answer "not known" stays not known)."""
    dob = answers.get("child_dob")
    return Facts(
        dob=dt.date.fromisoformat(dob) if dob else None,
        on=today,
        age=answers.get("child_age") if not dob and isinstance(answers.get("child_age"), int) else None,
        on_roll=answers.get("on_roll") or "unknown",
        home_educated=answers.get("home_educated") or "no",
        other_provision=_yes_no(answers.get("other_provision")),
        missing_from_home=_yes_no(answers.get("missing_from_home")),
        awaiting_place=_yes_no(answers.get("awaiting_place")),
    )


def triage_answers(answers: dict[str, Any], ctx: FormContext) -> TriageResult:
    """The triage result for the answers so far."""
    return triage(facts_from_answers(answers, ctx.today), ctx.profile)


def explanation(result: TriageResult) -> Reply:
    """The reply that says where this situation belongs, why, and with which sources."""
    lines = [*result.reasons, "", f"Next step: {result.next_step}"]
    facts = tuple((s.title, s.url) for s in result.sources)
    return Reply(
        "\n".join(lines),
        kind=ReplyKind.INFO,
        title=HEADLINES.get(result.outcome),
        facts=facts,
        data={"triage": result.outcome.value},
    )


def triage_interjection(
    field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]
) -> Interjection | None:
    """After a triage question: explain and offer to stop when the situation is not CME."""
    if field_id not in TRIAGE_FIELDS:
        return None
    if field_id == "missing_from_home" and answers.get(field_id) == NOT_KNOWN:
        note = Reply(missing_not_known(ctx.profile), kind=ReplyKind.INFO, title="Missing from home or care: not known")
        return Interjection([note])
    result = triage_answers(answers, ctx)
    key = f"triage:{result.outcome.value}"
    if result.outcome not in REDIRECTS or key in meta.get("decisions", {}):
        return None
    replies = [explanation(result)]
    if result.outcome is Outcome.MISSING_FROM_HOME:
        replies.insert(0, signpost(now=ctx.now, profile=ctx.profile))
    decision = Decision(
        key,
        "Would you like to stop here, or carry on with the referral anyway? If you are unsure, carry on: "
        "the CME officer will look at it.",
        (Choice("continue", "Carry on with the referral"), Choice("stop", "Stop here")),
        stop_on="stop",
        stop_text=f"Stopped. Nothing was sent, and your answers have been deleted. {result.next_step}",
    )
    return Interjection(replies, decision=decision, meta={"triage": result.outcome.value})
