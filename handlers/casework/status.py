"""`/cme status [REF]`: a reporter sees their own referrals, an officer any case (no child details)."""

from __future__ import annotations

import re

from handlers.casework.access import RESTRICTED, hidden_from
from handlers.casework.actions import Usage
from handlers.casework.reporter_details import answers_so_far, open_questions
from handlers.casework.resolve import resolve
from handlers.core import TurnContext, is_staff
from handlers.messages import Reply, ReplyKind
from storage.child_queries import case_as_raised, surviving_case
from storage.models import Case
from storage.queries import cases_reported_by, recent_cases
from storage.reporter_links import waiting_follow_ups

REFERENCE_RE = re.compile(r"^[A-Z]{2,8}-\d{4}-\d{4,}$")
STATE_WORDS = {"open": "Open: the CME officer is making enquiries", "closed": "Closed"}


def _line(case: Case, turn: TurnContext) -> tuple[str, str]:
    # A merged case reads as the case it joined, under the reporter's own reference (nothing else of it shows).
    standing = surviving_case(turn.session, case) or case
    when = case.created_at.astimezone(turn.profile.tz)
    state = STATE_WORDS.get(standing.state, standing.state)
    urgent = " · urgent" if case.urgent else ""
    return case.reference, f"{state}{urgent} · raised {when:%-d %b %Y}"


def status(turn: TurnContext, args: str) -> list[Reply]:
    """Status of one case by reference, or the list the sender may see."""
    reference = args.strip().upper()
    if reference:
        return [_one(turn, reference)]
    staff = is_staff(turn.role)
    cases = recent_cases(turn.session) if staff else cases_reported_by(turn.session, turn.user_key)
    if not cases:
        text = (
            "There are no open cases."
            if staff
            else "You haven't raised any concerns yet. Type /cme report to raise one."
        )
        return [Reply(text)]
    title = "Open cases, urgent first" if staff else "Concerns you have raised"
    hidden = hidden_from(turn.session, cases=cases, user_key=turn.user_key) if staff else set()
    facts = tuple((case.reference, RESTRICTED) if case.id in hidden else _line(case, turn) for case in cases)
    return [Reply("Type /cme status REFERENCE for one case.", title=title, facts=facts)]


def _one(turn: TurnContext, reference: str) -> Reply:
    if not REFERENCE_RE.match(reference):
        shown = f"'{reference[:40]}'" if reference.isprintable() else "That"  # never echo control characters
        return Reply(
            f"{shown} isn't a case reference. References look like {turn.profile.references.prefix}-2026-0042.",
            kind=ReplyKind.ERROR,
        )
    case = case_as_raised(turn.session, reference)
    if case is None or not (is_staff(turn.role) or case.reporter_key == turn.user_key):
        # The same answer for "no such case" and "not yours": existence is not disclosed.
        return Reply(
            f"I can't find a concern {reference} that you raised. Check the reference, or type "
            "/cme status to list yours.",
            kind=ReplyKind.ERROR,
        )
    if case.reporter_key != turn.user_key:  # the reporter still sees their own referral's state, as before
        try:
            resolve(turn, reference, "status")  # every case merged with it too
        except Usage as refused:
            return Reply(str(refused), kind=ReplyKind.ERROR)
    label, value = _line(case, turn)
    facts = [("Reference", label), ("Status", value)]
    standing = surviving_case(turn.session, case) or case
    if standing.state == "closed" and standing.outcome:
        facts.append(("Outcome", turn.profile.closure_messages.get(standing.outcome, "Closed")))
    elif case.reporter_key == turn.user_key:  # the question itself stays in their chat with the bot, not here
        for waiting in waiting_follow_ups(turn.session, [case.id]):
            asked = waiting.asked_at.astimezone(turn.profile.tz)
            facts.append(
                (
                    "Question for you",
                    f"the CME officer asked you something on {asked:%-d %b}: it is in your messages from the bot. "
                    f"Answer with /cme add {case.reference} and your answer.",
                )
            )
        asked = open_questions(answers_so_far(turn.session, case, standing))
        if asked:  # a quick report: the rest of the form is still theirs to answer
            more = f"{asked} questions not answered yet: type /cme details {case.reference}"
            facts.append(("More detail", more))
    return Reply(
        f"Case {case.reference}",
        title=f"Status of {case.reference}",
        facts=tuple(facts),
        data={"reference": case.reference, "state": standing.state, "urgent": case.urgent},
    )
